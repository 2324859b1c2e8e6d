/**
 * The event outbox: every event is a row written in the transaction that made the change, with an
 * id per organisation that increases by one per event, in commit order. Readers (Server-Sent
 * Events, webhooks, on any replica) read rows after the last id they handled; a notification
 * after commit only tells them to look.
 *
 * Ids are allocated at the very end of the writing transaction (`flushOutbox`, run by
 * db/transaction.ts just before COMMIT) by incrementing the organisation's `event_counters` row.
 * That UPDATE holds the row's lock until the commit, so a second writer of the same organisation
 * gets its ids only once the first has committed (or rolled back, leaving no gap): a reader can
 * never see id N+1 committed while N is still to come, and "everything after N" is a complete
 * answer. Allocating last keeps the lock to the commit itself, and cannot deadlock with the row
 * locks a write takes earlier. SQLite runs one writer at a time, so the same statements suffice.
 * Events are staged per transaction as they arise and written in one insert per 500 rows.
 *
 * The same counter is the organisation's revision (db/revisions.ts): a write that changes what
 * `POST /api/v1/authorize` would answer without staging an event (a user created with no access, a
 * rename, a deletion, a mapping whose new names no one holds yet) notes the organisation with
 * `noteRevision`, and the flush advances its counter by one without an outbox row. Readers of the
 * outbox ask for ids after the last one they handled, so such a gap is never waited for.
 */
import type { Knex } from "knex";
import { chunksBySize } from "./chunks";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { readJson, writeJson } from "./json";
import { HOT, hotRows } from "./hot-reads";
import { prepared } from "./prepared";

/** The PostgreSQL channel committed outbox rows are announced on (payload: `<orgId>:<lastId>`). */
export const OUTBOX_CHANNEL = "scim_outbox";

export interface OutboxEventInput {
  readonly orgId: string;
  readonly type: string;
  readonly memberId: string | null;
  readonly payload: unknown;
}

export interface OutboxEvent {
  readonly orgId: string;
  readonly id: number;
  readonly type: string;
  readonly memberId: string | null;
  /** As stored; decoded by whoever reads it. */
  readonly payload: unknown;
  readonly createdMs: number;
}

export interface DbOutboxRow {
  org_id: string;
  id: number | string;
  type: string;
  member_id: string | null;
  payload: unknown;
  created_ms: number | string;
}

interface DbEventCounterRow {
  org_id: string;
  last_id: number | string;
  pruned_through: number | string;
}

interface Staged {
  readonly events: OutboxEventInput[];
  /** Organisations whose revision must advance even if no event of theirs was staged. */
  readonly revised: Set<string>;
}

const staged = new WeakMap<Executor, Staged>();

/** Opens the staging area of a writing transaction (db/transaction.ts does, for every one it runs). */
export function beginOutbox(tx: Knex.Transaction): void {
  staged.set(tx, { events: [], revised: new Set() });
}

/**
 * The write changes something an authorize answer of `orgId` depends on: its revision advances at
 * commit. Outside a transaction opened by `withAfterCommit` (a bulk seed before any server reads)
 * there is nothing to advance.
 */
export function noteRevision(tx: Executor, orgId: string): void {
  staged.get(tx)?.revised.add(orgId);
}

/**
 * Stages events to be written with the transaction. Only a transaction opened by
 * `withAfterCommit` can carry events: anything else would lose them silently, so it throws.
 */
export function stageOutboxEvents(tx: Executor, events: readonly OutboxEventInput[]): void {
  if (events.length === 0) return;
  const list = staged.get(tx);
  if (!list) throw new Error("outbox events can only be written in a transaction opened by withAfterCommit");
  list.events.push(...events);
}

/** What a flush wrote, per organisation: the last id allocated (the revision the commit makes). */
export type FlushedOutbox = ReadonlyMap<string, number>;

/**
 * Writes the staged events and advances the revisions noted (run just before COMMIT); returns the
 * last id per organisation. `report`, when given, is an organisation whose revision is wanted even
 * if the write changed nothing there (the request's: its answer carries one either way).
 */
export async function flushOutbox(tx: Knex.Transaction, report: string | null = null): Promise<FlushedOutbox> {
  const { events, revised } = staged.get(tx) ?? { events: [], revised: new Set<string>() };
  staged.delete(tx);
  const written = new Map<string, number>();
  await writeEvents(tx, events, revised, written);
  if (report !== null && !written.has(report)) written.set(report, await organisationRevision(tx, report));
  return written;
}

