/**
 * Webhook subscriptions and their deliveries. Each webhook follows its organisation's outbox with
 * a cursor: new events become delivery rows (one per webhook and event, whose id is the
 * `webhook-id` a receiver deduplicates on). Replicas share the sending through leases: a claim
 * marks rows as taken until `lease_until_ms`, under `FOR UPDATE SKIP LOCKED` on PostgreSQL so two
 * claimers never take the same row (SQLite has one writer at a time); a replica that dies mid-send
 * loses nothing, its lease runs out and another replica sends again (at least once). A member's
 * deliveries go in event order: one is claimable only when no earlier one of the same member and
 * webhook is still pending. Claims are made endpoint by endpoint, each up to its own share of the
 * slots, so a slow or failing receiver cannot take them all; and each webhook has a circuit (its
 * consecutive failures and a pause, on its row, so every replica honours it).
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { nowIso, readJson, writeJson } from "./json";

export type DeliveryStatus = "pending" | "delivered" | "failed";

export interface WebhookInfo {
  readonly id: string;
  readonly orgId: string;
  readonly url: string;
  /** Event types sent; empty means every type. */
  readonly events: readonly string[];
  readonly createdAt: string;
  /** Attempts in a row that failed (any success resets it). */
  readonly failures: number;
  /** While the circuit is open: when the endpoint is tried again. */
  readonly pausedUntil: string | null;
}

interface DbWebhookRow {
  id: string;
  org_id: string;
  url: string;
  secret: string;
  events: unknown;
  cursor: number | string;
  created_at: string;
  failures?: number;
  paused_until_ms?: number | string | null;
}

interface DbDeliveryRow {
  id: string;
  webhook_id: string;
  org_id: string;
  event_id: number | string;
  member_id: string | null;
  status: DeliveryStatus;
  attempts: number;
  created_ms: number | string;
  next_attempt_ms: number | string;
  lease_until_ms: number | string | null;
  leased_by: string | null;
  last_status: number | null;
  last_error: string | null;
  finished_ms: number | string | null;
}

function eventTypes(value: unknown): string[] {
  const parsed = readJson(value);
  return Array.isArray(parsed) ? parsed.filter((t): t is string => typeof t === "string") : [];
}

function toWebhook(row: DbWebhookRow): WebhookInfo {
  const paused = row.paused_until_ms === null || row.paused_until_ms === undefined ? null : Number(row.paused_until_ms);
  return {
    id: row.id,
    orgId: row.org_id,
    url: row.url,
    events: eventTypes(row.events),
    createdAt: row.created_at,
    failures: row.failures ?? 0,
    pausedUntil: paused === null ? null : new Date(paused).toISOString(),
  };
}

/** Registers a webhook that receives the organisation's events from now on. */
export async function insertWebhook(tx: Executor, options: { orgId: string; url: string; secret: string; events: readonly string[] }): Promise<WebhookInfo> {
  const counter: { last_id: number | string } | undefined = await tx("event_counters").where({ org_id: options.orgId }).first("last_id");
  const row: DbWebhookRow = {
    id: randomUUID(),
    org_id: options.orgId,
    url: options.url,
    secret: options.secret,
    events: writeJson(options.events),
    cursor: Number(counter?.last_id ?? 0),
    created_at: nowIso(),
  };
  await tx("webhooks").insert(row);
  return toWebhook(row);
}

export async function listWebhooks(tx: Executor, orgId: string): Promise<WebhookInfo[]> {
  const rows: DbWebhookRow[] = await tx("webhooks").where({ org_id: orgId }).orderBy("created_at");
  return rows.map(toWebhook);
}

/** The webhook with its signing secret, for sending. */
export async function findWebhook(tx: Executor, orgId: string, id: string): Promise<(WebhookInfo & { secret: string }) | null> {
  const row: DbWebhookRow | undefined = await tx("webhooks").where({ org_id: orgId, id }).first();
  return row ? { ...toWebhook(row), secret: row.secret } : null;
}

