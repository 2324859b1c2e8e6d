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
import type { Logger } from "../../http/logger";
import { IssuerUnavailableError, type OidcIssuers } from "../oidc/issuers";
import type { MemberToken, MemberTokens } from "../oidc/member-tokens";
import { clearCookie, readCookie, setCookie, sign, unsign } from "./cookies";
import { type PageLink, sendPage } from "./pages";
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
  /** The console page asked for (a path under /console, checked by {@link consoleReturnPath}), opened after sign-in. */
  readonly returnTo: string;
}

/** The longest page address carried through a sign-in; a longer one returns to the console's home. */
const RETURN_PATH_MAX = 2048;

/**
 * The page under /console a request asked for (`/roles/finance?tab=rules`), to open once signed in;
 * "/" (the console's home) for anything that is not plainly a path of this console: another origin
 * (`//host`), a backslash some browsers read as a slash, control characters, an encoded slash or
 * dot segment that could climb out of /console, or a path too long to carry in a cookie.
 */
export function consoleReturnPath(originalUrl: string): string {
  const match = /^\/console(\/[^?#]*)?(\?[^#]*)?$/.exec(originalUrl);
  if (match === null) return "/";
  const path = match[1] ?? "/";
  const search = match[2] ?? "";
  const returnTo = `${path}${search}`;
  if (returnTo.length > RETURN_PATH_MAX || path.startsWith("//") || /[\\\u0000-\u001f\u007f]/.test(returnTo)) return "/";
  if (/%2f|%5c|(^|\/)\.\.?(\/|$)|(^|\/)%2e/i.test(path)) return "/";
  // Pages the browser only passes through: coming back to them would start another sign-in.
  if (/^\/(callback|sign-out|switch-account)(\/|$)/.test(path)) return "/";
  return returnTo;
}

/** The redirect URI registered at the issuer: `<public URL>/console/callback`. */
export function redirectUri(publicUrl: string): string {
  return `${publicUrl}${CALLBACK}`;
}

/** The callback's path as the browser sees it (behind a proxy, PUBLIC_URL's path prefix comes first): the sign-in cookie goes only there. */
function callbackPath(publicUrl: string): string {
  return new URL(redirectUri(publicUrl)).pathname;
}

/**
 * Sends the browser to the organisation's issuer (`?org=` names one; DEFAULT_ORG otherwise), to
 * come back to `returnTo`. `switchAccount`: the issuer is asked to let the person choose another
 * account (`prompt=select_account` where its discovery document lists it, else `prompt=login`).
 */
export async function startSignIn(deps: SignInDeps, req: Request, res: Response, options: { returnTo?: string; switchAccount?: boolean } = {}): Promise<void> {
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
    returnTo: options.returnTo ?? "/",
  };
  const prompt: Record<string, string> = options.switchAccount ? { prompt: offersAccountChoice(configuration) ? "select_account" : "login" } : {};
  const url = client.buildAuthorizationUrl(configuration, {
    redirect_uri: redirectUri(deps.sessions.settings.publicUrl),
    scope: SCOPE,
    code_challenge: await client.calculatePKCECodeChallenge(verifier),
    code_challenge_method: "S256",
    state: pending.state,
    nonce: pending.nonce,
    ...prompt,
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
  const ways = waysOn(deps.sessions.settings.publicUrl);
  const again = ways.again;
  const others = [ways.switchAccount, ways.signOut];
  if (pending === null) {
    sendPage(res, 400, { title: "Sign-in expired", message: "This sign-in was not started here, or took longer than ten minutes. Start again.", link: again, actions: others, base: ways.base });
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
      sendPage(res, 400, { title: "Sign-in failed", message: `The sign-in could not be completed: ${protocolMessage(err)}`, link: again, actions: others, base: ways.base });
      return;
    }
    deps.logger.warn({ err, org: org.name }, "console sign-in: the issuer could not be reached");
    sendPage(res, 503, { title: "Sign-in provider unavailable", message: "The organisation's sign-in provider cannot be reached; try again later.", link: { ...again, text: "Try again" }, actions: others, base: ways.base });
    return;
  }
  if (idToken === undefined) {
    sendPage(res, 400, { title: "Sign-in failed", message: "The issuer sent no ID token.", link: again, actions: others, base: ways.base });
    return;
  }

  const verified = await deps.tokens.verifyFor(org, idToken);
  if (!verified.ok) {
    sendPage(res, verified.reason === "invalid" ? 400 : 403, { title: "Sign-in failed", message: refusalMessage(verified), link: again, actions: others, base: ways.base });
    return;
  }
  let member: { id: string; userName: string };
  try {
    member = await loadActor(deps.db.knex, org.id, verified.userName);
  } catch (err) {
    if (err instanceof AdminError && err.code === "not_a_member") {
      sendPage(res, 403, {
        title: "Not a member",
        message: `You are not a member of ${org.name}: ${verified.userName} is not an active user of this organisation. If you have another account, use it; otherwise ask an Owner of ${org.name} to add you.`,
        link: ways.switchAccount,
        actions: [ways.signOut],
        base: ways.base,
      });
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
  res.redirect(302, `${consoleBase(deps.sessions.settings.publicUrl)}/console${pending.returnTo}`);
}

/**
 * "Sign out" from a page that has no session to end (a refusal): the person is still signed in at
 * their organisation's issuer, so they are sent to its end-session endpoint (OpenID Connect
 * RP-Initiated Logout 1.0) when its discovery document has one; otherwise told to sign out there.
 * A console session is never ended by this GET (a link on another site could end it): the
 * application's own sign-out is a POST with the CSRF token.
 */
export async function signOutAtIssuer(deps: SignInDeps, req: Request, res: Response): Promise<void> {
  const ways = waysOn(deps.sessions.settings.publicUrl);
  const orgName = typeof req.query.org === "string" && req.query.org !== "" ? req.query.org : deps.defaultOrg;
  const org = await findOrgByName(deps.db.knex, orgName);
  const configuration = org === null || org.oidc === null ? null : await issuerConfiguration(deps, org, res);
  if (res.headersSent) return;
  const endSession = configuration?.serverMetadata().end_session_endpoint;
  if (configuration !== null && org !== null && endSession !== undefined) {
    const url = new URL(endSession);
    url.searchParams.set("client_id", configuration.clientMetadata().client_id);
    res.setHeader("Cache-Control", "no-store");
    res.redirect(302, url.href);
    return;
  }
  sendPage(res, 200, {
    title: "Sign out at your sign-in provider",
    message: "The console holds no session for you here. Your organisation's sign-in provider does not offer a way to sign out from this page: sign out there, then sign in again.",
    link: ways.again,
    actions: [ways.switchAccount],
    base: ways.base,
  });
}

/** The links every sign-in page offers. */
function waysOn(publicUrl: string): { base: string; again: PageLink; switchAccount: PageLink; signOut: PageLink } {
  const base = consoleBase(publicUrl);
  return {
    base,
    again: { href: `${base}/console/`, text: "Sign in again" },
    switchAccount: { href: `${base}/console/switch-account`, text: "Use another account" },
    signOut: { href: `${base}/console/sign-out`, text: "Sign out" },
  };
}

/** Whether the issuer says it can let the person pick an account (OpenID Connect Prompt Create §4.1, `prompt_values_supported`). */
function offersAccountChoice(configuration: client.Configuration): boolean {
  const supported: unknown = configuration.serverMetadata()["prompt_values_supported"];
  return Array.isArray(supported) && supported.includes("select_account");
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

/** PUBLIC_URL's path prefix ("" when it has none): where this server's paths start in the browser. */
export function consoleBase(publicUrl: string): string {
  return new URL(publicUrl).pathname.replace(/\/$/, "");
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
    const ways = waysOn(deps.sessions.settings.publicUrl);
    sendPage(res, 503, { title: "Sign-in provider unavailable", message: "The organisation's sign-in provider cannot be reached; try again later.", link: { ...ways.again, text: "Try again" }, actions: [ways.switchAccount, ways.signOut], base: ways.base });
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
  return (
    typeof v["orgId"] === "string" && typeof v["state"] === "string" && typeof v["nonce"] === "string" && typeof v["verifier"] === "string" && typeof v["until"] === "number" &&
    typeof v["returnTo"] === "string" && consoleReturnPath(`/console${v["returnTo"]}`) === v["returnTo"]
  );
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
