/**
 * The admin API's members list: a page of users in userName order with their materialised
 * permissions, searched and filtered on the server, keyset-paged on the (org_id, user_name_ci)
 * index so page 2000 costs what page 1 does. Search is by prefix of userName, displayName or email,
 * case-insensitively (all indexed), which is what a people picker types.
 *
 * Filters (org role, custom role, group) are indexed rows beside the users, and which side drives
 * the query depends on how many rows match: a filter few members pass (3 owners among 100k) is read
 * through its own index and the few users sorted; one most members pass is checked per user while
 * walking users in order, which stops after a page. SQLite has no statistics to choose, so the
 * choice is made here from a count capped at {@link SPARSE}: measured on 100k members, walking users
 * for `orgRole=owner` took 350 ms a page, driving from the filter under 2 ms. Permissions are read
 * by primary key for the page's users only (joining them let PostgreSQL hash every member's row).
 */
import type { Knex } from "knex";
import type { Executor } from "./connection";
import { readBoolean, readJson } from "./json";

export interface MemberListQuery {
  readonly orgId: string;
  /** Prefix of userName, displayName or (primary) email, any case. */
  readonly q?: string;
  readonly orgRole?: string;
  readonly role?: string;
  /** Only the members of this group (the console's group page and people picker). */
  readonly groupId?: string;
  /** The last userName (lower-cased) of the previous page. */
  readonly after?: string;
  readonly limit: number;
}

export interface MemberListRow {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly active: boolean;
  /** As stored; null for a member never computed. */
  readonly permissions: unknown;
  /** The keyset position of this row, for the next page's `after`. */
  readonly cursor: string;
}

/** Up to this many matching rows, a filter drives the query; past it, users are walked in order. */
const SPARSE = 5000;

interface Filter {
  readonly table: "member_permissions" | "member_roles" | "group_members";
  readonly userColumn: "user_id" | "member_id";
  readonly where: Readonly<Record<string, string>>;
}

function filtersOf(query: MemberListQuery): Filter[] {
  return [
    ...(query.orgRole === undefined ? [] : [{ table: "member_permissions", userColumn: "user_id", where: { org_id: query.orgId, org_role: query.orgRole } } as const]),
    ...(query.role === undefined ? [] : [{ table: "member_roles", userColumn: "user_id", where: { org_id: query.orgId, role: query.role } } as const]),
    ...(query.groupId === undefined ? [] : [{ table: "group_members", userColumn: "member_id", where: { group_id: query.groupId } } as const]),
  ];
}

/** How many rows pass a filter, counted through its index, up to SPARSE + 1. */
async function cappedCount(tx: Executor, filter: Filter): Promise<number> {
  const row = await tx.from(tx(filter.table).where(filter.where).select(tx.raw("1")).limit(SPARSE + 1).as("f")).count<{ n: number | string }[]>({ n: "*" }).first();
  return Number(row?.n ?? 0);
}

function exists(tx: Executor, sql: Knex.QueryBuilder, filter: Filter, alias: string): void {
  sql.whereExists((e) => {
    e.select(tx.raw("1")).from(`${filter.table} as ${alias}`).where(`${alias}.${filter.userColumn}`, tx.ref("u.id"));
    for (const [column, value] of Object.entries(filter.where)) e.where(`${alias}.${column}`, value);
  });
}

export async function listMembers(tx: Executor, query: MemberListQuery): Promise<MemberListRow[]> {
  const filters = filtersOf(query);
  const counted = await Promise.all(filters.map(async (filter) => ({ filter, n: await cappedCount(tx, filter) })));
  const driver = counted.filter((c) => c.n <= SPARSE).sort((a, b) => a.n - b.n)[0]?.filter;
  if (driver !== undefined && counted.find((c) => c.filter === driver)?.n === 0) return [];

  // CROSS JOIN keeps the filter's rows as SQLite's outer loop (PostgreSQL plans it as the join it is).
  const sql = driver === undefined
    ? tx("users as u")
    : tx(`${driver.table} as d`).crossJoin(tx.raw("?? AS u", ["users"])).where("u.id", tx.ref(`d.${driver.userColumn}`));
  if (driver !== undefined) for (const [column, value] of Object.entries(driver.where)) sql.where(`d.${column}`, value);
  sql.where("u.org_id", query.orgId).orderBy("u.user_name_ci").limit(query.limit).select("u.id", "u.user_name", "u.user_name_ci", "u.display_name", "u.active");
  filters.filter((f) => f !== driver).forEach((filter, i) => exists(tx, sql, filter, `f${i}`));
  if (query.after !== undefined) sql.where("u.user_name_ci", ">", query.after);
  if (query.q !== undefined && query.q !== "") {
    // `[prefix, prefix + U+FFFF)` covers every text starting with the prefix: three index ranges.
    const from = query.q.toLowerCase();
    const to = `${from}\uffff`;
    sql.where((w) =>
      w.where((a) => a.where("u.user_name_ci", ">=", from).where("u.user_name_ci", "<", to))
        .orWhere((b) => b.where("u.display_name_ci", ">=", from).where("u.display_name_ci", "<", to))
        .orWhere((c) => c.where("u.email_ci", ">=", from).where("u.email_ci", "<", to)),
    );
  }
  const rows: Array<{ id: string; user_name: string; user_name_ci: string; display_name: string | null; active: boolean | number }> = await sql;
  const stored = await storedPermissions(tx, rows.map((r) => r.id));
  return rows.map((r) => ({
    id: r.id,
    userName: r.user_name,
    displayName: r.display_name,
    active: readBoolean(r.active),
    permissions: stored.get(r.id) ?? null,
    cursor: r.user_name_ci,
  }));
}

async function storedPermissions(tx: Executor, userIds: readonly string[]): Promise<Map<string, unknown>> {
  if (userIds.length === 0) return new Map();
  const rows: Array<{ user_id: string; permissions: unknown }> = await tx("member_permissions").whereIn("user_id", [...userIds]).select("user_id", "permissions");
  return new Map(rows.map((r) => [r.user_id, readJson(r.permissions)]));
}

/** Users of the organisation among `ids` (those that exist), with their active flag. */
export async function findMembersByIds(tx: Executor, orgId: string, ids: readonly string[]): Promise<Array<{ id: string; userName: string; active: boolean }>> {
  if (ids.length === 0) return [];
  const rows: Array<{ id: string; org_id: string; user_name: string; active: boolean | number }> = await tx("users").whereIn("id", [...ids]).select("id", "org_id", "user_name", "active");
  return rows.filter((r) => r.org_id === orgId).map((r) => ({ id: r.id, userName: r.user_name, active: readBoolean(r.active) }));
}