/** Removes a webhook and its deliveries; false when the organisation has no such webhook. */
export async function deleteWebhook(tx: Executor, orgId: string, id: string): Promise<boolean> {
  await tx("webhook_deliveries").where({ webhook_id: id, org_id: orgId }).delete();
  return (await tx("webhooks").where({ org_id: orgId, id }).delete()) > 0;
}

/**
 * Turns outbox events past each webhook's cursor into pending deliveries, up to `limit` events
 * per webhook, and advances the cursors. On PostgreSQL a webhook another replica is enqueueing
 * is skipped (its row is locked); the unique (webhook, event) pair makes a repeat harmless.
 * Returns how many deliveries were created.
 */
export async function enqueueDeliveries(tx: Executor, nowMs: number, limit = 500): Promise<number> {
  const query = tx("webhooks").select("id", "org_id", "events", "cursor").orderBy("id");
  if (isPostgres(tx)) query.forUpdate().skipLocked();
  const hooks: Pick<DbWebhookRow, "id" | "org_id" | "events" | "cursor">[] = await query;
  let created = 0;
  for (const hook of hooks) {
    const cursor = Number(hook.cursor);
    const events: { id: number | string; type: string; member_id: string | null }[] = await tx("event_outbox")
      .where({ org_id: hook.org_id })
      .andWhere("id", ">", cursor)
      .orderBy("id")
      .limit(limit)
      .select("id", "type", "member_id");
    if (events.length === 0) continue;
    const wanted = eventTypes(hook.events);
    const rows = events
      .filter((e) => wanted.length === 0 || wanted.includes(e.type))
      .map((e) => ({
        id: `msg_${randomUUID()}`,
        webhook_id: hook.id,
        org_id: hook.org_id,
        event_id: Number(e.id),
        member_id: e.member_id,
        status: "pending",
        attempts: 0,
        created_ms: nowMs,
        next_attempt_ms: nowMs,
      }));
    if (rows.length > 0) await tx("webhook_deliveries").insert(rows).onConflict(["webhook_id", "event_id"]).ignore();
    created += rows.length;
    await tx("webhooks").where({ id: hook.id }).update({ cursor: Number(events[events.length - 1]?.id ?? cursor) });
  }
  return created;
}

/** A claimed delivery with what is needed to send it. */
export interface LeasedDelivery {
  readonly id: string;
  readonly webhookId: string;
  readonly orgId: string;
  readonly url: string;
  readonly secret: string;
  readonly eventId: number;
  /** null when the event is no longer in the outbox. */
  readonly event: { readonly type: string; readonly payload: unknown; readonly createdMs: number } | null;
  readonly attempts: number;
  readonly createdMs: number;
  /** Proves the lease is still this claimer's when the outcome is recorded. */
  readonly leaseUntilMs: number;
}

export interface ClaimOptions {
  readonly nowMs: number;
  readonly leaseMs: number;
  /** Deliveries to claim in all (the claimer's free slots). */
  readonly limit: number;
  readonly owner: string;
  /** At most this many of one webhook's deliveries in flight for this claimer (Infinity: no limit). */
  readonly perEndpoint?: number;
  /** What this claimer has in flight per webhook id. */
  readonly inFlight?: ReadonlyMap<string, number>;
  /** Consecutive failures that open a webhook's circuit: then one probe at a time, after its pause. */
  readonly circuitFailures?: number;
  /** Which endpoint goes first, turning with each claim so none is always served last. */
  readonly turn?: number;
}

/**
 * Claims due deliveries for `owner` until `nowMs + leaseMs`: pending, due, not leased (or the
 * lease ran out), not behind an earlier pending delivery of the same member, of a webhook whose
 * circuit is not paused. Endpoint by endpoint, each up to `perEndpoint` in flight, so one endpoint
 * never takes every slot. A webhook whose circuit is open (`circuitFailures` in a row) gets one
 * probe when its pause is over: the claim moves the pause to the probe's lease, compare-and-set on
 * the webhook's row, so of several replicas only one probes, and a prober that dies lets it lapse.
 */
