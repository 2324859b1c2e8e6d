/**
 * Groups: the group row (identity, attributes, version) and the reads of who is in a group and
 * which groups a user is in. Membership writes live in db/memberships.ts.
 */
import { chunks } from "./chunks";
import type { Executor } from "./connection";
import { nowIso, writeJson } from "./json";
import { type GroupRecord, type GroupSource, type IdentityProvider, readGroupSource, readIdentityProvider, toGroupRecord } from "./resources";
import type { DbGroupRow } from "./tables";
import { findVersioned, insertVersioned, updateVersioned } from "./versioned";

/** What a write sets: a group's identity and attributes, without members. */
export type GroupFields = Pick<GroupRecord, "displayName" | "externalId" | "data">;

/** What role mapping and a User's `groups` need of a group. */
export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
  readonly source: GroupSource;
}

/**
 * The groups SCIM may see. Manual groups (created in the admin API) are never read, listed,
 * filtered on, changed or referenced through /scim/v2: an IdP must not see, rename or delete them.
 */
export const SCIM_VISIBLE = { source: "scim" } as const;

function columns(fields: GroupFields): Pick<DbGroupRow, "display_name" | "display_name_ci" | "external_id" | "data"> {
  return {
    display_name: fields.displayName,
    display_name_ci: fields.displayName.toLowerCase(),
    external_id: fields.externalId,
    data: writeJson(fields.data),
  };
}

const uniquelyNamed = (fields: GroupFields): string => `a Group with displayName "${fields.displayName}"`;

/** Who made a group: the IdP over SCIM (which one, when its request was recognised), or a member in the admin API. */
export type GroupOrigin = { readonly source: "scim"; readonly provisionedBy: IdentityProvider | null } | { readonly source: "manual" };

/** The origin is recorded once, at creation: later writes by another client do not change it. */
export async function insertGroup(tx: Executor, orgId: string, fields: GroupFields, origin: GroupOrigin): Promise<GroupRecord> {
  const manual = origin.source === "manual";
  const what = manual ? `a manual group named "${fields.displayName}"` : uniquelyNamed(fields);
  const provenance: Pick<DbGroupRow, "source" | "provisioned_by"> = { source: origin.source, provisioned_by: manual ? null : origin.provisionedBy };
  const row = await insertVersioned(tx, { table: "groups", orgId, columns: { ...columns(fields), ...provenance }, what });
  return toGroupRecord({ seq: 0, ...row });
}

