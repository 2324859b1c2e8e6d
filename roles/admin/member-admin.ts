/**
 * User Management: what an organisation does to a member beside the IdP. A suspension takes every
 * right away in its transaction (the member resolves as inactive: no access, audited and announced
 * like every other change, their console sessions ended) and stands until reactivated, whatever `active` the
 * IdP sends; signing a member out ends their console sessions; a member may be added by e-mail (they
 * sign in with the organisation's OIDC) and removed again, while the IdP's members stay the IdP's.
 *
 * Every write re-reads the actor in its transaction under the organisation's permission lock, asks
 * the policy (`manage_members`) and mapping/grant.ts with what the member holds before and after,
 * and writes an admin-log row; the Primary Owner is suspended or removed by nobody, a member never
 * suspends or removes themselves, and a change that would leave no one able to edit roles is
 * refused (409 would_lock_out). The operator's CLI takes the same steps without the grant check.
 */
import { appendAdminAction } from "../../db/admin-actions";
import type { Executor } from "../../db/connection";
import { deleteMemberConsoleSessions } from "../../db/console-sessions";
import { DbConflictError } from "../../db/errors";
import { lockOrgPermissions } from "../../db/locks";
import {
  type MemberOrigin, type Suspension, deleteSuspension, findMemberOrigin, findSuspension, insertSuspension, recordMemberOrigin,
} from "../../db/member-standing";
import { loadMembers } from "../../db/member-snapshots";
import { anyRoleEditor, anyRoleEditorBesides, findMemberPermissions } from "../../db/permissions";
import type { UserRecord } from "../../db/resources";
import { deleteUser, insertUser } from "../../db/users";
import { type OnCommit, withAfterCommit } from "../../db/transaction";
import { type EffectivePermissions, type MemberChange, NO_ACCESS, type PermissionChange, canEditRoles, diffPermissions, resolveMember } from "../../mapping";
import type { ChangeCause } from "../../db/change-cause";
import { refuseLockout } from "../apply";
import type { MappingPermissionSync } from "../sync";
import { type Actor, actorName, loadActor, requestOf, requireAction, requireGrant } from "./actor";
import { AdminError, guardLockout, refuse } from "./errors";
import { logAdminAction } from "./log";
import type { AdminDeps } from "./mapping";

/** A reason is for people reading the admin log: one line or a short paragraph. */
export const MAX_REASON_LENGTH = 1000;
/** RFC 5321 §4.5.3.1.3: a path (and so an address) holds at most 256 octets, 254 of them the address. */
const MAX_EMAIL_LENGTH = 254;

/** What a change of standing does to one member, before anything is written: the console's plan view. */
export interface MemberPlan {
  readonly member: { readonly id: string; readonly userName: string };
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
  /** What changes, as every plan says it (mapping/diff.ts). */
  readonly change: PermissionChange;
  /** Why the signed-in member may not make it (null: they may). */
  readonly refusal: { readonly code: string; readonly message: string } | null;
}

export interface StandingOutcome {
  readonly changed: boolean;
  readonly suspension: Suspension | null;
}

/** Who acts: a member through the admin API (judged), or the operator through the CLI (not judged). */
type Acting = { readonly kind: "member"; readonly actor: Actor } | { readonly kind: "operator"; readonly orgId: string; readonly name: string };

interface Target {
  readonly id: string;
  readonly userName: string;
  /** What the IdP says (`active`), apart from a suspension. */
  readonly active: boolean;
  readonly suspension: Suspension | null;
  readonly now: EffectivePermissions;
  /** What the member holds once active and not suspended: what a reactivation gives back. */
  readonly standing: EffectivePermissions;
  readonly primaryOwner: boolean;
}

export function readReason(reason: unknown): string {
  const text = typeof reason === "string" ? reason.trim() : "";
  if (text === "" || text.length > MAX_REASON_LENGTH) refuse("invalid_request", `reason must be 1 to ${MAX_REASON_LENGTH} characters: say why, for the admin log`);
  return text;
}

// ---- suspension ----

export async function planSuspension(deps: AdminDeps, signedIn: Actor, userId: string): Promise<MemberPlan> {
  requireAction(signedIn, "manage_members");
  const target = await loadTarget(deps, deps.db.knex, signedIn.orgId, { id: userId });
  const change = { userName: target.userName, before: target.now, after: NO_ACCESS };
  let refusal = refusalOf(() => judgeSuspension({ kind: "member", actor: signedIn }, target, change));
  if (refusal === null && target.suspension === null && canEditRoles(target.now) && !(await anyRoleEditorBesides(deps.db.knex, signedIn.orgId, target.id))) {
    refusal = { code: "would_lock_out", message: `Suspending ${target.userName} would leave no member able to edit roles.` };
  }
  return { member: { id: target.id, userName: target.userName }, before: target.now, after: NO_ACCESS, change: diffPermissions(target.now, NO_ACCESS), refusal };
}