export async function claimDeliveries(tx: Executor, options: ClaimOptions): Promise<LeasedDelivery[]> {
  const { nowMs } = options;
  const perEndpoint = options.perEndpoint ?? Number.POSITIVE_INFINITY;
  const circuitFailures = options.circuitFailures ?? Number.POSITIVE_INFINITY;
  const endpoints: { id: string; failures: number }[] = await tx("webhooks as w")
    .where((q) => q.whereNull("w.paused_until_ms").orWhere("w.paused_until_ms", "<=", nowMs))
    .whereExists((q) =>
      q
        .select(tx.raw("1"))
        .from("webhook_deliveries as d")
        .whereRaw("d.webhook_id = w.id")
        .andWhere("d.status", "pending")
        .andWhere("d.next_attempt_ms", "<=", nowMs)
        .andWhere((l) => l.whereNull("d.lease_until_ms").orWhere("d.lease_until_ms", "<", nowMs)),
    )
    .orderBy("w.id")
    .select("w.id", "w.failures");
  const first = endpoints.length === 0 ? 0 : (options.turn ?? 0) % endpoints.length;
  const ids: string[] = [];
  for (const endpoint of [...endpoints.slice(first), ...endpoints.slice(0, first)]) {
    const left = options.limit - ids.length;
    if (left <= 0) break;
    const busy = options.inFlight?.get(endpoint.id) ?? 0;
    const probing = endpoint.failures >= circuitFailures;
    const share = Math.min(left, probing ? (busy === 0 ? 1 : 0) : perEndpoint - busy);
    if (share <= 0) continue;
    const taken = await dueDeliveries(tx, endpoint.id, nowMs, share);
    if (taken.length === 0) continue;
    if (probing) {
      const won = await tx("webhooks")
        .where({ id: endpoint.id })
        .andWhere("failures", ">=", circuitFailures)
        .andWhere((q) => q.whereNull("paused_until_ms").orWhere("paused_until_ms", "<=", nowMs))
        .update({ paused_until_ms: nowMs + options.leaseMs });
      if (won === 0) continue;
    }
    ids.push(...taken);
  }
  if (ids.length === 0) return [];
  const leaseUntilMs = nowMs + options.leaseMs;
  await tx("webhook_deliveries").whereIn("id", ids).update({ lease_until_ms: leaseUntilMs, leased_by: options.owner, attempts: tx.raw("attempts + 1") });
  const rows: (DbDeliveryRow & { url: string; secret: string; type: string | null; payload: unknown; event_created_ms: number | string | null })[] = await tx(
    "webhook_deliveries as d",
  )
    .join("webhooks as w", "w.id", "d.webhook_id")
    .leftJoin("event_outbox as e", (j) => j.on("e.org_id", "d.org_id").andOn("e.id", "d.event_id"))
    .whereIn("d.id", ids)
    .orderBy("d.event_id")
    .select("d.*", "w.url", "w.secret", "e.type", "e.payload", "e.created_ms as event_created_ms");
  return rows.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    orgId: r.org_id,
    url: r.url,
    secret: r.secret,
    eventId: Number(r.event_id),
    event: r.type === null ? null : { type: r.type, payload: readJson(r.payload), createdMs: Number(r.event_created_ms) },
    attempts: r.attempts,
    createdMs: Number(r.created_ms),
    leaseUntilMs,
  }));
}

