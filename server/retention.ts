/**
 * The retention job: each organisation's records pruned by its own retention settings (Privacy,
 * docs/privacy.md), the defaults where it set none — the audit and admin logs (never below the
 * audit log's 30-day floor), outbox events (except those a webhook has not yet picked up) and
 * finished webhook deliveries (EVENT_RETENTION_DAYS by default), the analytics counts, whatever
 * further pruners are given prune, and deleted members' records, which are erased (pseudonymised) once past
 * theirs. Hourly, and once shortly after start; every replica runs it, and a repeat deletes nothing.
 *
 * Bounded: each pruner deletes in batches of `batch` rows, each batch its own short transaction, at
 * most `perRun` rows per organisation and pruner per run, and at most `erasuresPerRun` deleted members
 * are erased per organisation per run; what is left waits for the next hour.
 */
import { pruneAnalyticsBatch } from "../db/analytics";
import type { Database, Executor } from "../db/connection";
import { pruneOutbox } from "../db/outbox";
import { type StoredRetention, NO_RETENTION_SETTINGS, allOrgIds, allRetention, deletedMembersBefore, pruneAdminLog, pruneAuditLog } from "../db/privacy";
import { withAfterCommit } from "../db/transaction";
import { pruneDeliveries } from "../db/webhooks";
import { AUDIT_LOG_FLOOR_DAYS, type EffectiveRetention, type PrivacyDefaults, type RetentionSetting, eraseIn, effectiveRetention } from "../roles/admin";
import type { Logger } from "../http/logger";

const EVERY_MS = 3_600_000;
const DAY_MS = 86_400_000;

/** The admin log's actor for erasures the job makes. */
export const RETENTION_ACTOR = "system:retention";

/**
 * One kind of record pruned by one retention setting. The analytics counts' pruner is one: given to
 * the job by whoever builds the job (server/main.ts).
 */
export interface RetentionPruner {
  /** Its key in the job's outcome and log line. */
  readonly name: string;
  /** The setting whose days decide what is past the retention (null days: nothing is). */
  readonly setting: RetentionSetting;
  /** Deletes up to `limit` of the organisation's records older than `before` (oldest first); returns how many. */
  prune(tx: Executor, orgId: string, before: Date, limit: number): Promise<number>;
}

/** The pruners of this server's own records. */
export const BUILT_IN_PRUNERS: readonly RetentionPruner[] = [
  { name: "auditLog", setting: "auditLogDays", prune: (tx, orgId, before, limit) => pruneAuditLog(tx, orgId, before.toISOString(), limit) },
  { name: "adminLog", setting: "auditLogDays", prune: (tx, orgId, before, limit) => pruneAdminLog(tx, orgId, before.toISOString(), limit) },
  { name: "events", setting: "eventDays", prune: (tx, orgId, before, limit) => pruneOutbox(tx, before.getTime(), { orgId, limit }) },
  { name: "deliveries", setting: "eventDays", prune: (tx, orgId, before, limit) => pruneDeliveries(tx, before.getTime(), { orgId, limit }) },
  // Counts are per UTC day: a day goes once all of it is past the retention.
  { name: "analytics", setting: "analyticsDays", prune: (tx, orgId, before, limit) => pruneAnalyticsBatch(tx, orgId, before.toISOString().slice(0, 10), limit) },
];

export interface RetentionOptions {
  readonly defaults: PrivacyDefaults;
  /** Pruned besides the built-in ones. */
  readonly pruners?: readonly RetentionPruner[];
  readonly batch?: number;
  readonly perRun?: number;
  readonly erasuresPerRun?: number;
}

/** Rows deleted per pruner, and deleted members erased, in one run. */
export type RetentionOutcome = Readonly<Record<string, number>> & { readonly erasedMembers: number };

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;
  private readonly pruners: readonly RetentionPruner[];
  private readonly batch: number;
  private readonly perRun: number;
  private readonly erasuresPerRun: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options: RetentionOptions,
  ) {
    this.pruners = [...BUILT_IN_PRUNERS, ...(options.pruners ?? [])];
    this.batch = options.batch ?? 1000;
    this.perRun = options.perRun ?? 20_000;
    this.erasuresPerRun = options.erasuresPerRun ?? 50;
  }

  start(): void {
    this.first = setTimeout(() => void this.prune(), 60_000);
    this.first.unref();
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
  }

  async prune(now = Date.now()): Promise<RetentionOutcome> {
    const totals: Record<string, number> = Object.fromEntries(this.pruners.map((p) => [p.name, 0]));
    let erasedMembers = 0;
    try {
      const orgs = await allOrgIds(this.db.knex);
      const settings = await allRetention(this.db.knex);
      for (const orgId of orgs) {
        const effective = effectiveRetention(settings.get(orgId) ?? NO_RETENTION_SETTINGS, this.options.defaults);
        for (const pruner of this.pruners) totals[pruner.name] = (totals[pruner.name] ?? 0) + (await this.pruneOrg(pruner, orgId, effective, now));
        erasedMembers += await this.eraseExpired(orgId, settings.get(orgId) ?? NO_RETENTION_SETTINGS, now);
      }
    } catch (err) {
      this.log.warn({ err }, "pruning past the retention failed; retrying at the next hour");
    }
    const outcome = { ...totals, erasedMembers };
    if (Object.values(outcome).some((n) => n > 0)) this.log.info(outcome, "pruned records past the retention");
    return outcome;
  }

  private async pruneOrg(pruner: RetentionPruner, orgId: string, effective: EffectiveRetention, now: number): Promise<number> {
    const set = effective[pruner.setting];
    if (set === null) return 0;
    // The floor holds here too, whatever a row in the database says.
    const days = pruner.setting === "auditLogDays" ? Math.max(set, AUDIT_LOG_FLOOR_DAYS) : set;
    const before = new Date(now - days * DAY_MS);
    let total = 0;
    while (total < this.perRun) {
      const limit = Math.min(this.batch, this.perRun - total);
      const deleted = await withAfterCommit(this.db, (tx) => pruner.prune(tx, orgId, before, limit));
      total += deleted;
      if (deleted < limit) break;
    }
    return total;
  }

  /** Deleted members past the organisation's retention for their records, erased one transaction each. */
  private async eraseExpired(orgId: string, settings: StoredRetention, now: number): Promise<number> {
    if (settings.deletedMemberDays === null) return 0;
    const before = new Date(now - settings.deletedMemberDays * DAY_MS).toISOString();
    const due = await deletedMembersBefore(this.db.knex, orgId, before, this.erasuresPerRun);
    let erased = 0;
    for (const member of due) {
      try {
        await withAfterCommit(this.db, (tx) => eraseIn(tx, orgId, { userId: member.userId }, RETENTION_ACTOR));
        erased++;
      } catch (err) {
        // A userName a current member took again: erasing would rewrite their rows too (left for a person to decide).
        this.log.warn({ err, org: orgId }, "a deleted member past the retention could not be erased");
      }
    }
    return erased;
  }
}
