/**
 * Groups in the admin API: the IdP's (read-only here: the IdP owns them, 409 managed_by_idp) and
 * manual ones, created, renamed and filled by role administrators. Who is in a manual group, and
 * its name and existence (a rule may name it before it exists), decide who holds what its rules
 * give: every write here asks mapping/grant.ts whether that is within the actor's grant before it
 * writes. A change recomputes the members in the same transaction, as a SCIM PATCH does, and is
 * refused if it would leave no one able to edit roles. Manual groups never appear on /scim/v2
 * (db/groups.ts SCIM_VISIBLE).
 */
import type { Executor } from "../../db/connection";
import { type DirectoryGroup, listDirectoryGroups } from "../../db/directory-groups";
import { DbConflictError } from "../../db/errors";
import { countGroupMembers, deleteGroup, findAnyGroup, insertGroup, membersOfGroup, renameGroup } from "../../db/groups";
import { loadMembers } from "../../db/member-snapshots";
import { lockOrgPermissions } from "../../db/locks";
import { findMembersByIds } from "../../db/members";
import { addMembers, removeMembers } from "../../db/memberships";
import type { GroupRecord, IdentityProvider } from "../../db/resources";
import { type OnCommit, withAfterCommit } from "../../db/transaction";
import { type GrantChange, type GroupRef, type Mapping, type MemberChange, NO_ACCESS, REACHES, type Reach, type StandardOrgRole, canEditRoles, diffPermissions, reachOf, resolveMember, ruleReach, ruleSelectsGroup } from "../../mapping";
import { anyRoleEditorBesides } from "../../db/permissions";
import { refuseLockout } from "../apply";
import type { Recomputed } from "../sync";
import { type Actor, actorName, loadActor, requestOf, requireAction, requireGrant } from "./actor";
import { AdminError, guardLockout, refuse } from "./errors";
import { logAdminAction } from "./log";
import type { MemberPlan } from "./member-admin";
import type { AdminDeps } from "./mapping";
import { decodeCursor, encodeCursor } from "./cursor";

/** What a group gives through the mapping in force. */
export interface GroupGrants {
  readonly ruleIds: string[];
  readonly roles: string[];
  readonly orgRole: StandardOrgRole | null;
}

export type GroupSummary = Omit<DirectoryGroup, "cursor"> & { readonly grants: GroupGrants };

/** The rules matching a group, the custom roles they give and the highest standard role. */
export function grantsOf(mapping: Mapping, group: GroupRef): GroupGrants {
  const rules = mapping.rules.filter((rule) => ruleSelectsGroup(rule, group));
  const order: StandardOrgRole[] = ["owner", "admin", "user"];
  const orgRole = order.find((role) => rules.some((rule) => rule.orgRole === role)) ?? null;
  return { ruleIds: rules.map((rule) => rule.id), roles: [...new Set(rules.flatMap((rule) => rule.roles))].sort(), orgRole };
}

export async function listGroups(
  deps: AdminDeps,
  actor: Actor,
  query: { source?: "scim" | "manual"; q?: string; cursor?: string; limit: number },
): Promise<{ groups: GroupSummary[]; nextCursor: string | null }> {
  requireAction(actor, "read_roles");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isNameCursor);
  const rows = await listDirectoryGroups(deps.db.knex, {
    orgId: actor.orgId,
    limit: query.limit,
    ...(query.source === undefined ? {} : { source: query.source }),
    ...(query.q === undefined ? {} : { q: query.q }),
    ...(after === undefined ? {} : { after }),
  });
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const last = rows[rows.length - 1];
  return {
    groups: rows.map(({ cursor: _cursor, ...group }) => ({ ...group, grants: grantsOf(mapping, group) })),
    nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.cursor) : null,
  };
}

/** One group, either source, with the IdP that pushed it (when recognised) and what it gives. */
export interface GroupDetail extends GroupSummary {
  readonly provisionedBy: IdentityProvider | null;
}

export async function readGroup(deps: AdminDeps, actor: Actor, groupId: string): Promise<GroupDetail> {
  requireAction(actor, "read_roles");
  const group = await findAnyGroup(deps.db.knex, actor.orgId, groupId);
  if (group === null) refuse("group_not_found", `No group with id ${groupId}`);
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  return {
    id: group.id,
    displayName: group.displayName,
    externalId: group.externalId,
    source: group.source,
    provisionedBy: group.source === "manual" ? null : group.provisionedBy,
    memberCount: await countGroupMembers(deps.db.knex, group.id),
    created: group.created,
    grants: grantsOf(mapping, group),
  };
}

