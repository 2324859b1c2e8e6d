/**
 * The admin API's members list: a page of users in userName order with their materialised
 * permissions, searched and filtered on the server. Every page is a keyset range of the
 * (org_id, user_name_ci) index — the same cost on page 1 and page 2000 — and filters by org role
 * or custom role are probes of the indexed member_permissions / member_roles rows, so listing stays
 * cheap at 100k members. Search is by prefix of userName or displayName, case-insensitively (both
 * indexed), which is what a people picker types.
 */
import type { Executor } from "./connection";
import { readBoolean, readJson } from "./json";

export interface MemberListQuery {
  readonly orgId: string;
  /** Prefix of userName or displayName, any case. */
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

/** `[from, to)` covering every text starting with `prefix` (U+FFFF sorts after any character a name uses). */
function prefixRange(prefix: string): [string, string] {
  return [prefix, `${prefix}\uffff`];
}

export async function listMembers(tx: Executor, query: MemberListQuery): Promise<MemberListRow[]> {
  const sql = tx("users as u")
    .leftJoin("member_permissions as p", "p.user_id", "u.id")
    .where("u.org_id", query.orgId)
    .orderBy("u.user_name_ci")
    .limit(query.limit)
    .select("u.id", "u.user_name", "u.user_name_ci", "u.display_name", "u.active", "p.permissions");
  if (query.after !== undefined) sql.where("u.user_name_ci", ">", query.after);
  if (query.q !== undefined && query.q !== "") {
    const [from, to] = prefixRange(query.q.toLowerCase());
    sql.where((w) =>
      w.where((a) => a.where("u.user_name_ci", ">=", from).where("u.user_name_ci", "<", to))
        .orWhere((b) => b.where("u.display_name_ci", ">=", from).where("u.display_name_ci", "<", to)),
    );
  }
  if (query.orgRole !== undefined) sql.where("p.org_role", query.orgRole);
  if (query.role !== undefined) {
    const role = query.role;
    sql.whereExists((e) => e.select(tx.raw("1")).from("member_roles as r").where("r.user_id", tx.ref("u.id")).where("r.role", role));
  }
  if (query.groupId !== undefined) {
    const groupId = query.groupId;
    sql.whereExists((e) => e.select(tx.raw("1")).from("group_members as gm").where("gm.group_id", groupId).where("gm.member_id", tx.ref("u.id")));
  }
  const rows: Array<{ id: string; user_name: string; user_name_ci: string; display_name: string | null; active: boolean | number; permissions: unknown }> = await sql;
  return rows.map((r) => ({
    id: r.id,
    userName: r.user_name,
    displayName: r.display_name,
    active: readBoolean(r.active),
    permissions: r.permissions === null || r.permissions === undefined ? null : readJson(r.permissions),
    cursor: r.user_name_ci,
  }));
}

/** Users of the organisation among `ids` (those that exist), with their active flag. */
export async function findMembersByIds(tx: Executor, orgId: string, ids: readonly string[]): Promise<Array<{ id: string; userName: string; active: boolean }>> {
  if (ids.length === 0) return [];
  const rows: Array<{ id: string; org_id: string; user_name: string; active: boolean | number }> = await tx("users").whereIn("id", [...ids]).select("id", "org_id", "user_name", "active");
  return rows.filter((r) => r.org_id === orgId).map((r) => ({ id: r.id, userName: r.user_name, active: readBoolean(r.active) }));
}
