/**
 * The console's sign-in: the OpenID Connect authorization-code flow with PKCE (RFC 7636, S256),
 * `state` (RFC 6749 §10.12) and `nonce` (OpenID Connect Core §3.1.2.1), run with openid-client on
 * the issuer configuration server/oidc/issuers.ts discovers at first use. What the browser must bring
 * back — verifier, state, nonce, organisation — waits in a short-lived signed cookie, so any replica
 * can finish a sign-in another started. The ID token is verified again with jose (signature with the
 * issuer's keys, `iss`, `aud`, expiry; openid-client has checked `nonce`), and its username claim
 * finds the member exactly as a bearer token does: unknown or inactive is refused.
 */
import type { Request, Response } from "express";
import * as client from "openid-client";
import type { Database } from "../../db/connection";
import { type Org, findOrgById, findOrgByName } from "../../db/orgs";
import { AdminError, loadActor } from "../../roles/admin";
import type { Logger } from "../../scim/respond";
import { IssuerUnavailableError, type OidcIssuers } from "../oidc/issuers";
import type { MemberToken, MemberTokens } from "../oidc/member-tokens";
import { clearCookie, readCookie, setCookie, sign, unsign } from "./cookies";
import { sendPage } from "./pages";
import type { ConsoleSessions } from "./sessions";

export const SIGN_IN_COOKIE = "console_signin";
const CALLBACK = "/console/callback";
/** How long a browser may spend at the issuer between leaving and coming back. */
const SIGN_IN_SECONDS = 600;
const SCOPE = "openid email profile";

export interface SignInDeps {
  readonly db: Database;
  readonly issuers: OidcIssuers;
  readonly tokens: MemberTokens;
  readonly sessions: ConsoleSessions;
  readonly logger: Logger;
  /** The organisation signed in to when the sign-in does not name one (DEFAULT_ORG). */
  readonly defaultOrg: string;
}

interface PendingSignIn {
  readonly orgId: string;
  readonly state: string;
  readonly nonce: string;
  readonly verifier: string;
  /** Milliseconds since the epoch after which the sign-in must start again. */
  readonly until: number;
}

/** The redirect URI registered at the issuer: `<public URL>/console/callback`. */
export function redirectUri(publicUrl: string): string {
  return `${publicUrl}${CALLBACK}`;
}

/** The callback's path as the browser sees it (behind a proxy, PUBLIC_URL's path prefix comes first): the sign-in cookie goes only there. */
function callbackPath(publicUrl: string): string {
  return new URL(redirectUri(publicUrl)).pathname;
}

/** Sends the browser to the organisation's issuer (`?org=` names one; DEFAULT_ORG otherwise). */
export async function startSignIn(deps: SignInDeps, req: Request, res: Response): Promise<void> {
  const orgName = typeof req.query.org === "string" && req.query.org !== "" ? req.query.org : deps.defaultOrg;
  const org = await findOrgByName(deps.db.knex, orgName);
  if (org === null || org.oidc === null) {
    sendPage(res, 404, { title: "Sign-in is not set up", message: `The organisation ${orgName} has no OIDC issuer for its members to sign in with (OIDC_ISSUER, or cli oidc --org ${orgName}).` });
    return;
  }
  const configuration = await issuerConfiguration(deps, org, res);
  if (configuration === null) return;
  const verifier = client.randomPKCECodeVerifier();
  const pending: PendingSignIn = {
    orgId: org.id,
    state: client.randomState(),
    nonce: client.randomNonce(),
    verifier,
    until: deps.sessions.settings.now() + SIGN_IN_SECONDS * 1000,
  };
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri(deps.sessions.settings.publicUrl),
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
  });
  const value = sign(await deps.sessions.signingKey(), SIGN_IN_COOKIE, Buffer.from(JSON.stringify(pending)).toString("base64url"));
  setCookie(res, SIGN_IN_COOKIE, value, { path: callbackPath(deps.sessions.settings.publicUrl), secure: deps.sessions.secure, maxAge: SIGN_IN_SECONDS });
  res.setHeader("Cache-Control", "no-store");
  res.redirect(302, url.href);
}

