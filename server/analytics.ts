/**
 * Usage counting that costs `authorize` one Map increment per decision: counts are kept in memory
 * per (UTC day, organisation, what) and flushed every ANALYTICS_FLUSH_MS (10 s by default) and at
 * shutdown, as one batched upsert that ADDS to the stored day (db/analytics.ts), so replicas
 * flushing into one database add up. A flush that fails puts its counts back for the next one.
 * Each flush also takes the day's member snapshot of every organisation that has none yet.
 *
 * The collection settings (db/analytics.ts) are applied at flush time, not per decision: counts of
 * an organisation that switched collection off are dropped there, so the hot path never reads a
 * setting. A change takes effect from the next flush, for the counts held since the previous one.
 */
import {
  type DecisionCount, type DecisionKind, type ProvisioningCount, addDecisionCounts, addProvisioningCounts, liveMemberCounts, orgsWithoutSnapshot, readAnalyticsSettings, snapshotMembers,
} from "../db/analytics";
import type { Database } from "../db/connection";
import type { RequestHandler } from "express";
import { isObject } from "../mapping";
import { tokenIdOf, viaEntraToken } from "./auth";
import { withAfterCommit } from "../db/transaction";
import type { Logger } from "../http/logger";

/** What one SCIM request did, as the provisioning chart counts it. */
export const PROVISIONING_OUTCOMES = ["creates", "updates", "deactivations", "errors"] as const;
export type ProvisioningOutcome = (typeof PROVISIONING_OUTCOMES)[number];

/** The most distinct (day, organisation, name) entries held between flushes; more are dropped and logged. */
export const MAX_HELD_KEYS = 100_000;

export const DEFAULT_FLUSH_MS = 10_000;
const SNAPSHOT_RETRY_MS = 600_000;


export interface AnalyticsOptions {
  readonly flushEveryMs?: number;
  /** The clock (ms since the epoch); the real one when not given. */
  readonly now?: () => number;
  readonly maxHeldKeys?: number;
}

/** The counting half that authorize and the SCIM middleware call. */
export interface UsageCounter {
  decided(orgId: string, kind: DecisionKind, name: string, allowed: boolean): void;
  provisioned(orgId: string, idp: string, outcome: ProvisioningOutcome): void;
}

/** One UTC day's counts, nested by kind, organisation and name: no key is built per decision. */
class Held {
  readonly decisions: Record<DecisionKind, Map<string, Map<string, Mutable<DecisionCount>>>> = { capability: new Map(), connector: new Map(), area: new Map() };
  readonly provisioning = new Map<string, Map<string, Mutable<ProvisioningCount>>>();
  /** Distinct counters held. */
  size = 0;
  constructor(readonly day: string) {}

  decisionRows(): DecisionCount[] {
    return Object.values(this.decisions).flatMap((byOrg) => [...byOrg.values()].flatMap((byName) => [...byName.values()]));
  }

  provisioningRows(): ProvisioningCount[] {
    return [...this.provisioning.values()].flatMap((byIdp) => [...byIdp.values()]);
  }
}

