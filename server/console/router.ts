/**
 * /console: the admin console's single-page application (built by Vite into console/dist) and the
 * server side it needs — sign-in and its callback, the session, sign-out. Every response carries a
 * strict Content-Security-Policy (no inline script or style, nothing from another origin, no
 * framing); HTML and the session are never cached, assets (content-hashed names) forever.
 *
 *   GET  /console, /console/<page>   the application with a session; otherwise off to the issuer
 *   GET  /console/assets/<file>      static files, no session needed
 *   GET  /console/callback           the issuer's redirect (sign-in.ts)
 *   GET  /console/switch-account     signs in again, asking the issuer to let the person choose an account
 *   GET  /console/sign-out           off to the issuer's end-session endpoint (no console session is ended)
 *   GET  /console/page.css           the server-rendered pages' stylesheet
 *   GET  /console/session            who is signed in, the CSRF token (401 JSON without a session)
 *   POST /console/logout             ends the session (X-CSRF-Token), 204
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import express, { type NextFunction, type Request, type Response, Router } from "express";
import type { Database } from "../../db/connection";
import { findOrgById } from "../../db/orgs";
import { findSessionLimits } from "../../db/session-limits";
import { findUserByUserName } from "../../db/users";
import type { Logger } from "../../http/logger";
import { ApiError, sendApiError, toApiError } from "../api-errors";
import type { OidcIssuers } from "../oidc/issuers";
import type { MemberTokens } from "../oidc/member-tokens";
import { PAGE_CSS, PAGE_CSS_PATH, sendPage } from "./pages";
import type { ConsoleSessions } from "./sessions";
import { consoleReturnPath, finishSignIn, signOutAtIssuer, startSignIn } from "./sign-in";
import { requestIdOf } from "../../http/request-id";
import { asyncRoute } from "../../http/route";

export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "frame-ancestors 'none'",
  "form-action 'self'",
].join("; ");

export interface ConsoleRouterDeps {
  readonly db: Database;
  readonly sessions: ConsoleSessions;
  readonly issuers: OidcIssuers;
  readonly tokens: MemberTokens;
  readonly logger: Logger;
  readonly defaultOrg: string;
  /** The built application: `index.html` and `assets/` (console/dist). */
  readonly distDir: string;
}

/** Content-hashed file names never change content: cache them for a year (RFC 8246 `immutable`). */
const ASSET_MAX_AGE_MS = 365 * 86_400_000;

export function consoleRouter(deps: ConsoleRouterDeps): Router {
  const router = Router();
  const route = asyncRoute;
  const signIn = { db: deps.db, issuers: deps.issuers, tokens: deps.tokens, sessions: deps.sessions, logger: deps.logger, defaultOrg: deps.defaultOrg };

  router.use(securityHeaders);
  router.use(
    "/assets",
    express.static(join(deps.distDir, "assets"), { immutable: true, maxAge: ASSET_MAX_AGE_MS, index: false, redirect: false, fallthrough: true }),
    (_req: Request, res: Response) => sendPage(res, 404, { title: "Not found", message: "No such file." }),
  );
  router.get("/callback", route(async (req, res) => finishSignIn(signIn, req, res)));
  router.get("/switch-account", route(async (req, res) => startSignIn(signIn, req, res, { switchAccount: true })));
  router.get("/sign-out", route(async (req, res) => signOutAtIssuer(signIn, req, res)));
  router.get(PAGE_CSS_PATH, (_req: Request, res: Response) => {
    res.type("css").setHeader("Cache-Control", "public, max-age=3600");
    res.send(PAGE_CSS);
  });

  router.get("/session", route(async (req, res) => {
    res.setHeader("Cache-Control", "no-store");
    const session = await deps.sessions.current(req);
    if (session === null) throw new ApiError("unauthorized", "No console session: sign in at /console");
    const [org, user, limits] = await Promise.all([findOrgById(deps.db.knex, session.orgId), findUserOf(deps.db, session.orgId, session.userName), findSessionLimits(deps.db.knex, session.orgId)]);
    if (org === null || user === null) throw new ApiError("not_a_member", `${session.userName} is no longer a member of this organisation`);
    res.json({
      org: { id: org.id, name: org.name },
      member: user,
      csrfToken: session.csrfToken,
      scimBaseUrl: `${deps.sessions.settings.publicUrl}/scim/v2`,
      expiresAt: new Date(deps.sessions.endsAt(session, limits)).toISOString(),
    });
  }));

  router.post("/logout", route(async (req, res) => {
    const session = await deps.sessions.current(req);
    if (session !== null) deps.sessions.checkRequest(req, session);
    await deps.sessions.end(res, session);
    res.setHeader("Cache-Control", "no-store");
    res.status(204).end();
  }));

  // Every other page is the application's (it routes in the browser); without a session, sign in first.
  router.get(/.*/, route(async (req, res) => {
    // Checked first: signing in to a console that cannot be shown would only waste the member's time.
    const html = await readIndex(deps.distDir);
    if (html === null) {
      sendPage(res, 503, { title: "The console is not built", message: "console/dist is missing: run npm run build:console (npm install runs it), then reload." });
      return;
    }
    const session = await deps.sessions.current(req);
    const org = typeof req.query.org === "string" && req.query.org !== "" ? req.query.org : null;
    if (session === null || (org !== null && (await findOrgById(deps.db.knex, session.orgId))?.name !== org)) {
      // The page asked for is opened once signed in (a bookmark, a link in a message, a session that ended).
      await startSignIn(signIn, req, res, { returnTo: consoleReturnPath(req.originalUrl) });
      return;
    }
    res.status(200).type("html").setHeader("Cache-Control", "no-store");
    res.send(html);
  }));

  router.use((_req: Request, res: Response) => sendPage(res, 404, { title: "Not found", message: "The console has no such page." }));
  // JSON for the session endpoints the application calls; a page for the ones a person navigates to.
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    const apiError = toApiError(err, deps.logger, requestIdOf(req));
    if (req.path === "/session" || req.path === "/logout") {
      sendApiError(res, apiError);
      return;
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    sendPage(res, apiError.status, { title: apiError.status >= 500 ? "Something went wrong" : "Request refused", message: apiError.message });
  });
  return router;
}

function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("Referrer-Policy", "no-referrer");
  next();
}

/** index.html, or null when the console has not been built. */
async function readIndex(distDir: string): Promise<string | null> {
  try {
    return await readFile(join(distDir, "index.html"), "utf8");
  } catch (err) {
    // Not `instanceof Error`: fs errors may come from another realm (a test runner's sandbox).
    if (typeof err === "object" && err !== null && "code" in err && err.code === "ENOENT") return null;
    throw err;
  }
}

async function findUserOf(db: Database, orgId: string, userName: string): Promise<{ id: string; userName: string; displayName: string | null } | null> {
  const user = await findUserByUserName(db.knex, orgId, userName);
  return user === null ? null : { id: user.id, userName: user.userName, displayName: user.displayName };
}
