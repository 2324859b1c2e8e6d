/**
 * The member acting through the admin API: a signed-in person is the organisation's SCIM user whose
 * userName equals their identity claim (case-insensitively), active, with the permissions this
 * server computed for them. Their permissions are read again inside each write's transaction, so a
 * member demoted a moment ago cannot still write.
 */
import type { Executor } from "../../db/connection";
import { findMemberPermissions } from "../../db/permissions";
import {
  type AdminAction, type AllowedActions, type EffectivePermissions, type GrantChange, NO_ACCESS, allowedActions, judgeAction, judgeGrant, permissionsFromJSON,
} from "../../mapping";
import { refuse } from "./errors";

export interface Actor {
  readonly orgId: string;
  readonly id: string;
  readonly userName: string;
  readonly permissions: EffectivePermissions;
  readonly may: AllowedActions;
  /** The HTTP request acting (X-Request-Id): the audit rows and event causes of its writes carry it. */
  readonly requestId?: string;
}

/** `member:<userName>`: how the admin log, versions and the audit log name this actor. */
export function actorName(actor: Pick<Actor, "userName">): string {
  return `member:${actor.userName}`;
}

/** The causes of a write by `actor`'s request carry its request id, when it came over HTTP. */
export function requestOf(actor: Pick<Actor, "requestId">): { requestId?: string } {
  return actor.requestId === undefined ? {} : { requestId: actor.requestId };
}

/** What the directory says about a member that decides whether they may sign in at all. */
export interface SignInStanding {
  readonly active: boolean;
  /** A suspension by the organisation (db/member-standing.ts), which the IdP's `active` does not lift. */
  readonly suspended: boolean;
}

/**
 * Whether the directory lets this member sign in (null: no such user): asked at sign-in, by every
 * bearer-token request and by every use of a console session, so a member deactivated or deleted
 * is refused from the commit on. A member the organisation suspended is refused likewise, whatever
 * `active` their IdP sends.
 */
export function maySignIn<M extends SignInStanding>(member: M | null): member is M {
  return member !== null && member.active && !member.suspended;
}

/** The member signed in as `userName`, or 403 not_a_member when unknown or not allowed to sign in. */
export async function loadActor(tx: Executor, orgId: string, userName: string): Promise<Actor> {
  const found = await findMemberPermissions(tx, orgId, { userName });
  if (!maySignIn(found)) {
    refuse("not_a_member", `${userName} is not an active member of this organisation`);
  }
  const permissions = found.permissions === null ? NO_ACCESS : permissionsFromJSON(found.permissions);
  return { orgId, id: found.id, userName: found.userName, permissions, may: allowedActions(permissions) };
}

/**
 * Refuses, with the rule's code and the parts beyond the actor's grant, a change that would give or
 * take a right beyond what the actor's level may grant (mapping/grant.ts). Every admin write asks
 * this before it writes, with the actor re-read in its transaction.
 */
export function requireGrant(actor: Actor, change: GrantChange): void {
  const decision = judgeGrant(actor.permissions, change);
  if (!decision.allowed) refuse(decision.rule, decision.message, decision.refused.length === 0 ? {} : { refused: decision.refused });
}

/** 403 with the policy rule's code unless the actor may do `action`. */
export function requireAction(actor: Actor, action: AdminAction): void {
  const decision = judgeAction(actor.permissions, action);
  if (!decision.allowed) refuse(decision.rule, decision.message);
}