export async function suspendMember(deps: AdminDeps, signedIn: Actor, userId: string, reason: unknown): Promise<StandingOutcome> {
  const why = readReason(reason);
  return guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      const acting = await memberWriter(tx, signedIn);
      return suspendIn(deps, tx, acting, { id: userId }, why, after);
    }),
  );
}

export async function reactivateMember(deps: AdminDeps, signedIn: Actor, userId: string): Promise<StandingOutcome> {
  return withAfterCommit(deps.db, async (tx, after) => {
    const acting = await memberWriter(tx, signedIn);
    return reactivateIn(deps, tx, acting, { id: userId }, after);
  });
}

/** The CLI's break-glass suspension: no grant judgement, audited as the operator. */
export async function suspendAsOperator(
  deps: { db: AdminDeps["db"]; sync: MappingPermissionSync },
  input: { orgId: string; userName: string; reason: string; operator: string; allowLockout?: boolean },
): Promise<StandingOutcome> {
  const why = readReason(input.reason);
  return guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      await lockOrgPermissions(tx, input.orgId, "exclusive");
      return suspendIn(deps, tx, { kind: "operator", orgId: input.orgId, name: input.operator }, { userName: input.userName }, why, after, input.allowLockout === true);
    }),
  );
}

export async function reactivateAsOperator(deps: { db: AdminDeps["db"]; sync: MappingPermissionSync }, input: { orgId: string; userName: string; operator: string }): Promise<StandingOutcome> {
  return withAfterCommit(deps.db, async (tx, after) => {
    await lockOrgPermissions(tx, input.orgId, "exclusive");
    return reactivateIn(deps, tx, { kind: "operator", orgId: input.orgId, name: input.operator }, { userName: input.userName }, after);
  });
}

async function suspendIn(
  deps: Pick<AdminDeps, "sync">,
  tx: Executor,
  acting: Acting,
  who: { id: string } | { userName: string },
  reason: string,
  after: OnCommit,
  allowLockout = false,
): Promise<StandingOutcome> {
  const orgId = orgOf(acting);
  const target = await loadTarget(deps, tx, orgId, who);
  if (target.suspension !== null) return { changed: false, suspension: target.suspension };
  judgeSuspension(acting, target, { userName: target.userName, before: target.now, after: NO_ACCESS });
  const suspension: Suspension = { reason, by: nameOf(acting), at: new Date().toISOString() };
  await insertSuspension(tx, orgId, target.id, suspension);
  const sessionsEnded = await deleteMemberConsoleSessions(tx, orgId, target.id);
  const cause = await logged(tx, acting, { action: "member.suspend", target: target.id, detail: { member: target.userName, reason, sessionsEnded } }, reason);
  const recomputed = await deps.sync.membersChanged(tx, orgId, [target.id], cause);
  if (!allowLockout) await refuseLockout(tx, orgId, recomputed);
  after(recomputed);
  return { changed: true, suspension };
}

async function reactivateIn(deps: Pick<AdminDeps, "sync">, tx: Executor, acting: Acting, who: { id: string } | { userName: string }, after: OnCommit): Promise<StandingOutcome> {
  const orgId = orgOf(acting);
  const target = await loadTarget(deps, tx, orgId, who);
  if (target.suspension === null) return { changed: false, suspension: null };
  // Giving back what the member holds is judged like every other gain: within the actor's grant.
  if (acting.kind === "member") requireGrant(acting.actor, { kind: "member_status", member: { userName: target.userName, before: target.now, after: target.standing } });
  await deleteSuspension(tx, orgId, target.id);
  const cause = await logged(tx, acting, { action: "member.reactivate", target: target.id, detail: { member: target.userName, suspendedBy: target.suspension.by, suspendedAt: target.suspension.at } });
  after(await deps.sync.membersChanged(tx, orgId, [target.id], cause));
  return { changed: true, suspension: null };
}

/**
 * Suspending takes everything the member holds, so it needs the reach of all of it (mapping/grant.ts);
 * the Primary Owner is the organisation's last resort and is suspended by nobody, the operator
 * included (transfer primary ownership first); and nobody suspends themselves, which could only
 * lock them out of undoing it.
 */
