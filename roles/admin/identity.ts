/**
 * Identity & Access: the organisation's single sign-on (its OIDC issuer and client), its SCIM
 * connections (each token's last request and recent errors) and its console session limits.
 * Identity & Access at view reads them all. Whoever controls the issuer signs in as anyone, so only
 * Owners and the Primary Owner change the sign-in settings and the session limits (mapping/grant.ts,
 * `sign_in_settings`); every change is in the admin log, in the same transaction. A client secret
 * is written, never read back.
 */
import { nowIso } from "../../db/json";
import { type OrgOidc, findOrgById, findOrgsByIssuer, setOrgOidc } from "../../db/orgs";
import { type ScimErrorEntry, type ScimRequestSummary, countScimErrors, listTokenUsage, readScimErrors } from "../../db/scim-activity";
import { type SessionLimits, findSessionLimits, setSessionLimits } from "../../db/session-limits";
import { type TokenInfo, findOrgToken, listTokens } from "../../db/tokens";
import { withAfterCommit } from "../../db/transaction";
import { type Actor, actorName, loadActor, requireAction, requireGrant } from "./actor";
import { refuse } from "./errors";
import { logAdminAction } from "./log";
import type { AdminDeps } from "./mapping";

/** Where the organisation's sign-in settings come from: the environment (OIDC_*, the default organisation) or the console. */
export type SignInSource = "environment" | "console";

export interface SignInView {
  readonly issuer: string | null;
  readonly clientId: string | null;
  /** Whether a client secret is stored (never the secret). */
  readonly clientSecretSet: boolean;
  readonly usernameClaim: string | null;
  /** Null when the console may change them; otherwise why not, in words. */
  readonly managedBy: { readonly source: "environment"; readonly reason: string } | null;
}

export interface SignInContext {
  /** The organisation whose sign-in the environment sets (DEFAULT_ORG with OIDC_ISSUER), if any. */
  readonly environmentOrgId: string | null;
}

const ENVIRONMENT_REASON = "The server's environment (OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET) sets this organisation's sign-in: change it there and restart. It is shown here read-only.";

export async function readSignIn(deps: AdminDeps, actor: Actor, context: SignInContext): Promise<SignInView> {
  requireAction(actor, "read_roles");
  const oidc = (await findOrgById(deps.db.knex, actor.orgId))?.oidc ?? null;
  return {
    issuer: oidc?.issuer ?? null,
    clientId: oidc?.clientId ?? null,
    clientSecretSet: oidc?.clientSecret !== null && oidc?.clientSecret !== undefined,
    usernameClaim: oidc?.usernameClaim ?? null,
    managedBy: context.environmentOrgId === actor.orgId ? { source: "environment", reason: ENVIRONMENT_REASON } : null,
  };
}

export interface SignInChange {
  readonly issuer: string;
  readonly clientId: string;
  /** undefined: keep the stored secret; null: a public client, without one. */
  readonly clientSecret: string | null | undefined;
  readonly usernameClaim: string;
}

/**
 * Stores the organisation's issuer and client once `checkIssuer` (the discovery check, which makes
 * an outbound request) accepted it. The policy is asked first, with the member as the request
 * found them, so that nobody without the right can make the server fetch a URL; then again inside
 * the writing transaction with the member re-read. Changing who vouches for members ends the
 * organisation's console sessions (db/orgs.ts), the writer's own included.
 */
export async function changeSignIn(
  deps: AdminDeps,
  signedIn: Actor,
  change: SignInChange,
  context: SignInContext & { readonly checkIssuer: (issuer: string) => Promise<unknown> },
): Promise<{ readonly view: SignInView; readonly sessionsEnded: number }> {
  requireGrant(signedIn, { kind: "sign_in_settings" });
  if (context.environmentOrgId === signedIn.orgId) refuse("managed_by_environment", ENVIRONMENT_REASON);
  checkClient(change);
  await context.checkIssuer(change.issuer);
  const sessionsEnded = await withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireGrant(actor, { kind: "sign_in_settings" });
    const taken = (await findOrgsByIssuer(tx, change.issuer)).find((org) => org.id !== actor.orgId && org.oidc?.clientId === change.clientId);
    if (taken !== undefined) refuse("sign_in_taken", "Another organisation already trusts this issuer and client; register a client of its own for this organisation at the issuer");
    const before = (await findOrgById(tx, actor.orgId))?.oidc ?? null;
    const secret = change.clientSecret === undefined ? (before?.clientSecret ?? null) : change.clientSecret;
    const settings: OrgOidc = {
      issuer: change.issuer,
      clientId: change.clientId,
      clientSecret: secret,
      // A fixed key set belongs to the issuer it was given for; a new issuer's keys come from its discovery document.
      jwks: before !== null && before.issuer === change.issuer ? before.jwks : null,
      usernameClaim: change.usernameClaim,
    };
    const ended = await setOrgOidc(tx, actor.orgId, settings);
    await logAdminAction(deps, tx, onCommit, actor.orgId, {
      actor: actorName(actor),
      action: "sign_in.set",
      target: change.issuer,
      detail: {
        issuer: change.issuer,
        clientId: change.clientId,
        usernameClaim: change.usernameClaim,
        clientSecret: change.clientSecret === undefined ? "kept" : change.clientSecret === null ? "removed" : "changed",
        previous: before === null ? null : { issuer: before.issuer, clientId: before.clientId, usernameClaim: before.usernameClaim },
        sessionsEnded: ended,
      },
    });
    return ended;
  });
  return { view: await readSignIn(deps, signedIn, context), sessionsEnded };
}

