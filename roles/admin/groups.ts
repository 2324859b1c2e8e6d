/**
 * Groups in the admin API: the IdP's (read-only here: the IdP owns them, 409 managed_by_idp) and
 * manual ones, created and filled by role administrators. A manual group's membership change
 * recomputes its members in the same transaction, as a SCIM PATCH does, and is refused if it would
 * leave no one able to edit roles. Manual groups never appear on /scim/v2 (db/groups.ts SCIM_VISIBLE).
 */
import type { Executor } from "../../db/connection";
import { appendAdminAction } from "../../db/admin-actions";
import { type DirectoryGroup, listDirectoryGroups } from "../../db/directory-groups";
import { DbConflictError } from "../../db/errors";
import { countGroupMembers, deleteGroup, findAnyGroup, insertGroup } from "../../db/groups";
import { lockOrgPermissions } from "../../db/locks";
import { findMembersByIds } from "../../db/members";
import { addMembers, removeMembers } from "../../db/memberships";
import type { GroupRecord, IdentityProvider } from "../../db/resources";
import { type OnCommit, withAfterCommit } from "../../db/transaction";
import { type GroupRef, type Mapping, type StandardOrgRole, ruleSelectsGroup } from "../../mapping";
import { refuseLockout } from "../apply";
import type { Recomputed } from "../sync";
import { type Actor, actorName, loadActor, requestOf, requireAction } from "./actor";
import { guardLockout, refuse } from "./errors";
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
  const { mapping } = await deps.sync.mappingFor(deps.db.knex, actor.orgId);
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
  const { mapping } = await deps.sync.mappingFor(deps.db.knex, actor.orgId);
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
  const name = displayName.trim();
  if (name === "" || name.length > 400) refuse("invalid_request", "displayName must be 1 to 400 characters");
  return withAfterCommit(deps.db, async (tx) => {
    const actor = await writer(tx, signedIn);
    let group: GroupRecord;
    try {
      group = await insertGroup(tx, actor.orgId, { displayName: name, externalId: null, data: {} }, { source: "manual" });
    } catch (err) {
      if (err instanceof DbConflictError) refuse("group_exists", `A manual group named "${name}" already exists`);
      throw err;
    }
    await appendAdminAction(tx, actor.orgId, { actor: actorName(actor), action: "group.create", target: group.id, detail: { displayName: name } });
    return group;
  });
}

export async function deleteManualGroup(deps: AdminDeps, signedIn: Actor, groupId: string): Promise<void> {
  await guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      const actor = await writer(tx, signedIn);
      const group = await manualGroup(tx, actor.orgId, groupId);
      const former = (await deleteGroup(tx, actor.orgId, group.id)) ?? [];
      await recomputeMembers(deps, tx, actor, former, { action: "group.delete", target: group.id, detail: { displayName: group.displayName } }, after);
    }),
  );
}

/** Adds a user to a manual group; adding a member again changes nothing. */
export async function addGroupMember(deps: AdminDeps, signedIn: Actor, groupId: string, userId: string): Promise<{ changed: boolean }> {
  // Adding can lock out too: a rule may give the group a standard role, and an admin cannot edit roles.
  return guardLockout(() => withAfterCommit(deps.db, async (tx, after) => {
    const actor = await writer(tx, signedIn);
    const group = await manualGroup(tx, actor.orgId, groupId);
    const [member] = await findMembersByIds(tx, actor.orgId, [userId]);
    if (member === undefined) refuse("member_not_found", `No member with id ${userId}`);
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
      const actor = await writer(tx, signedIn);
      const group = await manualGroup(tx, actor.orgId, groupId);
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
async function writer(tx: Executor, signedIn: Actor): Promise<Actor> {
  await lockOrgPermissions(tx, signedIn.orgId, "exclusive");
  const actor = { ...(await loadActor(tx, signedIn.orgId, signedIn.userName)), ...requestOf(signedIn) };
  requireAction(actor, "edit_manual_groups");
  return actor;
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
  const actionSeq = await appendAdminAction(tx, actor.orgId, { actor: name, ...action });
  const cause = { kind: "admin", actor: name, action: action.action, target: action.target, actionSeq, ...requestOf(actor) } as const;
  const recomputed: Recomputed = await deps.sync.membersChanged(tx, actor.orgId, userIds, cause);
  await refuseLockout(tx, actor.orgId, recomputed);
  after(recomputed);
}

