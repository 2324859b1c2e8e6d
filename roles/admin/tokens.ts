/**
 * The SCIM connection's bearer tokens, for the console's Organisation page: listed, created (the
 * token shown once, stored only as a SHA-256), rotated and revoked. Whoever holds a SCIM token can
 * write any user's groups and `roles`, so make anyone an Owner or deactivate the Owners: a token is
 * Owner-equivalent, and only Owners and the Primary Owner create or rotate one (mapping/grant.ts).
 * Identity & Access managers may list and revoke them, for incident response. Every create, rotate
 * and revoke is in the admin log.
 */
import { lockOrgPermissions } from "../../db/locks";
import { type TokenInfo, type TokenKind, createToken, expireTokenBy, findOrgToken, listTokens, revokeOrgToken, tokenInForce } from "../../db/tokens";
import { withAfterCommit } from "../../db/transaction";
import { type Actor, actorName, loadActor, requireAction, requireGrant } from "./actor";
import { refuse } from "./errors";
import { logAdminAction } from "./log";
import type { AdminDeps } from "./mapping";

/** How long a rotated token keeps working beside its successor unless the request says otherwise: time to paste the new one into the IdP. */
export const DEFAULT_ROTATION_OVERLAP_SECONDS = 3600;
/** The longest overlap a rotation may ask for (7 days): a rotation must end the old token. */
export const MAX_ROTATION_OVERLAP_SECONDS = 7 * 24 * 3600;

export async function listScimTokens(deps: AdminDeps, actor: Actor): Promise<TokenInfo[]> {
  requireAction(actor, "read_roles");
  return (await listTokens(deps.db.knex, actor.orgId)).filter((token) => token.kind === "scim");
}

export interface NewToken {
  readonly label: string | null;
  /** ISO-8601; null: valid until revoked. */
  readonly expiresAt: string | null;
}

export async function createScimToken(deps: AdminDeps, signedIn: Actor, request: NewToken): Promise<{ token: string; info: TokenInfo }> {
  const label = checkedLabel(request.label);
  const expiresAt = checkedExpiry(request.expiresAt);
  return withAfterCommit(deps.db, async (tx, after) => {
    await lockOrgPermissions(tx, signedIn.orgId, "shared");
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireGrant(actor, { kind: "scim_token", op: "create" });
    const created = await createToken(tx, { orgId: actor.orgId, kind: "scim", label: label ?? `created by ${actorName(actor)}`, expiresAt, createdBy: actorName(actor) });
    await logAdminAction(deps, tx, after, actor.orgId, { actor: actorName(actor), action: "scim_token.create", target: created.info.id, detail: { label: created.info.label, expiresAt } });
    return created;
  });
}

/**
 * Replaces a token without a gap: the new token is created first, then the old one is given an
 * expiry `overlapSeconds` from now (sooner if it already had one), so both work while the IdP is
 * reconfigured and the old one stops by itself.
 */
export async function rotateScimToken(
  deps: AdminDeps,
  signedIn: Actor,
  id: string,
  request: NewToken & { readonly overlapSeconds: number | null },
): Promise<{ token: string; info: TokenInfo; replaced: TokenInfo }> {
  const label = checkedLabel(request.label);
  const expiresAt = checkedExpiry(request.expiresAt);
  const overlap = request.overlapSeconds ?? DEFAULT_ROTATION_OVERLAP_SECONDS;
  if (!Number.isInteger(overlap) || overlap < 0 || overlap > MAX_ROTATION_OVERLAP_SECONDS) {
    refuse("invalid_request", `overlapSeconds must be a whole number from 0 to ${MAX_ROTATION_OVERLAP_SECONDS}`);
  }
  return withAfterCommit(deps.db, async (tx, after) => {
    await lockOrgPermissions(tx, signedIn.orgId, "shared");
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireGrant(actor, { kind: "scim_token", op: "rotate" });
    const old = await findOrgToken(tx, actor.orgId, "scim", id, { forUpdate: true });
    if (old === null) refuse("token_not_found", `No SCIM token with id ${id}`);
    if (!tokenInForce(old, Date.now())) refuse("token_inactive", `The SCIM token ${id} is already revoked or expired; create a new one instead.`);
    const created = await createToken(tx, { orgId: actor.orgId, kind: "scim", label: label ?? `rotation of ${old.label ?? old.id}`, expiresAt, createdBy: actorName(actor) });
    const oldExpiry = new Date(Date.now() + overlap * 1000).toISOString();
    await expireTokenBy(tx, old.id, oldExpiry);
    await logAdminAction(deps, tx, after, actor.orgId, {
      actor: actorName(actor),
      action: "scim_token.rotate",
      target: old.id,
      detail: { replacement: created.info.id, oldExpiresAt: oldExpiry, overlapSeconds: overlap },
    });
    const replaced = await findOrgToken(tx, actor.orgId, "scim", old.id);
    return { ...created, replaced: replaced ?? old };
  });
}