function checkClient(change: SignInChange): void {
  if (change.clientId.length > 300) refuse("invalid_request", "clientId must be at most 300 characters");
  if (change.clientSecret !== undefined && change.clientSecret !== null && (change.clientSecret.length === 0 || change.clientSecret.length > 1000)) {
    refuse("invalid_request", "clientSecret must be 1 to 1000 characters (null for a client without one)");
  }
  if (!/^[A-Za-z_][\w.:-]{0,99}$/.test(change.usernameClaim)) refuse("invalid_request", `usernameClaim must be a claim name such as email, got "${change.usernameClaim}"`);
}

/** A SCIM token with how it was last used and how many recent errors it has. */
export interface ScimConnection extends TokenInfo {
  /** The last request recorded (at most one a minute is recorded per token); null: never used since recording began. */
  readonly lastRequest: ScimRequestSummary | null;
  /** Errors in its recent-errors log (at most SCIM_ERRORS_KEPT). */
  readonly recentErrors: number;
}

export async function listScimConnections(deps: AdminDeps, actor: Actor): Promise<ScimConnection[]> {
  requireAction(actor, "read_roles");
  const [tokens, usage, errors] = await Promise.all([listTokens(deps.db.knex, actor.orgId), listTokenUsage(deps.db.knex, actor.orgId), countScimErrors(deps.db.knex, actor.orgId)]);
  return tokens.filter((t) => t.kind === "scim").map((t) => ({ ...t, lastRequest: usage.get(t.id) ?? null, recentErrors: errors.get(t.id) ?? 0 }));
}

export async function readTokenErrors(deps: AdminDeps, actor: Actor, tokenId: string): Promise<ScimErrorEntry[]> {
  requireAction(actor, "read_roles");
  if ((await findOrgToken(deps.db.knex, actor.orgId, "scim", tokenId)) === null) refuse("token_not_found", `No SCIM token with id ${tokenId}`);
  return readScimErrors(deps.db.knex, actor.orgId, tokenId);
}

export interface SessionLimitsView extends SessionLimits {
  /** The operator's limits (CONSOLE_IDLE_MINUTES, CONSOLE_SESSION_HOURS): the defaults, and the most an organisation may set. */
  readonly defaults: SessionLimits;
  /** Whether the organisation set its own (else the defaults hold). */
  readonly custom: boolean;
  readonly updatedBy: string | null;
  readonly updatedAt: string | null;
}

export async function readSessionLimits(deps: AdminDeps, actor: Actor, defaults: SessionLimits): Promise<SessionLimitsView> {
  requireAction(actor, "read_roles");
  return viewOf(await findSessionLimits(deps.db.knex, actor.orgId), defaults);
}

/**
 * Sets the organisation's console session limits (null: back to the defaults). Each is a whole
 * number from 1 to the operator's, and the idle limit no longer than the absolute one: an
 * organisation may shorten its sessions, never lengthen them past what the operator allows.
 */
export async function changeSessionLimits(deps: AdminDeps, signedIn: Actor, limits: SessionLimits | null, defaults: SessionLimits): Promise<SessionLimitsView> {
  if (limits !== null) {
    const { idleMinutes, sessionHours } = limits;
    if (!Number.isInteger(idleMinutes) || idleMinutes < 1 || idleMinutes > defaults.idleMinutes) refuse("invalid_request", `idleMinutes must be a whole number from 1 to ${defaults.idleMinutes}`);
    if (!Number.isInteger(sessionHours) || sessionHours < 1 || sessionHours > defaults.sessionHours) refuse("invalid_request", `sessionHours must be a whole number from 1 to ${defaults.sessionHours}`);
    if (idleMinutes > sessionHours * 60) refuse("invalid_request", "idleMinutes must not exceed the absolute limit (sessionHours × 60)");
  }
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireGrant(actor, { kind: "sign_in_settings" });
    const before = await findSessionLimits(tx, actor.orgId);
    const at = nowIso();
    await setSessionLimits(tx, actor.orgId, limits, { actor: actorName(actor), at });
    await logAdminAction(deps, tx, onCommit, actor.orgId, {
      actor: actorName(actor),
      action: "session_limits.set",
      target: null,
      detail: { before: before === null ? null : { idleMinutes: before.idleMinutes, sessionHours: before.sessionHours }, after: limits },
    });
    return viewOf(limits === null ? null : { ...limits, updatedBy: actorName(actor), updatedAt: at }, defaults);
  });
}

function viewOf(stored: (SessionLimits & { updatedBy: string; updatedAt: string }) | null, defaults: SessionLimits): SessionLimitsView {
  if (stored === null) return { ...defaults, defaults, custom: false, updatedBy: null, updatedAt: null };
  return {
    idleMinutes: Math.min(stored.idleMinutes, defaults.idleMinutes),
    sessionHours: Math.min(stored.sessionHours, defaults.sessionHours),
    defaults,
    custom: true,
    updatedBy: stored.updatedBy,
    updatedAt: stored.updatedAt,
  };
}