function judgeSuspension(acting: Acting, target: Target, change: MemberChange): void {
  if (target.primaryOwner) refuse("primary_owner_protected", `${target.userName} is the Primary Owner, whom nobody may suspend or remove; transfer primary ownership first.`);
  if (acting.kind === "operator") return;
  if (acting.actor.id === target.id) refuse("cannot_suspend_self", "You cannot suspend yourself: ask another member who manages members, or an operator.");
  requireGrant(acting.actor, { kind: "member_status", member: change });
}

// ---- sign-out ----

/** Ends every console session of the member at once (bearer tokens are the issuer's; they end at expiry or with a suspension). */
export async function signOutMember(deps: AdminDeps, signedIn: Actor, userId: string): Promise<{ sessionsEnded: number }> {
  return withAfterCommit(deps.db, async (tx, after) => {
    const actor = { ...(await loadActor(tx, signedIn.orgId, signedIn.userName)), ...requestOf(signedIn) };
    const target = await loadTarget(deps, tx, actor.orgId, { id: userId });
    // Ending one's own sessions takes nothing from anyone.
    if (target.id !== actor.id) {
      requireAction(actor, "manage_members");
      requireGrant(actor, { kind: "member_status", member: { userName: target.userName, before: target.now, after: NO_ACCESS } });
    }
    const sessionsEnded = await deleteMemberConsoleSessions(tx, actor.orgId, target.id);
    await logAdminAction(deps, tx, after, actor.orgId, { actor: actorName(actor), action: "member.sign_out", target: target.id, detail: { member: target.userName, sessionsEnded } });
    return { sessionsEnded };
  });
}

// ---- members added by e-mail ----

export interface AddedMember {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly permissions: EffectivePermissions;
}

/**
 * Adds a member who is not in the IdP: their userName is their e-mail, which the organisation's OIDC
 * issuer must present to sign them in. They hold what the mapping gives a member in no group (the
 * `user` standard role's levels), judged like every other gain.
 */
export async function addLocalMember(deps: AdminDeps, signedIn: Actor, input: { email: unknown; displayName: unknown }): Promise<AddedMember> {
  const email = readEmail(input.email);
  const displayName = readDisplayName(input.displayName);
  return withAfterCommit(deps.db, async (tx, after) => {
    const actor = await writerActor(tx, signedIn);
    const { mapping, platform } = await deps.sync.inForce.both(tx, actor.orgId);
    const gives = resolveMember({ id: "", userName: email, active: true, groups: [], appRoles: [] }, mapping, platform);
    requireGrant(actor, { kind: "member_status", member: { userName: email, before: NO_ACCESS, after: gives } });
    let record: UserRecord;
    try {
      record = await insertUser(tx, actor.orgId, {
        userName: email,
        externalId: null,
        displayName,
        active: true,
        managerId: null,
        data: { emails: [{ value: email, primary: true, type: "work" }] },
      });
    } catch (err) {
      if (err instanceof DbConflictError) refuse("member_exists", `A member with userName ${email} already exists`);
      throw err;
    }
    const at = new Date().toISOString();
    await recordMemberOrigin(tx, actor.orgId, record.id, { origin: "console", addedBy: actorName(actor), at });
    const cause = await logged(tx, { kind: "member", actor }, { action: "member.add", target: record.id, detail: { member: email, displayName } });
    after(await deps.sync.memberCreated(tx, actor.orgId, { id: record.id, userName: email, active: true, appRoles: [] }, cause));
    return { id: record.id, userName: email, displayName, permissions: gives };
  });
}

