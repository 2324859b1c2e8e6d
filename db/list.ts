/**
 * Listing Users or Groups a page at a time: a compiled filter and sort in SQL, `COUNT(*)` for
 * `totalResults`, and OFFSET/LIMIT paging that is stable because `seq` always breaks ties.
 */
import type { Executor } from "./connection";
import type { CompiledSql } from "./filter-sql";
import { SCIM_VISIBLE } from "./groups";
import type { DbGroupRow, DbUserRow } from "./tables";
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

async function list<Row>(tx: Executor, table: "users" | "groups", q: ListQuery): Promise<ListResult<Row>> {
  const base = () => {
    const query = tx(table).where(`${table}.org_id`, q.orgId);
    // SCIM lists only the IdP's groups (db/groups.ts SCIM_VISIBLE).
    if (table === "groups") query.where("groups.source", SCIM_VISIBLE.source);
    if (q.where) query.whereRaw(q.where.sql, q.where.bindings as never);
    return query;
  };
  const countRow = await base().count<{ n: number | string }[]>({ n: "*" }).first();
  const total = Number(countRow?.n ?? 0);
  if (q.limit === 0 || q.offset >= total) return { total, items: [] };
  const query = base().select(`${table}.*`).offset(q.offset).limit(q.limit);
  if (q.sort) {
    const direction = q.sort.descending ? "DESC" : "ASC";
    // Absent values sort last whatever the direction.
    query.orderByRaw(`(${q.sort.expression.sql}) IS NULL, (${q.sort.expression.sql}) ${direction}`, [
      ...q.sort.expression.bindings,
      ...q.sort.expression.bindings,
    ] as never);
  }
  query.orderBy(`${table}.seq`, q.sort?.descending ? "desc" : "asc");
  return { total, items: (await query) as Row[] };
}

export async function listUsers(tx: Executor, q: ListQuery): Promise<ListResult<UserRecord>> {
  const result = await list<DbUserRow>(tx, "users", q);
  return { total: result.total, items: result.items.map(toUserRecord) };
}

export async function listGroups(tx: Executor, q: ListQuery): Promise<ListResult<GroupRecord>> {
  const result = await list<DbGroupRow>(tx, "groups", q);
  return { total: result.total, items: result.items.map(toGroupRecord) };
}
