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
  type DecisionCount, type DecisionKind, type ProvisioningCount, addDecisionCounts, addProvisioningCounts, orgsWithoutSnapshot, readAnalyticsSettings, snapshotMembers,
} from "../db/analytics";
import type { Database } from "../db/connection";
import type { RequestHandler } from "express";
import { isRecord } from "../mapping";
import { tokenIdOf } from "./auth";
import { withAfterCommit } from "../db/transaction";
import type { Logger } from "../scim/respond";

/** What one SCIM request did, as the provisioning chart counts it. */
export const PROVISIONING_OUTCOMES = ["creates", "updates", "deactivations", "errors"] as const;
export type ProvisioningOutcome = (typeof PROVISIONING_OUTCOMES)[number];

/** The most distinct (day, organisation, name) entries held between flushes; more are dropped and logged. */
export const MAX_HELD_KEYS = 100_000;

export const DEFAULT_FLUSH_MS = 10_000;

const DAY_MS = 86_400_000;
const SEP = "\u0000";

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

export class Analytics implements UsageCounter {
  private decisions = new Map<string, Mutable<DecisionCount>>();
  private provisioning = new Map<string, Mutable<ProvisioningCount>>();
  private day = "";
  private dayEnds = 0;
  private snapshotDay = "";
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  /** Entries refused since the last flush because MAX_HELD_KEYS were held. */
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
  }

  /** The UTC day, recomputed only when the previous one has ended. */
  private today(): string {
    const now = this.now();
    if (now >= this.dayEnds || now < this.dayEnds - DAY_MS) {
      this.day = new Date(now).toISOString().slice(0, 10);
      this.dayEnds = (Math.floor(now / DAY_MS) + 1) * DAY_MS;
    }
    return this.day;
  }

  decided(orgId: string, kind: DecisionKind, name: string, allowed: boolean): void {
    const day = this.today();
    const key = day + SEP + orgId + SEP + kind + SEP + name;
    let held = this.decisions.get(key);
    if (held === undefined) {
      if (this.decisions.size >= this.maxKeys) {
        this.dropped += 1;
        return;
      }
      held = { day, orgId, kind, name, allowed: 0, denied: 0 };
      this.decisions.set(key, held);
    }
    if (allowed) held.allowed += 1;
    else held.denied += 1;
  }

  provisioned(orgId: string, idp: string, outcome: ProvisioningOutcome): void {
    const day = this.today();
    const key = day + SEP + orgId + SEP + idp;
    let held = this.provisioning.get(key);
    if (held === undefined) {
      if (this.provisioning.size >= this.maxKeys) {
        this.dropped += 1;
        return;
      }
      held = { day, orgId, idp, creates: 0, updates: 0, deactivations: 0, errors: 0 };
      this.provisioning.set(key, held);
    }
    held[outcome] += 1;
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
    const decisions = this.decisions;
    const provisioning = this.provisioning;
    this.decisions = new Map();
    this.provisioning = new Map();
    const dropped = this.dropped;
    this.dropped = 0;
    const day = this.today();
    try {
      const decisionRows = [...decisions.values()];
      const provisioningRows = [...provisioning.values()];
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
      this.putBack(decisions, provisioning);
      this.log.warn({ err }, "analytics: flushing counts failed; they are kept for the next flush");
      return;
    }
    if (this.snapshotDay !== day) await this.snapshot(day);
  }

  private async snapshot(day: string): Promise<void> {
    try {
      await withAfterCommit(this.db, async (tx) => {
        for (const orgId of await orgsWithoutSnapshot(tx, day)) await snapshotMembers(tx, orgId, day);
      });
      this.snapshotDay = day;
    } catch (err) {
      this.log.warn({ err }, "analytics: the daily member snapshot failed; retrying at the next flush");
    }
  }

  private putBack(decisions: Map<string, Mutable<DecisionCount>>, provisioning: Map<string, Mutable<ProvisioningCount>>): void {
    for (const [key, counts] of decisions) {
      const held = this.decisions.get(key);
      if (held === undefined) this.decisions.set(key, counts);
      else {
        held.allowed += counts.allowed;
        held.denied += counts.denied;
      }
    }
    for (const [key, counts] of provisioning) {
      const held = this.provisioning.get(key);
      if (held === undefined) this.provisioning.set(key, counts);
      else for (const outcome of PROVISIONING_OUTCOMES) held[outcome] += counts[outcome];
    }
  }
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
      const idp = tokenIdOf(res);
      if (typeof orgId !== "string" || idp === null) return;
      for (const outcome of provisioningOutcomes(method, path, res.statusCode, req.body)) usage.provisioned(orgId, idp, outcome);
    });
    next();
  };
}

export function provisioningOutcomes(method: string, path: string, status: number, body: unknown): ProvisioningOutcome[] {
  if (status >= 400) return ["errors"];
  if (status < 200 || status >= 300) return [];
  if (path === "/Bulk" && method === "POST") {
    const operations = isRecord(body) && Array.isArray(body.Operations) ? body.Operations : [];
    return operations.flatMap((op: unknown) => {
      if (!isRecord(op) || typeof op.method !== "string" || typeof op.path !== "string") return [];
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
      return [resource === "Users" && isRecord(body) && isFalse(body.active) ? "deactivations" : "updates"];
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
  if (!isRecord(body) || !Array.isArray(body.Operations)) return false;
  return body.Operations.some((op: unknown) => {
    if (!isRecord(op) || typeof op.op !== "string" || !["replace", "add"].includes(op.op.toLowerCase())) return false;
    if (typeof op.path === "string") return op.path.toLowerCase() === "active" && isFalse(op.value);
    return isRecord(op.value) && isFalse(op.value.active);
  });
}
