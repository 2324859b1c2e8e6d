/**
 * Listing Users or Groups a page at a time: a compiled filter and sort in SQL, and OFFSET/LIMIT
 * paging that is stable because `seq` always breaks ties.
 *
 * `totalResults` is counted only when nothing cheaper knows it. A page shorter than asked for ends
 * the list, so its total is its offset plus its length (a `userName eq` filter never counts). An
 * unfiltered, unsorted list of users reads the organisation's counter (kept by triggers, see the
 * resource_counters migration) in the same statement as the page, so the two agree. Such a list is
 * also read from a remembered position when it can be: an IdP's import asks for `startIndex=201`
 * right after the page that ended at 200, and `seq > <that page's last seq>` reads 200 index
 * entries where OFFSET walks every one before them. A remembered position is used only while the
 * organisation's `users_changes` is what it was when the position was taken, checked in the very
 * statement that reads the page: no user was created or deleted since, so the row at that index is
 * still the same row and the page is exactly the one OFFSET would return.
 *
 * A deep page reached directly (`startIndex=90001`) has no such position. Its OFFSET walks the
 * (org_id, seq) index alone, in a subquery that selects only `seq`, and only the page's rows are
 * read: PostgreSQL's OFFSET would otherwise fetch the row of every entry it skips. The walk itself
 * is still one index entry per row skipped, so an organisation asked for deep pages twice without a
 * user created or deleted in between gets anchors: the `seq` of every thousandth user, read in one
 * walk of the index, from which any page is at most a thousand entries away. Anchors are checked
 * like positions, against `users_changes` read in the statement that reads the page.
 */
import type { Executor } from "./connection";
import type { CompiledSql } from "./filter-sql";
import { SCIM_VISIBLE } from "./groups";
import { HOT, HOT_ROWS_MAX, USERS_WHERE_USER_NAME, hotRows } from "./hot-reads";
import { prepared } from "./prepared";
import { type DbGroupRow, type DbUserRow, GROUP_COLUMNS, USER_COLUMNS, qualified } from "./tables";
import { type GroupRecord, type UserRecord, toGroupRecord, toUserRecord } from "./resources";

export interface ListQuery {
  readonly orgId: string;
  readonly where: CompiledSql | null;
  /** ORDER BY expression; the resource's insertion order (`seq`) always breaks ties, so pages are stable. */
  readonly sort: { readonly expression: CompiledSql; readonly descending: boolean } | null;
  /** 0-based */
  readonly offset: number;
  readonly limit: number;
}

export interface ListResult<T> {
  readonly total: number;
  readonly items: T[];
}

async function count(tx: Executor, table: "users" | "groups", q: ListQuery): Promise<number> {
  const row = await filtered(tx, table, q).count<{ n: number | string }[]>({ n: "*" }).first();
  return Number(row?.n ?? 0);
}

function filtered(tx: Executor, table: "users" | "groups", q: ListQuery) {
  const query = tx(table).where(`${table}.org_id`, q.orgId);
  // SCIM lists only the IdP's groups (db/groups.ts SCIM_VISIBLE).
  if (table === "groups") query.where("groups.source", SCIM_VISIBLE.source);
  if (q.where) query.whereRaw(q.where.sql, q.where.bindings as never);
  return query;
}

async function list<Row>(tx: Executor, table: "users" | "groups", q: ListQuery): Promise<ListResult<Row>> {
  if (q.limit === 0) return { total: await count(tx, table, q), items: [] };
  if (table === "users") {
    const hot = hotUserNameMatch<Row>(tx, q);
    if (hot !== null && hot.length < q.limit) return { total: hot.length, items: hot };
  }
  const query = filtered(tx, table, q)
    .select(...qualified(table, table === "users" ? USER_COLUMNS : GROUP_COLUMNS))
    .offset(q.offset)
    .limit(q.limit);
  if (q.sort) {
    const direction = q.sort.descending ? "DESC" : "ASC";
    // Absent values sort last whatever the direction.
    query.orderByRaw(`(${q.sort.expression.sql}) IS NULL, (${q.sort.expression.sql}) ${direction}`, [
      ...q.sort.expression.bindings,
      ...q.sort.expression.bindings,
    ] as never);
  }
  query.orderBy(`${table}.seq`, q.sort?.descending ? "desc" : "asc");
  // The text is decided by the table, the filter's and the sort's SQL (their values are bindings).
  // knex leaves out `offset 0`, so whether there is an offset decides the text too.
  const shape = `list ${table} ${q.offset > 0} ${q.where?.sql ?? ""} ${q.sort ? `${q.sort.expression.sql} ${q.sort.descending}` : ""}`;
  const items = (await prepared(tx, shape, query)) as Row[];
  // A short page ends the list; an empty page past the start says nothing about where it ended.
  if (items.length < q.limit && (items.length > 0 || q.offset === 0)) return { total: q.offset + items.length, items };
  return { total: await count(tx, table, q), items };
}