/** The issuer sends the browser back here: exchange the code, verify, find the member, open the session. */
export async function finishSignIn(deps: SignInDeps, req: Request, res: Response): Promise<void> {
  const pending = await readPending(deps, req);
  clearCookie(res, SIGN_IN_COOKIE, { path: callbackPath(deps.sessions.settings.publicUrl), secure: deps.sessions.secure });
  const again = { href: consoleHome(deps.sessions.settings.publicUrl), text: "Sign in again" };
  if (pending === null) {
    sendPage(res, 400, { title: "Sign-in expired", message: "This sign-in was not started here, or took longer than ten minutes. Start again.", link: again });
    return;
  }
  const org = await findOrgById(deps.db.knex, pending.orgId);
  if (org === null || org.oidc === null) {
    sendPage(res, 400, { title: "Sign-in is not set up", message: "The organisation no longer has an OIDC issuer to sign in with." });
    return;
  }
  const configuration = await issuerConfiguration(deps, org, res);
  if (configuration === null) return;

  const current = new URL(redirectUri(deps.sessions.settings.publicUrl));
  current.search = new URL(req.originalUrl, "http://callback.invalid").search;
  let idToken: string | undefined;
  try {
    const tokens = await client.authorizationCodeGrant(configuration, current, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    idToken = tokens.id_token;
  } catch (err) {
    if (isProtocolError(err)) {
      deps.logger.warn({ err, org: org.name }, "console sign-in refused");
      sendPage(res, 400, { title: "Sign-in failed", message: `The sign-in could not be completed: ${protocolMessage(err)}`, link: again });
      return;
    }
    deps.logger.warn({ err, org: org.name }, "console sign-in: the issuer could not be reached");
    sendPage(res, 503, { title: "Sign-in provider unavailable", message: "The organisation's sign-in provider cannot be reached; try again later.", link: again });
    return;
  }
  if (idToken === undefined) {
    sendPage(res, 400, { title: "Sign-in failed", message: "The issuer sent no ID token.", link: again });
    return;
  }

  const verified = await deps.tokens.verifyFor(org, idToken);
  if (!verified.ok) {
    sendPage(res, verified.reason === "invalid" ? 400 : 403, { title: "Sign-in failed", message: refusalMessage(verified), link: again });
    return;
  }
  let member: { id: string; userName: string };
  try {
    member = await loadActor(deps.db.knex, org.id, verified.userName);
  } catch (err) {
    if (err instanceof AdminError && err.code === "not_a_member") {
      sendPage(res, 403, { title: "Not a member", message: `You are not a member of ${org.name}: ${verified.userName} is not an active user of this organisation.` });
      return;
    }
    throw err;
  }
  // A new session id at every sign-in, and the browser's previous session ended: nothing set before
  // signing in survives it (session fixation, OWASP Session Management Cheat Sheet).
  const previous = await deps.sessions.current(req);
  if (previous !== null) await deps.sessions.discard(previous);
  await deps.sessions.start(res, org.id, member);
  res.setHeader("Cache-Control", "no-store");
  res.redirect(302, consoleHome(deps.sessions.settings.publicUrl));
}

function refusalMessage(refused: Exclude<MemberToken, { ok: true }>): string {
  switch (refused.reason) {
    case "no_username_claim":
      return `The ID token has no '${refused.claim}' claim to find the member by.`;
    case "email_unverified":
      return `Your sign-in provider says ${refused.email} is not verified: verify the address there, then sign in again.`;
    case "invalid":
      return `The ID token is not valid: ${refused.detail}`;
  }
}

/** `/console/`, after PUBLIC_URL's path prefix when it has one. */
function consoleHome(publicUrl: string): string {
  return `${new URL(publicUrl).pathname.replace(/\/$/, "")}/console/`;
}

/** The issuer's configuration, or null after answering 503 (discovery failed; it is retried next time). */
async function issuerConfiguration(deps: SignInDeps, org: Org, res: Response): Promise<client.Configuration | null> {
  if (org.oidc === null) return null;
  if (org.oidc.clientSecret === null) {
    sendPage(res, 503, { title: "Sign-in is not set up", message: `The organisation ${org.name} has no client secret for the console's sign-in (OIDC_CLIENT_SECRET, or cli oidc --client-secret).` });
    return null;
  }
  try {
    return await deps.issuers.configuration(org.oidc);
  } catch (err) {
    if (!(err instanceof IssuerUnavailableError)) throw err;
    deps.logger.warn({ err, org: org.name }, "console sign-in: OIDC discovery failed");
    sendPage(res, 503, { title: "Sign-in provider unavailable", message: "The organisation's sign-in provider cannot be reached; try again later.", link: { href: consoleHome(deps.sessions.settings.publicUrl), text: "Try again" } });
    return null;
  }
}

async function readPending(deps: SignInDeps, req: Request): Promise<PendingSignIn | null> {
  const value = readCookie(req, SIGN_IN_COOKIE);
  if (value === null) return null;
  const payload = unsign(await deps.sessions.signingKey(), SIGN_IN_COOKIE, value);
  if (payload === null) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload, "base64url").toString("utf8"));
  } catch {
    return null;
  }
  if (!isPending(parsed) || parsed.until <= deps.sessions.settings.now()) return null;
  return parsed;
}

function isPending(value: unknown): value is PendingSignIn {
  if (typeof value !== "object" || value === null) return false;
  const v: Record<string, unknown> = { ...value };
  return typeof v["orgId"] === "string" && typeof v["state"] === "string" && typeof v["nonce"] === "string" && typeof v["verifier"] === "string" && typeof v["until"] === "number";
}

/** A refusal by the issuer or a response that failed a check (state, nonce, iss, code), as opposed to a network failure. */
function isProtocolError(err: unknown): boolean {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) return true;
  return err instanceof Error && "code" in err && typeof err.code === "string" && /^OAUTH_/.test(err.code);
}

function protocolMessage(err: unknown): string {
  if (err instanceof client.AuthorizationResponseError || err instanceof client.ResponseBodyError) {
    return err.error_description === undefined ? err.error : `${err.error}: ${err.error_description}`;
  }
  return err instanceof Error ? err.message : String(err);
}
