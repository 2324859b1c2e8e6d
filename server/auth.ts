import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../db/connection";
import { authenticateToken, type TokenKind } from "../db/tokens";
import { type ScimError, unauthorized } from "../scim/errors";
import { type EntraVerifier, looksLikeJwt } from "./entra";

/**
 * Bearer authentication: a secret token (stored as SHA-256, compared in constant time) or, for
 * SCIM, an Entra-issued JWT. The authenticated organisation is put on `res.locals.orgId`; nothing
 * downstream trusts anything else to decide which organisation a request belongs to.
 */
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

export function authenticate(options: {
  db: Database;
  kind: TokenKind;
  entra?: EntraVerifier;
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
      .then((orgId) => {
        if (orgId === null) {
          res.setHeader("WWW-Authenticate", 'Bearer realm="scim", error="invalid_token"');
          options.onError(unauthorized("The bearer token is not valid"), req, res);
          return;
        }
        res.locals.orgId = orgId;
        next();
      })
      .catch(next);
  };
}

async function resolveOrg(options: { db: Database; kind: TokenKind; entra?: EntraVerifier }, token: string): Promise<string | null> {
  if (options.entra && looksLikeJwt(token)) {
    const org = await options.entra.verify(options.db.knex, token);
    return org?.id ?? null;
  }
  const info = await authenticateToken(options.db.knex, options.kind, token);
  return info?.orgId ?? null;
}