export class Analytics implements UsageCounter {
  private held: Held;
  /** Rows of a flush that failed, written with the next one. */
  private retry: { decisions: DecisionCount[]; provisioning: ProvisioningCount[] } = { decisions: [], provisioning: [] };
  private snapshotDay = "";
  /** After a failed snapshot, not before this (ms since the epoch): a snapshot reads every member. */
  private snapshotRetryAt = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Counters refused since the last flush because MAX_HELD_KEYS were held. */
  private dropped = 0;
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly options: AnalyticsOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.maxKeys = options.maxHeldKeys ?? MAX_HELD_KEYS;
    this.held = new Held(this.today());
  }

  private today(): string {
    return new Date(this.now()).toISOString().slice(0, 10);
  }

  /**
   * Counted in the day of the counters held, which a flush renews: a decision made in the seconds
   * between midnight and the next flush counts for the day before. Reading the clock per decision
   * cost more than the rest of the count.
   */
  decided(orgId: string, kind: DecisionKind, name: string, allowed: boolean): void {
    const byOrg = this.held.decisions[kind];
    let byName = byOrg.get(orgId);
    if (byName === undefined) byOrg.set(orgId, (byName = new Map()));
    let counter = byName.get(name);
    if (counter === undefined) {
      if (this.held.size >= this.maxKeys) {
        this.dropped += 1;
        return;
      }
      counter = { day: this.held.day, orgId, kind, name, allowed: 0, denied: 0 };
      byName.set(name, counter);
      this.held.size += 1;
    }
    if (allowed) counter.allowed += 1;
    else counter.denied += 1;
  }

  provisioned(orgId: string, idp: string, outcome: ProvisioningOutcome): void {
    let byIdp = this.held.provisioning.get(orgId);
    if (byIdp === undefined) this.held.provisioning.set(orgId, (byIdp = new Map()));
    let counter = byIdp.get(idp);
    if (counter === undefined) {
      if (this.held.size >= this.maxKeys) {
        this.dropped += 1;
        return;
      }
      counter = { day: this.held.day, orgId, idp, creates: 0, updates: 0, deactivations: 0, errors: 0 };
      byIdp.set(idp, counter);
      this.held.size += 1;
    }
    counter[outcome] += 1;
  }

  start(): void {
    this.timer = setInterval(() => void this.flush(), this.options.flushEveryMs ?? DEFAULT_FLUSH_MS);
    this.timer.unref();
  }

  /** Stops the timer and flushes what is held (at shutdown). */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.flush();
  }

  /** Writes what is held; a flush already running is waited for instead of run twice at once. */
  async flush(): Promise<void> {
    while (this.flushing !== null) await this.flushing;
    this.flushing = this.write().finally(() => {
      this.flushing = null;
    });
    return this.flushing;
  }

  private async write(): Promise<void> {
    const held = this.held;
    const day = this.today();
    this.held = new Held(day);
    const dropped = this.dropped;
    this.dropped = 0;
    // One row per key and statement: PostgreSQL refuses an upsert that touches a row twice.
    const decisionRows = mergeRows([...this.retry.decisions, ...held.decisionRows()], (r) => `${r.day}\n${r.orgId}\n${r.kind}\n${r.name}`, (into, from) => {
      into.allowed += from.allowed;
      into.denied += from.denied;
    });
    const provisioningRows = mergeRows([...this.retry.provisioning, ...held.provisioningRows()], (r) => `${r.day}\n${r.orgId}\n${r.idp}`, (into, from) => {
      for (const outcome of PROVISIONING_OUTCOMES) into[outcome] += from[outcome];
    });
    this.retry = { decisions: [], provisioning: [] };
    try {
      const orgIds = [...new Set([...decisionRows, ...provisioningRows].map((row) => row.orgId))];
      if (orgIds.length > 0) {
        await withAfterCommit(this.db, async (tx) => {
          const settings = await readAnalyticsSettings(tx, orgIds);
          await addDecisionCounts(tx, decisionRows.filter((row) => settings.get(row.orgId)?.collectAuthorize !== false));
          await addProvisioningCounts(tx, provisioningRows.filter((row) => settings.get(row.orgId)?.collectProvisioning !== false));
        });
      }
      if (dropped > 0) this.log.warn({ dropped, maxHeldKeys: this.maxKeys }, "analytics: counts dropped because too many distinct names were held between flushes");
    } catch (err) {
      this.retry = { decisions: decisionRows, provisioning: provisioningRows };
      this.log.warn({ err }, "analytics: flushing counts failed; they are kept for the next flush");
      return;
    }
    if (this.snapshotDay !== day && this.now() >= this.snapshotRetryAt) await this.snapshot(day);
  }

  private async snapshot(day: string): Promise<void> {
    try {
      // Counted with reads, each organisation's rows then written in a short transaction of their own:
      // a scan of every member inside a write would hold the database's one write lock that long.
      for (const orgId of await orgsWithoutSnapshot(this.db.knex, day)) {
        const live = await liveMemberCounts(this.db.knex, orgId);
        await withAfterCommit(this.db, (tx) => snapshotMembers(tx, orgId, day, live));
      }
      this.snapshotDay = day;
    } catch (err) {
      this.snapshotRetryAt = this.now() + SNAPSHOT_RETRY_MS;
      this.log.warn({ err }, "analytics: the daily member snapshot failed; retrying in 10 minutes");
    }
  }
}