function isNameCursor(value: unknown): value is { name: string; id: string } {
  return typeof value === "object" && value !== null && "name" in value && "id" in value && typeof value.name === "string" && typeof value.id === "string";
}

export async function createManualGroup(deps: AdminDeps, signedIn: Actor, displayName: string): Promise<GroupRecord> {
  const name = groupName(displayName);
  return withAfterCommit(deps.db, async (tx, after) => {
    const actor = await writer(tx, signedIn, "edit_manual_groups");
    const { mapping } = await deps.sync.inForce.mapping(tx, actor.orgId);
    requireGrant(actor, { kind: "manual_group", op: "create", mapping, before: null, after: manualRef({ id: "", displayName: name }), members: [] });
    let group: GroupRecord;
    try {
      group = await insertGroup(tx, actor.orgId, { displayName: name, externalId: null, data: {} }, { source: "manual" });
    } catch (err) {
      if (err instanceof DbConflictError) refuse("group_exists", `A manual group named "${name}" already exists`);
      throw err;
    }
    await logAdminAction(deps, tx, after, actor.orgId, { actor: actorName(actor), action: "group.create", target: group.id, detail: { displayName: name } });
    return group;
  });
}

/**
 * Renames a manual group. A rule naming the old or the new name (`manual: "Vault"`) changes who
 * holds its rights, so the rename is judged as giving and taking what both names' rules give.
 */
export async function renameManualGroup(deps: AdminDeps, signedIn: Actor, groupId: string, displayName: string): Promise<GroupRecord> {
  const name = groupName(displayName);
  return guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      const actor = await writer(tx, signedIn, "edit_manual_groups");
      const group = await manualGroup(tx, actor.orgId, groupId);
      if (group.displayName === name) return group;
      const { mapping } = await deps.sync.inForce.mapping(tx, actor.orgId);
      requireGrant(actor, { kind: "manual_group", op: "rename", mapping, before: manualRef(group), after: manualRef({ ...group, displayName: name }), members: [] });
      let renamed: GroupRecord;
      try {
        renamed = await renameGroup(tx, actor.orgId, group, name);
      } catch (err) {
        if (err instanceof DbConflictError) refuse("group_exists", `A manual group named "${name}" already exists`);
        throw err;
      }
      await recomputeMembers(deps, tx, actor, await membersOfGroup(tx, group.id), { action: "group.rename", target: group.id, detail: { from: group.displayName, to: name } }, after);
      return renamed;
    }),
  );
}

export async function deleteManualGroup(deps: AdminDeps, signedIn: Actor, groupId: string): Promise<void> {
  await guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      const actor = await writer(tx, signedIn, "edit_manual_groups");
      const group = await manualGroup(tx, actor.orgId, groupId);
      // What its members lose is bounded by what its rules give, which the grant judges.
      const { mapping } = await deps.sync.inForce.mapping(tx, actor.orgId);
      requireGrant(actor, { kind: "manual_group", op: "delete", mapping, before: manualRef(group), after: null, members: [] });
      const former = (await deleteGroup(tx, actor.orgId, group.id)) ?? [];
      await recomputeMembers(deps, tx, actor, former, { action: "group.delete", target: group.id, detail: { displayName: group.displayName } }, after);
    }),
  );
}

/** Adds a user to a manual group; adding a member again changes nothing. */
export async function addGroupMember(deps: AdminDeps, signedIn: Actor, groupId: string, userId: string): Promise<{ changed: boolean }> {
  // Adding can lock out too: a rule may give the group a standard role, and an admin cannot edit roles.
  return guardLockout(() => withAfterCommit(deps.db, async (tx, after) => {
    const actor = await writer(tx, signedIn, "edit_group_members");
    const group = await manualGroup(tx, actor.orgId, groupId);
    const [member] = await findMembersByIds(tx, actor.orgId, [userId]);
    if (member === undefined) refuse("member_not_found", `No member with id ${userId}`);
    await judgeMembership(deps, tx, actor, group, userId, "add");
    const change = await addMembers(tx, actor.orgId, group.id, [member.id]);
    if (change.added.length === 0) return { changed: false };
    await recomputeMembers(deps, tx, actor, change.added, { action: "group.member.add", target: group.id, detail: { member: member.userName, group: group.displayName } }, after);
    return { changed: true };
  }));
}

