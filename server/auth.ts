/**
 * Bearer authentication: a secret token (stored as SHA-256, compared in constant time) or, for
 * SCIM, an Entra-issued JWT. The authenticated organisation is put on `res.locals.orgId`; nothing
 * downstream trusts anything else to decide which organisation a request belongs to.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../db/connection";
import { type TokenInfo, authenticateToken, hashToken, type TokenKind, tokenInForce } from "../db/tokens";
import { type ScimError, unauthorized } from "../scim/errors";
import { type EntraVerifier, looksLikeJwt } from "./entra";
import type { ReadCache } from "./read-cache";

export function bearerToken(req: Request): string | null {
  const header = req.get("authorization");
  if (!header) return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export function orgIdOf(res: Response): string {
  const orgId: unknown = res.locals.orgId;
  if (typeof orgId !== "string") throw unauthorized();
  return orgId;
}

/** Whether the authenticated request presented a token Entra issued (rather than a secret token). */
export function viaEntraToken(res: Response): boolean {
  return res.locals.entraToken === true;
}

/**
 * The token that authenticated the request: a secret token's id, or `entra` for an Entra-issued JWT
 * (one IdP connection each); null before authentication.
 */
export function tokenIdOf(res: Response): string | null {
  const id: unknown = res.locals.tokenId;
  return typeof id === "string" ? id : null;
}

export function authenticate(options: {
  db: Database;
  kind: TokenKind;
  entra?: EntraVerifier;
  /** Verified tokens kept in memory, coherently (server/read-cache.ts). */
  cache?: ReadCache<TokenInfo>;
  onError: (err: ScimError, req: Request, res: Response) => void;
}): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    const token = bearerToken(req);
    if (token === null) {
      res.setHeader("WWW-Authenticate", 'Bearer realm="scim"');
      options.onError(unauthorized("A bearer token is required"), req, res);
      return;
    }
    resolveOrg(options, token)
      .then((found) => {
        if (found === null) {
          res.setHeader("WWW-Authenticate", 'Bearer realm="scim", error="invalid_token"');
          options.onError(unauthorized("The bearer token is not valid"), req, res);
          return;
        }
        res.locals.orgId = found.orgId;
        res.locals.entraToken = found.entraToken;
        res.locals.tokenId = found.tokenId;
        next();
      })
      .catch(next);
  };
}

async function resolveOrg(
  options: { db: Database; kind: TokenKind; entra?: EntraVerifier; cache?: ReadCache<TokenInfo> },
  token: string,
): Promise<{ orgId: string; entraToken: boolean; tokenId: string } | null> {
  if (options.entra && looksLikeJwt(token)) {
    const org = await options.entra.verify(options.db.knex, token);
    return org ? { orgId: org.id, entraToken: true, tokenId: "entra" } : null;
  }
  const verify = () => authenticateToken(options.db.knex, options.kind, token);
  // Keyed by the hash, as the database keeps it: no plain token is held past its request.
  const info = options.cache ? await options.cache.get(hashToken(token), verify) : await verify();
  // An expiry passes without a write the cache could hear of, so a kept token is checked again here.
  return info && tokenInForce(info, Date.now()) ? { orgId: info.orgId, entraToken: false, tokenId: info.id } : null;
}
