/**
 * Members as role mapping reads them: a user's id, userName, active flag, direct groups and app
 * roles, loaded by id (a SCIM write's affected members) or a page at a time (a whole organisation).
 * A suspended member (db/member-standing.ts) reads as inactive here, so every computation gives
 * them no access whatever `active` the IdP sent.
 */
import { appRoleValues } from "./app-roles";
import { chunks } from "./chunks";
import type { Knex } from "knex";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { type GroupRef, allGroups, groupsById, toGroupRef } from "./groups";
import { readBoolean, readJson } from "./json";
import { suspendedColumn } from "./member-standing";

export interface MemberSnapshot {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly groups: GroupRef[];
  /** The values of the user's SCIM `roles` (db/app-roles.ts). */
  readonly appRoles: readonly string[];
  /** Present (true) only while the organisation's suspension stands. */
  readonly suspended?: boolean;
}

interface UserRow {
  id: string;
  org_id: string;
  user_name: string;
  active: boolean | number;
  /** The user's stored `roles`, read from the same row (see {@link rolesColumn}). */
  roles: unknown;
  /** Whether a suspension stands (see {@link suspendedColumn}). */
  suspended: boolean | number;
}

/**
 * The user's `roles`, taken out of the JSON data in the query that reads the user anyway: no
 * query per member, and only the roles are handed back (jsonb `->` on PostgreSQL, `json_extract`
 * on SQLite, which returns the array as JSON text).
 */
function rolesColumn(tx: Executor, alias: string): Knex.Raw {
  return isPostgres(tx) ? tx.raw("??.data -> 'roles' AS roles", [alias]) : tx.raw("json_extract(??.data, '$.roles') AS roles", [alias]);
}

function snapshots(users: readonly UserRow[], memberships: Iterable<{ memberId: string; group: GroupRef }>): MemberSnapshot[] {
  const byId = new Map<string, MemberSnapshot>();
  for (const u of users) {
    const suspended = readBoolean(u.suspended);
    byId.set(u.id, { id: u.id, userName: u.user_name, active: readBoolean(u.active) && !suspended, groups: [], appRoles: appRoleValues(u.roles), ...(suspended ? { suspended: true } : {}) });
  }
  for (const m of memberships) byId.get(m.memberId)?.groups.push(m.group);
  return [...byId.values()];
}

/**
 * Users with their direct groups, for recomputation. Unknown ids are skipped.
 * `forUpdate` (PostgreSQL) locks the user rows, in id order, before their groups are read: two
 * transactions changing one user's groups at once (PATCH of group A, PATCH of group B) would
 * otherwise each compute from a snapshot missing the other's membership, and the last commit
 * would store permissions that are already stale. SQLite runs one writer at a time.
 */
export async function loadMembers(tx: Executor, orgId: string, userIds: readonly string[], options: { forUpdate?: boolean } = {}): Promise<MemberSnapshot[]> {
  const out: MemberSnapshot[] = [];
  const lock = options.forUpdate === true && isPostgres(tx);
  const ids = lock ? [...userIds].sort() : userIds;
  for (const chunk of chunks(ids)) {
    // By id alone, so the planner takes the unique index (with `org_id = ?` as well, SQLite without
    // statistics walked the (org_id, manager_id) index over the whole organisation). Ids are UUIDs;
    // another organisation's are dropped below.
    const query = tx("users as u").whereIn("u.id", chunk).select("u.id", "u.org_id", "u.user_name", "u.active", rolesColumn(tx, "u"), suspendedColumn(tx, "u"));
    if (lock) query.orderBy("u.id").forUpdate();
    const users: UserRow[] = (await query).filter((u: UserRow) => u.org_id === orgId);
    if (users.length === 0) continue;
    // CROSS JOIN: SQLite keeps this order (the members' rows first, by the member_id index) whatever
    // its statistics say; with "many groups, no memberships" it once scanned every group instead.
    // PostgreSQL plans it as the inner join it is.
    const rows: { member_id: string; id: string; external_id: string | null; display_name: string; source: string }[] = await tx("group_members as gm")
      .crossJoin(tx.raw("?? AS g", ["groups"]))
      .where("g.id", tx.ref("gm.group_id"))
      .whereIn("gm.member_id", users.map((u) => u.id))
      .select("gm.member_id", "g.id", "g.external_id", "g.display_name", "g.source");
    out.push(...snapshots(users, rows.map((r) => ({ memberId: r.member_id, group: toGroupRef(r) }))));
  }
  return out;
}