/** Removes a user from a manual group (not a member: nothing to do); refused if it locks the organisation out. */
export async function removeGroupMember(deps: AdminDeps, signedIn: Actor, groupId: string, userId: string): Promise<{ changed: boolean }> {
  return guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      const actor = await writer(tx, signedIn, "edit_group_members");
      const group = await manualGroup(tx, actor.orgId, groupId);
      await judgeMembership(deps, tx, actor, group, userId, "remove");
      const change = await removeMembers(tx, actor.orgId, group.id, [userId]);
      if (change.removed.length === 0) return { changed: false };
      const [member] = await findMembersByIds(tx, actor.orgId, [userId]);
      await recomputeMembers(deps, tx, actor, change.removed, { action: "group.member.remove", target: group.id, detail: { member: member?.userName ?? userId, group: group.displayName } }, after);
      return { changed: true };
    }),
  );
}

/**
 * The actor, re-read in the writing transaction under the organisation's exclusive permission lock:
 * admin writes take turns with each other and with mapping changes, so two removals cannot each see
 * the other's editor still in place and lock the organisation out together.
 */
async function writer(tx: Executor, signedIn: Actor, action: "edit_manual_groups" | "edit_group_members"): Promise<Actor> {
  await lockOrgPermissions(tx, signedIn.orgId, "exclusive");
  const actor = { ...(await loadActor(tx, signedIn.orgId, signedIn.userName)), ...requestOf(signedIn) };
  requireAction(actor, action);
  return actor;
}

/**
 * Changing who is in a group grants or takes what its rules give: judged on the group's rules and on
 * what the member holds before and after, computed here, before anything is written, with the
 * mapping and platform overrides in force (the permission lock is held, so they stay in force; the
 * member's IdP groups are not under it: docs/security.md says what that leaves).
 */
async function judgeMembership(deps: AdminDeps, tx: Executor, actor: Actor, group: GroupRecord, userId: string, change: "add" | "remove"): Promise<void> {
  requireGrant(actor, await membershipChange(deps, tx, actor.orgId, group, userId, change));
}

/** What adding `userId` to (or removing them from) `group` changes, as the grant judges it. */
async function membershipChange(deps: AdminDeps, tx: Executor, orgId: string, group: GroupRecord, userId: string, change: "add" | "remove"): Promise<Extract<GrantChange, { kind: "group_members" }>> {
  const { mapping, platform } = await deps.sync.inForce.both(tx, orgId);
  const [member] = await loadMembers(tx, orgId, [userId]);
  const ref = manualRef(group);
  const members: MemberChange[] = [];
  if (member !== undefined) {
    const others = member.groups.filter((g) => g.id !== group.id);
    const before = resolveMember(member, mapping, platform);
    const after = resolveMember({ ...member, groups: change === "add" ? [...others, ref] : others }, mapping, platform);
    members.push({ userName: member.userName, before, after });
  }
  return { kind: "group_members", mapping, group: ref, members };
}

/**
 * Who gains and loses what if `userId` is added to or removed from a manual group, and whether the
 * signed-in member may do it (the refusal they would get): nothing is written. Readable by whoever
 * may list members, so a User Management manager sees the plan before confirming.
 */
export async function planGroupMembership(deps: AdminDeps, actor: Actor, groupId: string, userId: string, op: "add" | "remove"): Promise<MemberPlan> {
  requireAction(actor, "list_members");
  const group = await findAnyGroup(deps.db.knex, actor.orgId, groupId);
  if (group === null) refuse("group_not_found", `No group with id ${groupId}`);
  const [found] = await findMembersByIds(deps.db.knex, actor.orgId, [userId]);
  if (found === undefined) refuse("member_not_found", `No member with id ${userId}`);
  const change = await membershipChange(deps, deps.db.knex, actor.orgId, group, userId, op);
  const member = change.members[0] ?? { userName: found.userName, before: NO_ACCESS, after: NO_ACCESS };
  let refusal = refusalOf(() => {
    if (group.source !== "manual") refuse("managed_by_idp", `Group "${group.displayName}" is provisioned by the identity provider; change it there.`);
    requireAction(actor, "edit_group_members");
    requireGrant(actor, change);
  });
  if (refusal === null && canEditRoles(member.before) && !canEditRoles(member.after) && !(await anyRoleEditorBesides(deps.db.knex, actor.orgId, userId))) {
    refusal = { code: "would_lock_out", message: `This would leave no member able to edit roles: ${found.userName} is the last.` };
  }
  return { member: { id: found.id, userName: found.userName }, before: member.before, after: member.after, change: diffPermissions(member.before, member.after), refusal };
}

