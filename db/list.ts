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

/** Positions remembered per database handle, newest last; a few thousand are a few hundred kB. */
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

function remember(map: Map<string, Position>, key: string, position: Position): void {
  map.delete(key);
  map.set(key, position);
  if (map.size > POSITIONS_KEPT) {
    const oldest = map.keys().next().value;
    if (oldest !== undefined) map.delete(oldest);
  }
}

type CountedRow = DbUserRow & { counted_total: number | string | null; counted_changes: number | string | null };

/** One statement: the page, and beside every row the organisation's counter as of that same snapshot. */
async function countedPage(tx: Executor, q: ListQuery, after: number | null): Promise<CountedRow[]> {
  const hot = after === null && q.offset === 0 && q.limit <= HOT_ROWS_MAX ? hotRows<CountedRow>(tx, HOT.usersFirstPage, [q.orgId, q.orgId, q.orgId, q.limit]) : null;
  if (hot !== null) return hot;
  const counter = (column: "users" | "users_changes") => tx("resource_counters").where("resource_counters.org_id", q.orgId).select(column);
  const query = tx("users")
    .where("users.org_id", q.orgId)
    .select(counter("users").as("counted_total"), counter("users_changes").as("counted_changes"), ...qualified("users", USER_COLUMNS))
    .orderBy("users.seq", "asc")
    .limit(q.limit);
  if (after === null) query.offset(q.offset);
  else query.where("users.seq", ">", after);
  const rows: CountedRow[] = await prepared(tx, after !== null ? "users page after seq" : q.offset > 0 ? "users page at offset" : "users first page", query);
  return rows;
}

async function listAllUsers(tx: Executor, q: ListQuery): Promise<ListResult<DbUserRow>> {
  const map = positionsOf(tx);
  const key = `${q.orgId}:${q.offset}`;
  const known = q.offset > 0 ? map.get(key) : undefined;
  let rows = await countedPage(tx, q, known ? known.seq : null);
  const first = rows[0];
  if (known && (first === undefined || Number(first.counted_changes) !== known.changes)) {
    // Users were created or deleted since: the position may have moved.
    map.delete(key);
    rows = await countedPage(tx, q, null);
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