export interface MemberPage {
  readonly members: MemberSnapshot[];
  /**
   * Stored permissions by user id, as stored (decode them with mapping/'s permissionsFromJSON);
   * only when asked for, and members never computed are absent. Members whose stored values are
   * equal share one object: treat them as read-only.
   */
  readonly stored: Map<string, unknown>;
}

/**
 * Every user of an organisation with their groups, a page (a range of `seq`) at a time: two
 * queries a page, whatever its size. The organisation's groups are read once and looked up in
 * memory (a directory has a few thousand groups, not a few hundred thousand), so a page's
 * memberships come from the (member_id) index alone. `withPermissions` also returns what is stored
 * for the page's members, joined in the same query rather than asked for id by id.
 */
export async function* allMembers(tx: Executor, orgId: string, options: { pageSize?: number; withPermissions?: boolean } = {}): AsyncGenerator<MemberPage> {
  const pageSize = options.pageSize ?? 5000;
  const groups = new Map<string, GroupRef>((await allGroups(tx, orgId)).map((g) => [g.id, { id: g.id, externalId: g.externalId, displayName: g.displayName, source: g.source }]));
  let after = 0;
  for (;;) {
    const query = tx("users as u")
      .where("u.org_id", orgId)
      .andWhere("u.seq", ">", after)
      .orderBy("u.seq")
      .limit(pageSize)
      .select("u.seq", "u.id", "u.org_id", "u.user_name", "u.active", rolesColumn(tx, "u"), suspendedColumn(tx, "u"));
    // As text on both databases, parsed here once per distinct value: members whose permissions are
    // the same (everyone in the same groups) share one parsed object, and the pg driver does not
    // parse a whole page of large documents in one go.
    if (options.withPermissions === true) query.leftJoin("member_permissions as p", "p.user_id", "u.id").select(tx.raw("CAST(p.permissions AS TEXT) AS permissions"));
    const users: (UserRow & { seq: number | string; permissions?: unknown })[] = await query;
    if (users.length === 0) return;
    const last = Number(users[users.length - 1]?.seq ?? after);
    // CROSS JOIN keeps users (by the (org_id, seq) range) as SQLite's outer loop, as in loadMembers.
    const links: { member_id: string; group_id: string }[] = await tx("users as u")
      .crossJoin(tx.raw("?? AS gm", ["group_members"]))
      .where("gm.member_id", tx.ref("u.id"))
      .where("u.org_id", orgId)
      .andWhere("u.seq", ">", after)
      .andWhere("u.seq", "<=", last)
      .select("gm.member_id", "gm.group_id");
    // A group created after the first page (a plan reads outside a transaction) is fetched once.
    const unknown = [...new Set(links.map((l) => l.group_id).filter((id) => !groups.has(id)))];
    if (unknown.length > 0) for (const g of await groupsById(tx, orgId, unknown)) groups.set(g.id, g);
    const memberships = links.flatMap((l) => {
      const group = groups.get(l.group_id);
      return group ? [{ memberId: l.member_id, group }] : [];
    });
    const stored = new Map<string, unknown>();
    if (options.withPermissions === true) {
      const parsed = new Map<unknown, unknown>();
      for (const u of users) {
        if (u.permissions === null || u.permissions === undefined) continue;
        let value = parsed.get(u.permissions);
        if (value === undefined) {
          value = readJson(u.permissions);
          parsed.set(u.permissions, value);
        }
        stored.set(u.id, value);
      }
    }
    after = last;
    yield { members: snapshots(users, memberships), stored };
    if (users.length < pageSize) return;
  }
}