/** Rows with equal keys added together. */
function mergeRows<T extends object>(rows: readonly T[], keyOf: (row: T) => string, add: (into: Mutable<T>, from: T) => void): T[] {
  const merged = new Map<string, Mutable<T>>();
  for (const row of rows) {
    const key = keyOf(row);
    const held = merged.get(key);
    if (held === undefined) merged.set(key, { ...row });
    else add(held, row);
  }
  return [...merged.values()];
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/**
 * Counts each authenticated SCIM request once it is answered, for the IdP connection (token) that
 * sent it: a 201 to a POST of a User or Group is a create; a DELETE of a User, or a PUT or PATCH of
 * a User that sets `active` false, a deactivation; any other successful PUT, PATCH or DELETE an
 * update; any answer of 400 or more an error. Reads count for nothing unless they fail. A Bulk
 * request counts each of its operations by the same rules (or one error when the Bulk failed).
 */
export function countProvisioning(usage: UsageCounter): RequestHandler {
  return (req, res, next) => {
    // Taken now: the routers below rewrite req.url as they route.
    const { method, path } = req;
    res.on("finish", () => {
      const orgId: unknown = res.locals.orgId;
      if (typeof orgId !== "string") return;
      // One IdP connection per stored token, and Entra's own JWTs as one more.
      const idp = tokenIdOf(res) ?? (viaEntraToken(res) ? "entra" : null);
      if (idp === null) return;
      for (const outcome of provisioningOutcomes(method, path, res.statusCode, req.body)) usage.provisioned(orgId, idp, outcome);
    });
    next();
  };
}

export function provisioningOutcomes(method: string, path: string, status: number, body: unknown): ProvisioningOutcome[] {
  if (status >= 400) return ["errors"];
  if (status < 200 || status >= 300) return [];
  if (path === "/Bulk" && method === "POST") {
    const operations = isObject(body) && Array.isArray(body.Operations) ? body.Operations : [];
    return operations.flatMap((op: unknown) => {
      if (!isObject(op) || typeof op.method !== "string" || typeof op.path !== "string") return [];
      return writeOutcome(op.method.toUpperCase(), op.path, op.data);
    });
  }
  return writeOutcome(method, path, body);
}

/** `/Users` or `/Groups`, then one id for every method but POST (`/Users/.search` is a read). */
const RESOURCE_PATH = /^\/?(Users|Groups)(\/[^/]+)?\/?$/;

function writeOutcome(method: string, path: string, body: unknown): ProvisioningOutcome[] {
  const match = RESOURCE_PATH.exec(path);
  if (match === null) return [];
  const resource = match[1];
  const id = match[2];
  switch (method) {
    case "POST":
      return id === undefined ? ["creates"] : [];
    case "DELETE":
      return [resource === "Users" ? "deactivations" : "updates"];
    case "PUT":
      return [resource === "Users" && isObject(body) && isFalse(body.active) ? "deactivations" : "updates"];
    case "PATCH":
      return [resource === "Users" && patchDeactivates(body) ? "deactivations" : "updates"];
    default:
      return [];
  }
}

/** Entra sends booleans as the strings "True" and "False" in PATCH values (fixtures/entra). */
function isFalse(value: unknown): boolean {
  return value === false || (typeof value === "string" && value.toLowerCase() === "false");
}

function patchDeactivates(body: unknown): boolean {
  if (!isObject(body) || !Array.isArray(body.Operations)) return false;
  return body.Operations.some((op: unknown) => {
    if (!isObject(op) || typeof op.op !== "string" || !["replace", "add"].includes(op.op.toLowerCase())) return false;
    if (typeof op.path === "string") return op.path.toLowerCase() === "active" && isFalse(op.value);
    return isObject(op.value) && isFalse(op.value.active);
  });
}