/** A group the IdP pushed (SCIM's view: a manual group is not found). */
export async function findGroup(tx: Executor, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupRecord | null> {
  const row = await findVersioned<DbGroupRow>(tx, "groups", orgId, id, options.forUpdate, SCIM_VISIBLE);
  return row ? toGroupRecord(row) : null;
}

/** A group of either source (the admin API's view). */
export async function findAnyGroup(tx: Executor, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupRecord | null> {
  const row = await findVersioned<DbGroupRow>(tx, "groups", orgId, id, options.forUpdate);
  return row ? toGroupRecord(row) : null;
}

/** Conditional on `expectedVersion`; bumps the version and returns the record as written. */
export async function updateGroup(tx: Executor, orgId: string, id: string, expectedVersion: number, fields: GroupFields): Promise<GroupRecord> {
  return updateVersioned(tx, { table: "groups", orgId, id, expectedVersion, columns: columns(fields), what: uniquelyNamed(fields), reread: findGroup });
}

/** Renames a manual group (the IdP renames its own over SCIM); DbConflictError when the name is taken. */
export async function renameGroup(tx: Executor, orgId: string, group: Pick<GroupRecord, "id" | "version">, displayName: string): Promise<GroupRecord> {
  return updateVersioned(tx, {
    table: "groups",
    orgId,
    id: group.id,
    expectedVersion: group.version,
    columns: { display_name: displayName, display_name_ci: displayName.toLowerCase() },
    what: `a manual group named "${displayName}"`,
    reread: (reader, org, id) => findAnyGroup(reader, org, id),
  });
}

/** Bumps the version of groups whose members changed, so their ETags change too. */
export async function touchGroups(tx: Executor, orgId: string, groupIds: readonly string[]): Promise<void> {
  const now = nowIso();
  for (const chunk of chunks(groupIds)) {
    await tx("groups").where({ org_id: orgId }).whereIn("id", chunk).update({ version: tx.raw("version + 1"), updated_at: now });
  }
}

/**
 * Deletes a group and its membership rows (as container and as member of other groups).
 * Returns the ids of its direct members, whose access may change, or null when absent.
 */
export async function deleteGroup(tx: Executor, orgId: string, id: string): Promise<string[] | null> {
  const members = (await tx("group_members").where({ group_id: id, org_id: orgId }).select("member_id")).map((r: { member_id: string }) => r.member_id);
  const removed = await tx("groups").where({ org_id: orgId, id }).delete();
  if (removed === 0) return null;
  await tx("group_members").where({ group_id: id }).delete();
  const parents = (await tx("group_members").where({ org_id: orgId, member_id: id }).select("group_id")).map((r: { group_id: string }) => r.group_id);
  await tx("group_members").where({ org_id: orgId, member_id: id }).delete();
  await touchGroups(tx, orgId, parents);
  return members;
}

interface GroupRefRow {
  id: string;
  external_id: string | null;
  display_name: string;
  source: string;
}

export function toGroupRef(row: GroupRefRow): GroupRef {
  return { id: row.id, externalId: row.external_id, displayName: row.display_name, source: readGroupSource(row.source) };
}

/** A group as a mapping plan sees the directory: with its source and the IdP that created it. */
export interface GroupWithOrigin extends GroupRef {
  readonly provisionedBy: IdentityProvider | null;
}

/** Every group of an organisation, manual ones included, in creation order (a directory has thousands, not millions). */
export async function allGroups(tx: Executor, orgId: string): Promise<GroupWithOrigin[]> {
  const rows: (GroupRefRow & { provisioned_by: string | null })[] = await tx("groups")
    .where({ org_id: orgId })
    .orderBy("seq")
    .select("id", "external_id", "display_name", "source", "provisioned_by");
  return rows.map((row) => ({ ...toGroupRef(row), provisionedBy: readIdentityProvider(row.provisioned_by) }));
}

export async function groupsById(tx: Executor, orgId: string, ids: readonly string[]): Promise<GroupRef[]> {
  // By id alone, the organisation checked on the rows (see db/member-snapshots.ts loadMembers).
  const rows: (GroupRefRow & { org_id: string })[] = await tx("groups").whereIn("id", ids).select("id", "org_id", "external_id", "display_name", "source");
  return rows.filter((r) => r.org_id === orgId).map(toGroupRef);
}

/** The IdP's groups each user is a direct member of (a User's `groups` on SCIM): one query per chunk of users. */
export async function groupsOfUsers(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const result = new Map<string, GroupRef[]>();
  for (const id of userIds) result.set(id, []);
  for (const chunk of chunks(userIds)) {
    // CROSS JOIN: members first whatever SQLite's statistics say (see db/member-snapshots.ts loadMembers).
    const rows: (GroupRefRow & { member_id: string })[] = await tx("group_members as gm")
      .crossJoin(tx.raw("?? AS g", ["groups"]))
      .where("g.id", tx.ref("gm.group_id"))
      .where("gm.org_id", orgId)
      .where("g.source", SCIM_VISIBLE.source)
      .whereIn("gm.member_id", chunk)
      .orderBy("g.seq")
      .select("gm.member_id", "g.id", "g.display_name", "g.external_id", "g.source");
    for (const row of rows) result.get(row.member_id)?.push(toGroupRef(row));
  }
  return result;
}

/** The users (not nested groups) directly in a group. */
export async function membersOfGroup(tx: Executor, groupId: string): Promise<string[]> {
  const rows: { member_id: string }[] = await tx("group_members").where({ group_id: groupId, member_type: "User" }).select("member_id");
  return rows.map((r) => r.member_id);
}

export interface MemberRow {
  readonly value: string;
  readonly type: "User" | "Group";
  readonly display: string | null;
}

/**
 * One page of a group's members in member-id order, for streaming a large group without
 * holding it in memory: pass the last id of the previous page as `after`.
 */
export async function groupMembersPage(tx: Executor, groupId: string, after: string | null, limit: number): Promise<MemberRow[]> {
  const query = tx("group_members as gm")
    .leftJoin("users as u", "u.id", "gm.member_id")
    .leftJoin("groups as g", "g.id", "gm.member_id")
    .where("gm.group_id", groupId)
    .orderBy("gm.member_id")
    .limit(limit)
    .select("gm.member_id", "gm.member_type", "u.display_name as user_display", "u.user_name", "g.display_name as group_display");
  if (after !== null) query.where("gm.member_id", ">", after);
  const rows: { member_id: string; member_type: "User" | "Group"; user_display: string | null; user_name: string | null; group_display: string | null }[] = await query;
  return rows.map((r) => ({
    value: r.member_id,
    type: r.member_type,
    display: r.member_type === "Group" ? r.group_display : (r.user_display ?? r.user_name),
  }));
}

export async function countGroupMembers(tx: Executor, groupId: string): Promise<number> {
  const row = await tx("group_members").where({ group_id: groupId }).count<{ n: number | string }[]>({ n: "*" }).first();
  return Number(row?.n ?? 0);
}