/** Up to `limit` of one webhook's claimable deliveries, oldest event first, locked (PostgreSQL) against other claimers. */
async function dueDeliveries(tx: Executor, webhookId: string, nowMs: number, limit: number): Promise<string[]> {
  const query = tx("webhook_deliveries as d")
    .where("d.webhook_id", webhookId)
    .andWhere("d.status", "pending")
    .andWhere("d.next_attempt_ms", "<=", nowMs)
    .andWhere((q) => q.whereNull("d.lease_until_ms").orWhere("d.lease_until_ms", "<", nowMs))
    .whereNotExists((q) =>
      q
        .select(tx.raw("1"))
        .from("webhook_deliveries as p")
        .whereRaw("p.webhook_id = d.webhook_id")
        .whereRaw("p.member_id = d.member_id")
        .andWhere("p.status", "pending")
        .whereRaw("p.event_id < d.event_id"),
    )
    .orderBy("d.event_id")
    .limit(limit)
    .select("d.id");
  if (isPostgres(tx)) query.forUpdate().skipLocked();
  return ((await query) as { id: string }[]).map((r) => r.id);
}

export type DeliveryOutcome =
  | { readonly kind: "delivered"; readonly status: number }
  | { readonly kind: "retry"; readonly status: number | null; readonly error: string; readonly nextAttemptMs: number }
  | { readonly kind: "failed"; readonly status: number | null; readonly error: string };

/**
 * What an attempt says about its endpoint: it answered (the circuit closes), it failed (one more
 * failure in a row; `pauseUntil` says, from that count, until when to leave it alone, or null), or
 * nothing was sent (a refused address: the endpoint was not tried).
 */
export type EndpointOutcome =
  | { readonly kind: "answered" }
  | {
      readonly kind: "failed";
      readonly pauseUntil: (failures: number) => number | null;
      /** The attempt's error, and the creation time before which deliveries are past their retry window. */
      readonly error: string;
      readonly windowStartMs: number;
    }
  | { readonly kind: "untried" };

/**
 * Records what happened to a claimed delivery, and to its webhook's circuit; false when the lease
 * was no longer ours (another replica took it over, and its outcome is the one that counts).
 */
export async function finishDelivery(
  tx: Executor,
  delivery: Pick<LeasedDelivery, "id" | "leaseUntilMs" | "webhookId">,
  owner: string,
  outcome: DeliveryOutcome,
  nowMs: number,
  endpoint: EndpointOutcome = { kind: "untried" },
): Promise<boolean> {
  const columns =
    outcome.kind === "delivered"
      ? { status: "delivered", last_status: outcome.status, last_error: null, finished_ms: nowMs }
      : outcome.kind === "retry"
        ? { last_status: outcome.status, last_error: outcome.error.slice(0, 2000), next_attempt_ms: outcome.nextAttemptMs }
        : { status: "failed", last_status: outcome.status, last_error: outcome.error.slice(0, 2000), finished_ms: nowMs };
  const changed = await tx("webhook_deliveries")
    .where({ id: delivery.id, leased_by: owner, lease_until_ms: delivery.leaseUntilMs })
    .update({ ...columns, lease_until_ms: null, leased_by: null });
  if (changed === 0) return false;
  if (endpoint.kind === "answered") {
    // Written only when there is something to reset, so healthy deliveries do not queue on the row.
    await tx("webhooks")
      .where({ id: delivery.webhookId })
      .andWhere((q) => q.where("failures", ">", 0).orWhereNotNull("paused_until_ms"))
      .update({ failures: 0, paused_until_ms: null });
  } else if (endpoint.kind === "failed") {
    await tx("webhooks").where({ id: delivery.webhookId }).increment("failures", 1);
    const row: { failures: number } | undefined = await tx("webhooks").where({ id: delivery.webhookId }).first("failures");
    const pauseUntil = row ? endpoint.pauseUntil(Number(row.failures)) : null;
    if (pauseUntil !== null) {
      await tx("webhooks").where({ id: delivery.webhookId }).update({ paused_until_ms: pauseUntil });
      // Deliveries an open circuit held back are never tried, so none would reach its end by
      // failing: past their retry window they fail here, with the error that keeps the circuit open.
      await tx("webhook_deliveries")
        .where({ webhook_id: delivery.webhookId, status: "pending" })
        .andWhere("created_ms", "<", endpoint.windowStartMs)
        .andWhere((q) => q.whereNull("lease_until_ms").orWhere("lease_until_ms", "<", nowMs))
        .update({ status: "failed", finished_ms: nowMs, last_error: `not sent within the retry window: the webhook's circuit stayed open; its last error: ${endpoint.error}`.slice(0, 2000) });
    }
  }
  return true;
}