/** `filter=userName eq "…"` from its first index, read on the event loop's thread (db/hot-reads.ts). */
function hotUserNameMatch<Row>(tx: Executor, q: ListQuery): Row[] | null {
  if (q.where === null || q.where.sql !== USERS_WHERE_USER_NAME || q.sort !== null || q.offset !== 0) return null;
  return hotRows<Row>(tx, HOT.usersWhereUserName, [q.orgId, ...q.where.bindings, Math.min(q.limit, HOT_ROWS_MAX)]);
}

// ---------------------------------------------------------------- unfiltered users, counted and remembered

interface Position {
  /** `seq` of the last row before this index. */
  readonly seq: number;
  /** The organisation's users_changes when the position was read. */
  readonly changes: number;
}

/** Positions (and organisations' anchors) remembered per database handle, newest last; a few thousand are a few hundred kB. */
const POSITIONS_KEPT = 2000;
const positions = new WeakMap<object, Map<string, Position>>();

function positionsOf(tx: Executor): Map<string, Position> {
  let map = positions.get(tx);
  if (!map) {
    map = new Map();
    positions.set(tx, map);
  }
  return map;
}

function remember<T>(map: Map<string, T>, key: string, position: T): void {
  map.delete(key);
  map.set(key, position);
  if (map.size > POSITIONS_KEPT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

type CountedRow = DbUserRow & { counted_total: number | string | null; counted_changes: number | string | null };

/**
 * Where a page starts: at the offset from the first user, right after a remembered position's
 * `seq`, or `skip` users on from an anchor's `seq` (inclusive).
 */
type Start = { readonly after: number } | { readonly from: number; readonly skip: number } | null;

/** One statement: the page, and beside every row the organisation's counter as of that same snapshot. */
async function countedPage(tx: Executor, q: ListQuery, start: Start): Promise<CountedRow[]> {
  const hot = start === null && q.offset === 0 && q.limit <= HOT_ROWS_MAX ? hotRows<CountedRow>(tx, HOT.usersFirstPage, [q.orgId, q.orgId, q.orgId, q.limit]) : null;
  if (hot !== null) return hot;
  const counter = (column: "users" | "users_changes") => tx("resource_counters").where("resource_counters.org_id", q.orgId).select(column);
  const query = tx("users")
    .where("users.org_id", q.orgId)
    .select(counter("users").as("counted_total"), counter("users_changes").as("counted_changes"), ...qualified("users", USER_COLUMNS))
    .orderBy("users.seq", "asc")
    .limit(q.limit);
  let shape: string;
  if (start === null && q.offset === 0) shape = "users first page";
  else if (start === null) {
    // The offset walked over the index alone: the subquery reads only `seq` (an index-only scan,
    // `COVERING INDEX` in SQLite's plan), and only the page's rows are fetched. Past the end the
    // subquery is NULL and the page empty, as OFFSET's would be.
    query.where("users.seq", ">=", tx("users as skipped").where("skipped.org_id", q.orgId).orderBy("skipped.seq", "asc").offset(q.offset).limit(1).select("skipped.seq"));
    shape = "users page at offset";
  } else if ("after" in start) {
    query.where("users.seq", ">", start.after);
    shape = "users page after seq";
  } else {
    query.where("users.seq", ">=", start.from);
    if (start.skip > 0) query.offset(start.skip);
    shape = `users page from anchor ${start.skip > 0}`;
  }
  const rows: CountedRow[] = await prepared(tx, shape, query);
  return rows;
}

// ---------------------------------------------------------------- anchors for deep pages

/** Anchors are every ANCHOR_EVERY-th user: a page from one walks fewer than this many index entries. */
const ANCHOR_EVERY = 1000;

interface Anchors {
  /** The organisation's users_changes the anchors were read at. */
  readonly changes: number;
  /** `seq` of the user at index `i × ANCHOR_EVERY`, for every such index. */
  readonly seqs: readonly number[];
}

interface DeepPages {
  readonly anchors: Map<string, Anchors>;
  /** users_changes at the last deep page read without anchors, per organisation. */
  readonly seen: Map<string, number>;
}

const deepPages = new WeakMap<object, DeepPages>();

function deepPagesOf(tx: Executor): DeepPages {
  let state = deepPages.get(tx);
  if (!state) {
    state = { anchors: new Map(), seen: new Map() };
    deepPages.set(tx, state);
  }
  return state;
}

/** The anchor at or before `offset`, when one is known. */
function anchorFor(anchors: Anchors | undefined, offset: number): { from: number; skip: number } | null {
  if (!anchors) return null;
  const index = Math.floor(offset / ANCHOR_EVERY);
  const from = anchors.seqs[index];
  return from === undefined ? null : { from, skip: offset - index * ANCHOR_EVERY };
}

/** One walk of the (org_id, seq) index, with the counter's generation from the same snapshot. */
async function readAnchors(tx: Executor, orgId: string): Promise<Anchors | null> {
  const numbered = tx("users").where("users.org_id", orgId).select("users.seq", tx.raw("ROW_NUMBER() OVER (ORDER BY ?? ASC) AS n", ["users.seq"]));
  const query = tx
    .from(numbered.as("numbered"))
    .where(tx.raw("(?? - 1) % ? = 0", ["numbered.n", ANCHOR_EVERY]))
    .orderBy("numbered.seq", "asc")
    .select(tx("resource_counters").where("resource_counters.org_id", orgId).select("users_changes").as("changes"), "numbered.seq");
  const rows: { changes: number | string | null; seq: number | string }[] = await prepared(tx, "users anchors", query);
  const first = rows[0];
  if (first === undefined || first.changes === null) return null;
  return { changes: Number(first.changes), seqs: rows.map((r) => Number(r.seq)) };
}

/**
 * A page at `q.offset` with no remembered position: from an anchor while they are valid, otherwise
 * by the index-only walk, after which anchors are read if this generation was walked before.
 */
async function deepPage(tx: Executor, q: ListQuery): Promise<CountedRow[]> {
  const state = deepPagesOf(tx);
  const anchors = state.anchors.get(q.orgId);
  const anchor = anchorFor(anchors, q.offset);
  if (anchors && anchor) {
    const rows = await countedPage(tx, q, anchor);
    const head = rows[0];
    if (head !== undefined && Number(head.counted_changes) === anchors.changes) return rows;
  }
  // Users were created or deleted since the anchors were read (or the page is past them).
  state.anchors.delete(q.orgId);
  const rows = await countedPage(tx, q, null);
  const head = rows[0];
  if (head === undefined || head.counted_changes === null) return rows;
  const changes = Number(head.counted_changes);
  // A directory being written to moves on between two deep pages: it keeps the walk, and only one
  // that stood still since the last deep page pays for the anchors.
  if (state.seen.get(q.orgId) === changes) {
    const read = await readAnchors(tx, q.orgId);
    if (read) remember(state.anchors, q.orgId, read);
    state.seen.delete(q.orgId);
  } else remember(state.seen, q.orgId, changes);
  return rows;
}

async function listAllUsers(tx: Executor, q: ListQuery): Promise<ListResult<DbUserRow>> {
  const map = positionsOf(tx);
  const key = `${q.orgId}:${q.offset}`;
  const known = q.offset > 0 ? map.get(key) : undefined;
  let rows = known ? await countedPage(tx, q, { after: known.seq }) : q.offset > 0 ? await deepPage(tx, q) : await countedPage(tx, q, null);
  const first = rows[0];
  if (known && (first === undefined || Number(first.counted_changes) !== known.changes)) {
    // Users were created or deleted since: the position may have moved.
    map.delete(key);
    rows = await deepPage(tx, q);
  }
  const head = rows[0];
  const last = rows[rows.length - 1];
  const items = rows.map(({ counted_total: _total, counted_changes: _changes, ...row }) => row);
  // Past the end, or an organisation without a counter row: what a count says.
  if (head === undefined || last === undefined || head.counted_total === null) return { total: await count(tx, "users", q), items };
  remember(map, `${q.orgId}:${q.offset + rows.length}`, { seq: Number(last.seq), changes: Number(head.counted_changes) });
  return { total: Number(head.counted_total), items };
}

export async function listUsers(tx: Executor, q: ListQuery): Promise<ListResult<UserRecord>> {
  const result = q.where === null && q.sort === null && q.limit > 0 ? await listAllUsers(tx, q) : await list<DbUserRow>(tx, "users", q);
  return { total: result.total, items: result.items.map(toUserRecord) };
}

export async function listGroups(tx: Executor, q: ListQuery): Promise<ListResult<GroupRecord>> {
  const result = await list<DbGroupRow>(tx, "groups", q);
  return { total: result.total, items: result.items.map(toGroupRecord) };
}