export async function revokeScimToken(deps: AdminDeps, signedIn: Actor, id: string): Promise<void> {
  await withAfterCommit(deps.db, async (tx, after) => {
    await lockOrgPermissions(tx, signedIn.orgId, "shared");
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireGrant(actor, { kind: "scim_token", op: "revoke" });
    if (!(await revokeOrgToken(tx, actor.orgId, "scim", id))) refuse("token_not_found", `No SCIM token with id ${id}`);
    await logAdminAction(deps, tx, after, actor.orgId, { actor: actorName(actor), action: "scim_token.revoke", target: id, detail: {} });
  });
}

/**
 * An operator on the server's machine (the CLI): no member's grant applies to them, but their
 * writes go through the same steps and into the same admin log as a member's, under their name.
 */
export interface Operator {
  readonly orgId: string;
  /** `cli:<os user>`: how the admin log and the token's `createdBy` name them. */
  readonly name: string;
}

const TOKEN_NOUN: Readonly<Record<TokenKind, string>> = { scim: "SCIM token", api: "permissions API token" };

/** A SCIM or permissions API token created by an operator, logged as `<kind>_token.create`. */
export async function createTokenAsOperator(
  deps: Pick<AdminDeps, "db" | "sync">,
  operator: Operator,
  request: NewToken & { readonly kind: TokenKind },
): Promise<{ token: string; info: TokenInfo }> {
  const label = checkedLabel(request.label);
  const expiresAt = checkedExpiry(request.expiresAt);
  return withAfterCommit(deps.db, async (tx, after) => {
    const created = await createToken(tx, { orgId: operator.orgId, kind: request.kind, label: label ?? `created by ${operator.name}`, expiresAt, createdBy: operator.name });
    await logAdminAction(deps, tx, after, operator.orgId, { actor: operator.name, action: `${request.kind}_token.create`, target: created.info.id, detail: { label: created.info.label, expiresAt } });
    return created;
  });
}

/** Revokes one of the organisation's tokens of `kind`; a token of the other kind is not found. */
export async function revokeTokenAsOperator(deps: Pick<AdminDeps, "db" | "sync">, operator: Operator, kind: TokenKind, id: string): Promise<void> {
  await withAfterCommit(deps.db, async (tx, after) => {
    if (!(await revokeOrgToken(tx, operator.orgId, kind, id))) refuse("token_not_found", `No ${TOKEN_NOUN[kind]} with id ${id} in this organisation`);
    await logAdminAction(deps, tx, after, operator.orgId, { actor: operator.name, action: `${kind}_token.revoke`, target: id, detail: {} });
  });
}

function checkedLabel(label: string | null): string | null {
  if (label !== null && label.length > 200) refuse("invalid_request", "label must be at most 200 characters");
  return label;
}

/** A future instant, normalised to the stored form (ISO-8601 UTC with milliseconds, which sorts as text). */
function checkedExpiry(expiresAt: string | null): string | null {
  if (expiresAt === null) return null;
  const at = Date.parse(expiresAt);
  if (Number.isNaN(at)) refuse("invalid_request", "expiresAt must be an ISO-8601 date and time, such as 2027-01-31T00:00:00Z");
  if (at <= Date.now()) refuse("invalid_request", "expiresAt must be in the future");
  return new Date(at).toISOString();
}