/** Gives back this owner's leases (a shutdown that could not finish sending): they are due again at once. */
export async function releaseLeases(tx: Executor, owner: string, ids?: readonly string[]): Promise<number> {
  const query = tx("webhook_deliveries").where({ leased_by: owner, status: "pending" });
  if (ids) query.whereIn("id", ids);
  return query.update({ lease_until_ms: null, leased_by: null });
}

export interface DeliveryInfo {
  readonly id: string;
  readonly webhookId: string;
  readonly url: string;
  readonly eventId: number;
  readonly memberId: string | null;
  readonly status: DeliveryStatus;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly createdAt: string;
  /** While pending: when it is (or was) due to be tried. */
  readonly nextAttemptAt: string | null;
  readonly finishedAt: string | null;
}

export async function listDeliveries(tx: Executor, orgId: string, options: { status?: DeliveryStatus; limit: number }): Promise<DeliveryInfo[]> {
  const query = tx("webhook_deliveries as d").join("webhooks as w", "w.id", "d.webhook_id").where("d.org_id", orgId).orderBy("d.event_id", "desc").limit(options.limit);
  if (options.status) query.where("d.status", options.status);
  const rows: (DbDeliveryRow & { url: string })[] = await query.select("d.*", "w.url");
  return rows.map((r) => ({
    id: r.id,
    webhookId: r.webhook_id,
    url: r.url,
    eventId: Number(r.event_id),
    memberId: r.member_id,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    createdAt: new Date(Number(r.created_ms)).toISOString(),
    nextAttemptAt: r.status === "pending" ? new Date(Number(r.next_attempt_ms)).toISOString() : null,
    finishedAt: r.finished_ms === null ? null : new Date(Number(r.finished_ms)).toISOString(),
  }));
}

export interface WebhookQueue {
  /** Deliveries waiting to be sent (or retried). */
  readonly pending: number;
  /** How long the oldest of them has waited, in ms (0 when none). */
  readonly oldestPendingMs: number;
  /** Outbox events not yet turned into deliveries, summed over webhooks. */
  readonly unqueuedEvents: number;
}

export async function webhookQueue(tx: Executor, nowMs: number): Promise<WebhookQueue> {
  const pending: { n: number | string; oldest: number | string | null } | undefined = await tx("webhook_deliveries")
    .where({ status: "pending" })
    .first(tx.raw("count(*) as n"), tx.raw("min(created_ms) as oldest"));
  const lag: { n: number | string | null } | undefined = await tx("webhooks as w")
    .join("event_counters as c", "c.org_id", "w.org_id")
    .first(tx.raw("sum(c.last_id - w.cursor) as n"));
  const oldest = pending?.oldest === null || pending?.oldest === undefined ? null : Number(pending.oldest);
  return { pending: Number(pending?.n ?? 0), oldestPendingMs: oldest === null ? 0 : Math.max(0, nowMs - oldest), unqueuedEvents: Number(lag?.n ?? 0) };
}

/** Deletes finished deliveries older than `beforeMs` (of one organisation, up to `limit` of them, when given). */
export async function pruneDeliveries(tx: Executor, beforeMs: number, options: { orgId?: string; limit?: number } = {}): Promise<number> {
  const finished = tx("webhook_deliveries").whereIn("status", ["delivered", "failed"]).andWhere("finished_ms", "<", beforeMs);
  if (options.orgId !== undefined) finished.where({ org_id: options.orgId });
  if (options.limit === undefined) return finished.delete();
  return tx("webhook_deliveries").whereIn("id", finished.select("id").orderBy("finished_ms").limit(options.limit)).delete();
}
