/**
 * Each member's materialised permissions, one row per user, so that the authorize API is a
 * primary-key read and never computes. The values are opaque JSON here: they are written as given
 * and handed back as `unknown`, to be decoded by mapping/'s permissionsFromJSON.
 */
import type { Knex } from "knex";
import { chunks, chunksBySize } from "./chunks";
import type { Executor } from "./connection";
import { isPostgres, jsonIdRows } from "./dialect";
import { suspendedColumn } from "./member-standing";
import { HOT, hotRows } from "./hot-reads";
import { prepared } from "./prepared";
import { jsonWriter, nowIso, readBoolean, readJson, writeJson } from "./json";
import { noteRevision } from "./outbox";
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
  if (rows.length > 0) noteRevision(tx, orgId);
  const json = jsonWriter();
  const toRow = (r: (typeof rows)[number]) => ({ user_id: r.userId, org_id: orgId, permissions: json(r.after), org_role: r.index.orgRole, role_editor: r.index.roleEditor, updated_at: at });
  for (const chunk of chunksBySize(rows, toRow, (row) => row.permissions.length)) {
    await tx("member_permissions").insert(chunk).onConflict("user_id").merge(["permissions", "org_role", "role_editor", "updated_at"]);
  }
  await storeRoleRows(tx, orgId, rows.filter((r) => r.index.rolesChanged));
}

/** The versions a member's permissions were computed with (db/mappings.ts `versionsInForce`). */
export interface ComputedWith {
  readonly mapping: { readonly version: number; readonly hash: string } | null;
  readonly platform: number | null;
}

/**
 * A member's first permissions row, written only while the mapping and platform versions it was
 * computed with are still those in force, checked by the inserting statement itself (one statement
 * where a check and an insert were two). False when another process stored a new version
 * meanwhile: nothing was written, and the caller computes again. The member must have no row yet
 * and no custom roles (a user created in this transaction, given none).
 */
export async function insertFirstPermissionsIf(
  tx: Executor,
  orgId: string,
  row: { userId: string; after: unknown; index: PermissionIndex },
  computedWith: ComputedWith,
  at = nowIso(),
): Promise<boolean> {
  const pg = isPostgres(tx);
  const latest = (column: "version" | "hash") => `(SELECT ${column} FROM mappings WHERE org_id = ? ORDER BY version DESC LIMIT 1)`;
  const same = pg ? "IS NOT DISTINCT FROM" : "IS";
  const result: unknown = await tx.raw(
    `INSERT INTO member_permissions (user_id, org_id, permissions, org_role, role_editor, updated_at)
      SELECT ?, ?, ${pg ? "CAST(? AS jsonb)" : "?"}, ?, ${pg ? "CAST(? AS boolean)" : "?"}, ?
      WHERE ${latest("version")} ${same} ${pg ? "CAST(? AS bigint)" : "?"} AND ${latest("hash")} ${same} ${pg ? "CAST(? AS text)" : "?"}
        AND (SELECT MAX(version) FROM platform_versions) ${same} ${pg ? "CAST(? AS bigint)" : "?"}
      RETURNING user_id`,
    [
      row.userId,
      orgId,
      writeJson(row.after),
      row.index.orgRole,
      row.index.roleEditor,
      at,
      orgId,
      computedWith.mapping?.version ?? null,
      orgId,
      computedWith.mapping?.hash ?? null,
      computedWith.platform,
    ],
  );
  if (returnedRows(result) === 0) return false;
  noteRevision(tx, orgId);
  return true;
}

/** How many rows a raw `… RETURNING` statement gave back: an array on SQLite, `{ rows }` on PostgreSQL. */
function returnedRows(result: unknown): number {
  if (Array.isArray(result)) return result.length;
  if (typeof result === "object" && result !== null && "rows" in result && Array.isArray(result.rows)) return result.rows.length;
  return 0;
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
  noteRevision(tx, orgId);
  await tx("member_permissions").where({ org_id: orgId, user_id: userId }).delete();
  await tx("member_roles").where({ org_id: orgId, user_id: userId }).delete();
}

/** Whether any member of the organisation may still edit roles (the lock-out check, in the writing transaction). */
export async function anyRoleEditor(tx: Executor, orgId: string): Promise<boolean> {
  const row = await tx("member_permissions").where({ org_id: orgId, role_editor: true }).first("user_id");
  return row !== undefined;
}

/** Whether a member other than `userId` may edit roles (what a change to that one member would leave). */
export async function anyRoleEditorBesides(tx: Executor, orgId: string, userId: string): Promise<boolean> {
  const row = await tx("member_permissions").where({ org_id: orgId, role_editor: true }).whereNot("user_id", userId).first("user_id");
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
  /** Whether the organisation suspended the member (db/member-standing.ts); `active` stays the IdP's. */
  readonly suspended: boolean;
  /** As stored; null when the member has no row (never the case after its creating transaction). */
  readonly permissions: unknown;
}

