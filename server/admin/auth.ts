/**
 * Who is calling the admin API: a member, by their OIDC token (`Authorization: Bearer`) or by the
 * console's session cookie through a {@link SessionReader} (server/console/sessions.ts). Product-service API tokens
 * and SCIM tokens are not members' tokens and never get in (401). The member must be an active SCIM
 * user of the organisation whose userName equals the token's username claim (403 not_a_member).
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../../db/connection";
import { type Actor, loadActor } from "../../roles/admin";
import { requestIdOf } from "../../http/request-id";
import { ApiError } from "../api-errors";
import { bearerToken } from "../auth";
import type { MemberTokens } from "../oidc/member-tokens";

/** A signed-in member as a session holds them: their organisation and userName claim. */
export interface SessionIdentity {
  readonly orgId: string;
  readonly userName: string;
}

/**
 * The console's hook: reads the session (a signed cookie) of a request that carries no bearer
 * token; null when there is none or it expired. State-changing requests it admits must already
 * have passed its CSRF check.
 */
export interface SessionReader {
  /** `touch: false`: a check that is not the member's activity (an open stream asking again), so it does not put off idle expiry. */
  read(req: Request, res: Response, options?: { touch?: boolean }): Promise<SessionIdentity | null>;
}

type MemberAuthDeps = { db: Database; tokens: MemberTokens; sessions?: SessionReader };

export function authenticateMember(deps: MemberAuthDeps): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    identify(deps, req, res)
      .then(async (identity) => {
        // The organisation goes where the request log looks for it (server/http-log.ts), as for SCIM and /api.
        res.locals.orgId = identity.orgId;
        res.locals.actor = { ...(await loadActor(deps.db.knex, identity.orgId, identity.userName)), requestId: requestIdOf(req) };
        next();
      })
      .catch(next);
  };
}

/**
 * The member of a request that outlives its start (the event stream), asked again as at the start:
 * the token (expiry included) or the session, then the member. Throws as the start would; the
 * session's idle clock does not move.
 */
export async function authenticateAgain(deps: MemberAuthDeps, req: Request, res: Response): Promise<Actor> {
  const identity = await identify(deps, req, res, { touch: false });
  return loadActor(deps.db.knex, identity.orgId, identity.userName);
}

async function identify(deps: MemberAuthDeps, req: Request, res: Response, options: { touch?: boolean } = {}): Promise<SessionIdentity> {
  const token = bearerToken(req);
  if (token === null) {
    const session = (await deps.sessions?.read(req, res, options)) ?? null;
    if (session !== null) return session;
    challenge(res, 'Bearer realm="admin"');
    throw new ApiError("unauthorized", "Sign in: send a member's OIDC token as a bearer token");
  }
  const verified = await deps.tokens.verify(deps.db.knex, token);
  if (verified.ok) return verified;
  if (verified.reason === "no_username_claim") {
    throw new ApiError("not_a_member", `The token has no '${verified.claim}' claim to find the member by`);
  }
  if (verified.reason === "email_unverified") {
    throw new ApiError("email_not_verified", `The issuer says ${verified.email} is not a verified address, so it does not identify a member`);
  }
  challenge(res, 'Bearer realm="admin", error="invalid_token"');
  throw new ApiError("unauthorized", `The bearer token is not a valid member token: ${verified.detail}`);
}

/** RFC 6750 §3's challenge, unless the response has begun (a stream asking again). */
function challenge(res: Response, value: string): void {
  if (!res.headersSent) res.setHeader("WWW-Authenticate", value);
}

/** The member authenticated for this request (set by authenticateMember). */
export function actorOf(res: Response): Actor {
  const actor: unknown = res.locals.actor;
  if (!isActor(actor)) throw new ApiError("unauthorized", "Sign in first");
  return actor;
}

function isActor(value: unknown): value is Actor {
  return typeof value === "object" && value !== null && "orgId" in value && "userName" in value && "permissions" in value && "may" in value;
}