/** Removes a member added by e-mail; the IdP's members are the IdP's to remove (409 managed_by_idp). */
export async function removeLocalMember(deps: AdminDeps, signedIn: Actor, userId: string): Promise<void> {
  await withAfterCommit(deps.db, async (tx, after) => {
    const actor = await writerActor(tx, signedIn);
    const target = await loadTarget(deps, tx, actor.orgId, { id: userId });
    const origin = await findMemberOrigin(tx, actor.orgId, target.id);
    if (origin?.origin !== "console") refuse("managed_by_idp", `${target.userName} was provisioned by ${idpName(origin?.origin ?? "scim")}; remove them there.`, { provisionedBy: origin?.origin ?? "scim" });
    if (target.primaryOwner) refuse("primary_owner_protected", `${target.userName} is the Primary Owner, whom nobody may suspend or remove; transfer primary ownership first.`);
    if (actor.id === target.id) refuse("cannot_remove_self", "You cannot remove yourself: ask another member who manages members.");
    requireGrant(actor, { kind: "member_status", member: { userName: target.userName, before: target.now, after: NO_ACCESS } });
    const sessionsEnded = await deleteMemberConsoleSessions(tx, actor.orgId, target.id);
    const cause = await logged(tx, { kind: "member", actor }, { action: "member.remove", target: target.id, detail: { member: target.userName, sessionsEnded } });
    after(await deps.sync.userDeleted(tx, actor.orgId, target.id, cause));
    await deleteUser(tx, actor.orgId, target.id);
    if (canEditRoles(target.now) && !(await anyRoleEditor(tx, actor.orgId))) {
      refuse("would_lock_out", `Removing ${target.userName} would leave no member able to edit roles. Nothing was applied.`, { losing: [{ id: target.id, userName: target.userName }] });
    }
  });
}

/** How the console names who provisioned a member. */
export function idpName(origin: MemberOrigin): string {
  switch (origin) {
    case "okta":
      return "Okta";
    case "entra":
      return "Microsoft Entra ID";
    case "scim":
      return "the identity provider (SCIM)";
    case "console":
      return "the console";
  }
}

// ---- shared steps ----

/** The actor re-read in the writing transaction under the organisation's exclusive permission lock. */
async function writerActor(tx: Executor, signedIn: Actor): Promise<Actor> {
  await lockOrgPermissions(tx, signedIn.orgId, "exclusive");
  const actor = { ...(await loadActor(tx, signedIn.orgId, signedIn.userName)), ...requestOf(signedIn) };
  requireAction(actor, "manage_members");
  return actor;
}

async function memberWriter(tx: Executor, signedIn: Actor): Promise<Acting> {
  return { kind: "member", actor: await writerActor(tx, signedIn) };
}

/** The member with what they hold now and what they would hold unsuspended, from the mapping in force. */
async function loadTarget(deps: Pick<AdminDeps, "sync">, tx: Executor, orgId: string, who: { id: string } | { userName: string }): Promise<Target> {
  const found = await findMemberPermissions(tx, orgId, who);
  if (found === null) refuse("member_not_found", "id" in who ? `No member with id ${who.id}` : `No member with userName ${who.userName}`);
  const [snapshot] = await loadMembers(tx, orgId, [found.id]);
  if (snapshot === undefined) refuse("member_not_found", `No member with id ${found.id}`);
  const { mapping, platform } = await deps.sync.inForce.both(tx, orgId);
  const now = resolveMember(snapshot, mapping, platform);
  const standing = resolveMember({ ...snapshot, active: found.active }, mapping, platform);
  const primaryOwner = mapping.primaryOwner !== "" && mapping.primaryOwner.toLowerCase() === found.userName.toLowerCase();
  return { id: found.id, userName: found.userName, active: found.active, suspension: await findSuspension(tx, orgId, found.id), now, standing, primaryOwner };
}

/** The admin-log row and the cause the audit log and events carry (with the reason, when there is one). */
async function logged(tx: Executor, acting: Acting, action: { action: string; target: string; detail: Record<string, unknown> }, reason?: string): Promise<ChangeCause> {
  const orgId = orgOf(acting);
  const actor = nameOf(acting);
  const actionSeq = await appendAdminAction(tx, orgId, { actor, ...action });
  if (acting.kind === "operator") return { kind: "cli", actor, command: action.action === "member.suspend" ? "members suspend" : "members reactivate", ...(reason === undefined ? {} : { reason }) };
  return { kind: "admin", actor, action: action.action, target: action.target, actionSeq, ...requestOf(acting.actor), ...(reason === undefined ? {} : { reason }) };
}

function orgOf(acting: Acting): string {
  return acting.kind === "member" ? acting.actor.orgId : acting.orgId;
}

function nameOf(acting: Acting): string {
  return acting.kind === "member" ? actorName(acting.actor) : acting.name;
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

function readEmail(value: unknown): string {
  const email = typeof value === "string" ? value.trim() : "";
  if (email.length > MAX_EMAIL_LENGTH || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email)) refuse("invalid_request", "email must be an e-mail address (the member signs in with it)");
  return email;
}

function readDisplayName(value: unknown): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== "string" || value.trim().length > 400) refuse("invalid_request", "displayName must be text of at most 400 characters");
  return value.trim() === "" ? null : value.trim();
}

