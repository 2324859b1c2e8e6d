/**
 * Bearer authentication: a secret token (stored as SHA-256, compared in constant time) or, for
 * SCIM, an Entra-issued JWT. The authenticated organisation is put on `res.locals.orgId`; nothing
 * downstream trusts anything else to decide which organisation a request belongs to.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import type { Database } from "../db/connection";
import { authenticateToken, hashToken, type TokenKind } from "../db/tokens";
import { type ScimError, unauthorized } from "../scim/errors";
import { type EntraVerifier, looksLikeJwt } from "./entra";

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
 * Optionally remembers which organisation a token hash authenticated (TOKEN_CACHE_SECONDS): the
 * token query is a third of the queries of a GET by id (bench/PROFILE.md). Off by default, since
 * a revoked token then keeps working for up to `ttlMs`. Only successes are cached.
 */
export class TokenCache {
  private readonly entries = new Map<string, { orgId: string; expires: number }>();

  constructor(
    private readonly ttlMs = 5000,
    private readonly maxEntries = 10000,
  ) {}

  get(token: string, now = Date.now()): string | null {
    if (this.ttlMs <= 0) return null;
    const entry = this.entries.get(token);
    if (!entry) return null;
    if (entry.expires > now) return entry.orgId;
    this.entries.delete(token);
    return null;
  }

  set(token: string, orgId: string, now = Date.now()): void {
    if (this.ttlMs <= 0) return;
    if (this.entries.size >= this.maxEntries) this.entries.clear();
    this.entries.set(token, { orgId, expires: now + this.ttlMs });
  }
}

export function authenticate(options: {
  db: Database;
  kind: TokenKind;
  entra?: EntraVerifier;
  cache?: TokenCache;
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
        next();
      })
      .catch(next);
  };
}

async function resolveOrg(
  options: { db: Database; kind: TokenKind; entra?: EntraVerifier; cache?: TokenCache },
  token: string,
): Promise<{ orgId: string; entraToken: boolean } | null> {
  if (options.entra && looksLikeJwt(token)) {
    const org = await options.entra.verify(options.db.knex, token);
    return org ? { orgId: org.id, entraToken: true } : null;
  }
  const key = hashToken(token);
  const cached = options.cache?.get(key);
  if (cached) return { orgId: cached, entraToken: false };
  const info = await authenticateToken(options.db.knex, options.kind, token);
  if (info) options.cache?.set(key, info.orgId);
  return info ? { orgId: info.orgId, entraToken: false } : null;
}
