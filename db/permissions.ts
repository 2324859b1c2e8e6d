/**
 * Each member's materialised permissions, one row per user, so that the authorize API is a
 * primary-key read and never computes. The values are opaque JSON here: they are written as given
 * and handed back as `unknown`, to be decoded by mapping/'s permissionsFromJSON.
 */
import { chunks, chunksBySize } from "./chunks";
import type { Executor } from "./connection";
import { jsonIdRows } from "./dialect";
import { prepared } from "./prepared";
import { jsonWriter, nowIso, readBoolean, readJson } from "./json";
import type { DbMemberPermissionsRow } from "./tables";

/** What is stored for each of `userIds` that has a row. */
export async function readPermissions(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, unknown>> {
  const out = new Map<string, unknown>();
  for (const chunk of chunks(userIds)) {
    // By user id alone, the organisation checked on the rows: with `org_id = ?` in the WHERE, SQLite
    // without statistics may walk an (org_id, …) index over the whole organisation instead.
    const rows: DbMemberPermissionsRow[] = await tx("member_permissions").whereIn("user_id", chunk).select("user_id", "org_id", "permissions");
    for (const row of rows) if (row.org_id === orgId) out.set(row.user_id, readJson(row.permissions));
  }
  return out;
}

/**
 * What the admin API filters and counts members by, given by the caller beside the opaque value:
 * the org role, whether the member may edit roles, and the custom roles held.
 */
export interface PermissionIndex {
  readonly orgRole: string;
  readonly roleEditor: boolean;
  readonly roles: readonly string[];
  /** Whether the custom roles differ from what is stored (only then are the member's role rows written). */
  readonly rolesChanged: boolean;
  /** The custom roles stored before (their rows are there): only the roles lost and gained are written. */
  readonly previousRoles: readonly string[];
}

/**
 * Stores (inserts or replaces) members' permissions and their index, in the caller's transaction.
 * Rows that share their permissions object share its serialisation; the role rows are written per
 * distinct (roles before, roles after) pair — a mapping change gives thousands of members the same
 * roles — as one set-based statement per chunk of members, not one row per member and role.
 */
export async function storePermissions(
  tx: Executor,
  orgId: string,
  rows: readonly { userId: string; after: unknown; index: PermissionIndex }[],
  at = nowIso(),
): Promise<void> {
  const json = jsonWriter();
  const toRow = (r: (typeof rows)[number]) => ({ user_id: r.userId, org_id: orgId, permissions: json(r.after), org_role: r.index.orgRole, role_editor: r.index.roleEditor, updated_at: at });
  for (const chunk of chunksBySize(rows, toRow, (row) => row.permissions.length)) {
    await tx("member_permissions").insert(chunk).onConflict("user_id").merge(["permissions", "org_role", "role_editor", "updated_at"]);
  }
  await storeRoleRows(tx, orgId, rows.filter((r) => r.index.rolesChanged));
}

/**
 * The member_roles rows of members whose custom roles changed: only the roles lost are deleted and
 * the roles gained inserted (a mapping change typically swaps one role for another, and the rows of
 * the roles kept stay).
 */
async function storeRoleRows(tx: Executor, orgId: string, rows: readonly { userId: string; index: PermissionIndex }[]): Promise<void> {
  const byPair = new Map<readonly string[], Map<readonly string[], string[]>>();
  for (const r of rows) {
    let byAfter = byPair.get(r.index.previousRoles);
    if (!byAfter) byPair.set(r.index.previousRoles, (byAfter = new Map()));
    const userIds = byAfter.get(r.index.roles);
    if (userIds) userIds.push(r.userId);
    else byAfter.set(r.index.roles, [r.userId]);
  }
  for (const [previousRoles, byAfter] of byPair) {
    const before = new Set(previousRoles);
    for (const [roles, userIds] of byAfter) {
      const after = new Set(roles);
      const lost = [...before].filter((role) => !after.has(role));
      const gained = [...after].filter((role) => !before.has(role));
      for (const members of chunks(userIds)) {
        for (const part of chunks(lost)) await tx("member_roles").whereIn("user_id", members).whereIn("role", part).delete();
        for (const part of chunks(gained)) {
          // Every member of the chunk times every role gained, expanded in SQL from two JSON lists.
          // (`WHERE true` tells SQLite's parser that ON CONFLICT is not a join constraint.)
          await tx.raw(
            `INSERT INTO member_roles (user_id, role, org_id)
              SELECT m.value, r.value, CAST(? AS TEXT) FROM ${jsonIdRows(tx, "m")} CROSS JOIN ${jsonIdRows(tx, "r")} WHERE true
              ON CONFLICT (user_id, role) DO NOTHING`,
            [orgId, JSON.stringify(members), JSON.stringify(part)],
          );
        }
      }
    }
  }
}

export async function deleteMemberPermissions(tx: Executor, orgId: string, userId: string): Promise<void> {
  await tx("member_permissions").where({ org_id: orgId, user_id: userId }).delete();
  await tx("member_roles").where({ org_id: orgId, user_id: userId }).delete();
}

/** Whether any member of the organisation may still edit roles (the lock-out check, in the writing transaction). */
export async function anyRoleEditor(tx: Executor, orgId: string): Promise<boolean> {
  const row = await tx("member_permissions").where({ org_id: orgId, role_editor: true }).first("user_id");
  return row !== undefined;
}

/** How many members hold each custom role (roles no one holds are absent). */
export async function roleHolderCounts(tx: Executor, orgId: string): Promise<Map<string, number>> {
  const rows: { role: string; n: number | string }[] = await tx("member_roles").where({ org_id: orgId }).groupBy("role").select("role").count({ n: "*" });
  return new Map(rows.map((r) => [r.role, Number(r.n)]));
}

export interface MemberPermissions {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  /** As stored; null when the member has no row (never the case after its creating transaction). */
  readonly permissions: unknown;
}

/**
 * A member and its materialised permissions in one query, by id, by userName, or by either
 * (the authorize API's `member`): the product's hot path is one primary-key read.
 */
export async function findMemberPermissions(
  tx: Executor,
  orgId: string,
  by: { id: string } | { userName: string } | { idOrUserName: string },
): Promise<MemberPermissions | null> {
  const query = tx("users as u")
    .leftJoin("member_permissions as p", "p.user_id", "u.id")
    .where("u.org_id", orgId)
    .select("u.id", "u.user_name", "u.active", "p.permissions")
    .limit(2);
  if ("id" in by) query.where("u.id", by.id);
  else if ("userName" in by) query.where("u.user_name_ci", by.userName.toLowerCase());
  else query.where((q) => q.where("u.id", by.idOrUserName).orWhere("u.user_name_ci", by.idOrUserName.toLowerCase()));
  const rows: { id: string; user_name: string; active: boolean | number; permissions: unknown }[] = await prepared(tx, `findMemberPermissions:${"id" in by ? "id" : "userName" in by ? "userName" : "either"}`, query);
  // An id match wins over a userName that happens to equal it.
  const row = "idOrUserName" in by ? (rows.find((r) => r.id === by.idOrUserName) ?? rows[0]) : rows[0];
  if (!row) return null;
  return { id: row.id, userName: row.user_name, active: readBoolean(row.active), permissions: row.permissions === null ? null : readJson(row.permissions) };
}