/** How authorize names a member: by id, by userName, or by either (an id match wins). */
export type MemberLookup = { id: string } | { userName: string } | { idOrUserName: string };

type MemberRow = { id: string | null; user_name: string | null; active: boolean | number | null; suspended: boolean | number | null; permissions: unknown };

function memberQuery(tx: Executor, orgId: string, by: MemberLookup): Knex.QueryBuilder {
  const query = tx("users as u")
    .leftJoin("member_permissions as p", "p.user_id", "u.id")
    .where("u.org_id", orgId)
    .select("u.id", "u.user_name", "u.active", suspendedColumn(tx, "u"), "p.permissions")
    .limit(2);
  if ("id" in by) query.where("u.id", by.id);
  else if ("userName" in by) query.where("u.user_name_ci", by.userName.toLowerCase());
  else query.where((q) => q.where("u.id", by.idOrUserName).orWhere("u.user_name_ci", by.idOrUserName.toLowerCase()));
  return query;
}

const variant = (by: MemberLookup): string => ("id" in by ? "id" : "userName" in by ? "userName" : "either");

function toMember(rows: readonly MemberRow[], by: MemberLookup): MemberPermissions | null {
  // An id match wins over a userName that happens to equal it.
  const row = "idOrUserName" in by ? (rows.find((r) => r.id === by.idOrUserName) ?? rows[0]) : rows[0];
  if (!row || row.id === null || row.user_name === null || row.active === null) return null;
  return { id: row.id, userName: row.user_name, active: readBoolean(row.active), suspended: row.suspended !== null && readBoolean(row.suspended), permissions: row.permissions === null ? null : readJson(row.permissions) };
}

/**
 * A member and its materialised permissions in one query, by id, by userName, or by either
 * (authorize's `member`, where an id match wins over a userName that happens to equal it).
 */
export async function findMemberPermissions(tx: Executor, orgId: string, by: MemberLookup): Promise<MemberPermissions | null> {
  const hot =
    "id" in by
      ? hotRows<MemberRow>(tx, HOT.memberById, [orgId, by.id])
      : "userName" in by
        ? hotRows<MemberRow>(tx, HOT.memberByUserName, [orgId, by.userName.toLowerCase()])
        : hotRows<MemberRow>(tx, HOT.memberByEither, [orgId, by.idOrUserName, by.idOrUserName.toLowerCase()]);
  if (hot !== null) return toMember(hot, by);
  const rows: MemberRow[] = await prepared(tx, `findMemberPermissions:${variant(by)}`, memberQuery(tx, orgId, by));
  return toMember(rows, by);
}

/**
 * The same read with the organisation's revision (db/revisions.ts) folded in: one statement, so one
 * snapshot, so the revision is exactly the state the member was read at, and a member not found
 * still tells the revision it was looked for at. Authorize keeps the pair: an answer read at
 * revision N may be served again while the organisation is still at N.
 */
export async function findMemberPermissionsAt(tx: Executor, orgId: string, by: MemberLookup): Promise<{ revision: number; member: MemberPermissions | null }> {
  const hot =
    "id" in by
      ? hotRows<MemberAtRow>(tx, HOT.memberAtById, [orgId, by.id, orgId])
      : "userName" in by
        ? hotRows<MemberAtRow>(tx, HOT.memberAtByUserName, [orgId, by.userName.toLowerCase(), orgId])
        : hotRows<MemberAtRow>(tx, HOT.memberAtByEither, [orgId, by.idOrUserName, by.idOrUserName.toLowerCase(), orgId]);
  if (hot !== null) return memberAt(hot, by);
  // Anchored on the organisation's row, so that a member not found still gives one row with the
  // revision, and every table is reached through its key (no derived table to scan).
  const query = tx("orgs as o")
    .leftJoin("users as u", (join) => {
      join.on("u.org_id", "=", "o.id");
      if ("id" in by) join.andOnVal("u.id", "=", by.id);
      else if ("userName" in by) join.andOnVal("u.user_name_ci", "=", by.userName.toLowerCase());
      else join.andOn((either) => either.onVal("u.id", "=", by.idOrUserName).orOnVal("u.user_name_ci", "=", by.idOrUserName.toLowerCase()));
    })
    .leftJoin("member_permissions as p", "p.user_id", "u.id")
    .where("o.id", orgId)
    // A scalar read of the counter by its key: a join to it may be planned as a scan of a table that is tiny.
    .select(tx.raw("(select last_id from event_counters where org_id = ?) as revision", [orgId]), "u.id", "u.user_name", "u.active", suspendedColumn(tx, "u"), "p.permissions")
    .limit(2);
  const rows: MemberAtRow[] = await prepared(tx, `findMemberPermissionsAt:${variant(by)}`, query);
  return memberAt(rows, by);
}

type MemberAtRow = MemberRow & { revision: number | string | null };

function memberAt(rows: readonly MemberAtRow[], by: MemberLookup): { revision: number; member: MemberPermissions | null } {
  return { revision: Number(rows[0]?.revision ?? 0), member: toMember(rows, by) };
}