async function writeEvents(tx: Knex.Transaction, events: readonly OutboxEventInput[], revised: ReadonlySet<string>, written: Map<string, number>): Promise<void> {
  const byOrg = new Map<string, OutboxEventInput[]>([...revised].map((orgId) => [orgId, []]));
  for (const event of events) {
    const list = byOrg.get(event.orgId) ?? [];
    list.push(event);
    byOrg.set(event.orgId, list);
  }
  const now = Date.now();
  // Organisations in a fixed order, so two transactions touching the same two never wait on each other.
  for (const orgId of [...byOrg.keys()].sort()) {
    const list = byOrg.get(orgId) ?? [];
    if (list.length === 0) {
      // A revision without an event: the counter moves, no row is written, no reader is woken.
      written.set(orgId, await allocateIds(tx, orgId, 1));
      continue;
    }
    const last = await allocateIds(tx, orgId, list.length);
    let id = last - list.length;
    // Payloads may be tens of kilobytes each (a member's permissions before and after): chunks are
    // bounded in bytes too, so serialising one holds the event loop briefly.
    const toRow = (e: OutboxEventInput) => ({ org_id: orgId, id: ++id, type: e.type, member_id: e.memberId, payload: writeJson(e.payload), created_ms: now });
    for (const chunk of chunksBySize(list, toRow, (row) => row.payload.length)) await tx("event_outbox").insert(chunk);
    written.set(orgId, last);
    // Delivered by PostgreSQL at commit, and never for a rollback.
    if (isPostgres(tx)) await tx.raw("select pg_notify(?, ?)", [OUTBOX_CHANNEL, `${orgId}:${last}`]);
  }
}

/** The organisation's revision: the last outbox id allocated (0 before the first write). */
export async function organisationRevision(tx: Executor, orgId: string): Promise<number> {
  const hot = hotRows<{ last_id: number | string }>(tx, HOT.revision, [orgId]);
  const row: { last_id: number | string } | undefined = hot !== null ? hot[0] : await prepared(tx, "organisationRevision", tx("event_counters").where({ org_id: orgId }).first("last_id"));
  return Number(row?.last_id ?? 0);
}

/** Reserves `count` ids and returns the last; the counter row stays locked until the transaction ends. */
async function allocateIds(tx: Executor, orgId: string, count: number): Promise<number> {
  const rows: { last_id: number | string }[] = await tx("event_counters")
    .insert({ org_id: orgId, last_id: count, pruned_through: 0 })
    .onConflict("org_id")
    .merge({ last_id: tx.raw("?? + ?", ["event_counters.last_id", count]) })
    .returning("last_id");
  const last = rows[0]?.last_id;
  if (last === undefined) throw new Error("the event counter returned no row");
  return Number(last);
}

function toEvent(row: DbOutboxRow): OutboxEvent {
  return { orgId: row.org_id, id: Number(row.id), type: row.type, memberId: row.member_id, payload: readJson(row.payload), createdMs: Number(row.created_ms) };
}

/** Events of the organisation after `afterId`, oldest first. */
export async function readOutbox(tx: Executor, orgId: string, afterId: number, limit: number): Promise<OutboxEvent[]> {
  const rows: DbOutboxRow[] = await tx("event_outbox").where({ org_id: orgId }).andWhere("id", ">", afterId).orderBy("id").limit(limit);
  return rows.map(toEvent);
}

export interface OutboxPosition {
  /** The last id committed (0 before the first event). */
  readonly lastId: number;
  /** Events up to this id were pruned: a resume from below it cannot be served. */
  readonly prunedThrough: number;
}

export async function outboxPosition(tx: Executor, orgId: string): Promise<OutboxPosition> {
  const row: DbEventCounterRow | undefined = await tx("event_counters").where({ org_id: orgId }).first();
  return { lastId: Number(row?.last_id ?? 0), prunedThrough: Number(row?.pruned_through ?? 0) };
}

/**
 * Deletes events older than `beforeMs`, except those a webhook has not yet turned into deliveries
 * (a webhook's cursor), and records how far each organisation was pruned. Returns the rows deleted.
 * `orgId` prunes one organisation (each may set its own retention); `limit` bounds the rows deleted
 * per organisation (the oldest ids first).
 */
export async function pruneOutbox(tx: Executor, beforeMs: number, options: { orgId?: string; limit?: number } = {}): Promise<number> {
  const query = tx("event_outbox").where("created_ms", "<", beforeMs);
  if (options.orgId !== undefined) query.where({ org_id: options.orgId });
  const candidates: { org_id: string; min_id: number | string; max_id: number | string }[] = await query.groupBy("org_id").select("org_id").min({ min_id: "id" }).max({ max_id: "id" });
  let deleted = 0;
  for (const { org_id: orgId, min_id: minId, max_id: maxId } of candidates) {
    const held: { cursor?: number | string | null } | undefined = await tx("webhooks").where({ org_id: orgId }).min({ cursor: "cursor" }).first();
    const bound = options.limit === undefined ? Infinity : Number(minId) + options.limit - 1;
    const through = Math.min(Number(maxId), bound, held?.cursor === null || held?.cursor === undefined ? Infinity : Number(held.cursor));
    if (through <= 0) continue;
    deleted += await tx("event_outbox").where({ org_id: orgId }).andWhere("id", "<=", through).delete();
    await tx("event_counters").where({ org_id: orgId }).andWhere("pruned_through", "<", through).update({ pruned_through: through });
  }
  return deleted;
}

/** The last event id of every organisation that has had one. */
export async function outboxHeads(tx: Executor): Promise<Map<string, number>> {
  const rows: DbEventCounterRow[] = await tx("event_counters").select("org_id", "last_id", "pruned_through");
  return new Map(rows.map((r) => [r.org_id, Number(r.last_id)]));
}