/** A manual group as a member manager sees it: its name and size, and whether they may change who is in it (not its rules). */
export interface ManualGroupRow {
  readonly id: string;
  readonly displayName: string;
  readonly memberCount: number;
  /** The least reach its rules need (mapping/grant.ts): `features` when they give features and connectors only. */
  readonly changeableBy: Exclude<Reach, "nothing">;
  /** Whether the signed-in member may add and remove its members. */
  readonly mayChangeMembers: boolean;
}

/** Manual groups for those who may list members: a User Management manager finds the groups they may fill. */
export async function listManualGroups(deps: AdminDeps, actor: Actor, query: { q?: string; cursor?: string; limit: number }): Promise<{ groups: ManualGroupRow[]; nextCursor: string | null }> {
  requireAction(actor, "list_members");
  const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isNameCursor);
  const rows = await listDirectoryGroups(deps.db.knex, {
    orgId: actor.orgId,
    limit: query.limit,
    source: "manual",
    ...(query.q === undefined ? {} : { q: query.q }),
    ...(after === undefined ? {} : { after }),
  });
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const rank = (reach: Reach) => REACHES.indexOf(reach);
  const last = rows[rows.length - 1];
  return {
    groups: rows.map((group) => {
      const ref = manualRef(group);
      const changeableBy = mapping.rules.filter((rule) => ruleSelectsGroup(rule, ref)).reduce<Exclude<Reach, "nothing">>((most, rule) => {
        const reach = ruleReach(rule, mapping);
        return rank(reach) > rank(most) ? reach : most;
      }, "features");
      return { id: group.id, displayName: group.displayName, memberCount: group.memberCount, changeableBy, mayChangeMembers: actor.may.edit_group_members && rank(reachOf(actor.permissions)) >= rank(changeableBy) };
    }),
    nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.cursor) : null,
  };
}

function refusalOf(judge: () => void): MemberPlan["refusal"] {
  try {
    judge();
    return null;
  } catch (err) {
    if (err instanceof AdminError) return { code: err.code, message: err.message };
    throw err;
  }
}

function manualRef(group: Pick<GroupRecord, "id" | "displayName">): GroupRef {
  return { id: group.id, externalId: null, displayName: group.displayName, source: "manual" };
}

function groupName(displayName: string): string {
  const name = displayName.trim();
  if (name === "" || name.length > 400) refuse("invalid_request", "displayName must be 1 to 400 characters");
  return name;
}

async function manualGroup(tx: Executor, orgId: string, groupId: string): Promise<GroupRecord> {
  const group = await findAnyGroup(tx, orgId, groupId, { forUpdate: true });
  if (group === null) refuse("group_not_found", `No group with id ${groupId}`);
  if (group.source !== "manual") {
    refuse("managed_by_idp", `Group "${group.displayName}" is provisioned by the identity provider; change it there.`);
  }
  return group;
}

async function recomputeMembers(
  deps: AdminDeps,
  tx: Executor,
  actor: Actor,
  userIds: readonly string[],
  action: { action: string; target: string; detail: Record<string, unknown> },
  after: OnCommit,
): Promise<void> {
  const name = actorName(actor);
  const actionSeq = await logAdminAction(deps, tx, after, actor.orgId, { actor: name, ...action });
  const cause = { kind: "admin", actor: name, action: action.action, target: action.target, actionSeq, ...requestOf(actor) } as const;
  const recomputed: Recomputed = await deps.sync.membersChanged(tx, actor.orgId, userIds, cause);
  await refuseLockout(tx, actor.orgId, recomputed);
  after(recomputed);
}

