/**
 * Composes the HTTP surface: /healthz and /metrics (with METRICS_TOKEN only; `createMetricsApp`
 * serves it on a loopback listener otherwise), SCIM under /scim/v2, the admin console under
 * /console, the admin API under /api/v1/admin, the product API under /api/v1.
 */
import { timingSafeEqual } from "node:crypto";
import { join } from "node:path";
import express, { type Express, type Request, type RequestHandler, type Response } from "express";
import type { ChangeFeed } from "../db/change-feed";
import { type Database, pingDatabase } from "../db/connection";
import type { ParseMappingText } from "./mapping-parser";
import type { MappingPermissionSync } from "../roles";
import type { PrivacyDefaults } from "../roles/admin";
import { configureDiscovery } from "../scim/discovery";
import { DEFAULT_INPUT_LIMITS, type InputLimits } from "../scim/limits";
import { tooManyRequests } from "../scim/errors";
import { sendError, toScimError } from "../scim/respond";
import { requestIdOf } from "../http/request-id";
import { scimJsonBody, scimJsonBodyInTurns, scimRouter } from "../scim/router";
import { adminRouter } from "./admin/router";
import { type Analytics, countProvisioning } from "./analytics";
import type { SessionReader } from "./admin/auth";
import { apiRouter } from "./api";
import { ApiError, sendApiError, toApiError } from "./api-errors";
import { authenticate, orgIdOf, viaEntraToken } from "./auth";
import { type Config, type ConsoleConfig, DEFAULT_CONSOLE } from "./config";
import type { ProductSections } from "./console-sections";
import { consoleRouter } from "./console/router";
import { ConsoleSessions } from "./console/sessions";
import { sendPage } from "./console/pages";
import { EntraVerifier } from "./entra";
import type { EventHub } from "./events";
import { requestLog } from "./http-log";
import type { AppLogger } from "./logger";
import { Metrics } from "./metrics";
import { reportRevision } from "./revision-header";
import { IssuerDiscovery } from "./oidc/discovery-check";
import { OidcIssuers } from "./oidc/issuers";
import { MemberTokens } from "./oidc/member-tokens";
import { publishedLimits } from "./limits";
import { openApiDocument } from "./openapi";
import { originOf } from "./public-url";
import { ReadCache, TOKEN_TABLES } from "./read-cache";
import { type RateLimitedSurface, RateLimiter, type RateLimits } from "./rate-limit";
import { ScimActivity } from "./scim-activity";
import type { Resolve } from "./webhook-targets";

/** The request limits of server/config.ts; those on the shape of input default to DEFAULT_INPUT_LIMITS. */
export type AppLimits = Omit<Config["limits"], keyof InputLimits> & Partial<InputLimits>;

export interface AppDeps {
  readonly db: Database;
  readonly config: { readonly limits: AppLimits } & Partial<Pick<Config, "publicUrl" | "trustProxy">>;
  readonly logger: AppLogger;
  readonly sync: MappingPermissionSync;
  readonly events: EventHub;
  readonly entra?: EntraVerifier;
  /**
   * Commits heard from this process and the others (db/change-feed.ts): with it, verified tokens
   * and authorize's permission reads are answered from memory while nothing changed
   * (server/read-cache.ts); without it, every request asks the database.
   */
  readonly changes?: ChangeFeed;
  /** Members' OIDC issuers (discovery cached for the process); the console's code flow reuses the same instance. */
  readonly oidcIssuers?: OidcIssuers;
  /** The console's session cookie reader, for admin requests without a bearer token. */
  readonly sessions?: SessionReader;
  /** The admin console (/console) and its sessions, which the admin API then accepts too; absent: no console. */
  readonly console?: ConsoleOptions;
  /** Prometheus metrics; a fresh registry when not given. */
  readonly metrics?: Metrics;
  /**
   * METRICS_TOKEN: GET /metrics is served on this app only with it, as a bearer token; without it
   * /metrics is 404 here (this port faces the IdPs), and `createMetricsApp` serves it elsewhere.
   */
  readonly metricsToken?: string | null;
  /** Token buckets for SCIM, /api and /console requests (one per address across them); none when not given. */
  readonly rateLimits?: RateLimits;
  /** Parses mappings the admin API edits and plans, off the event loop; absent: in the request's own turn. */
  readonly parseMapping?: ParseMappingText;
  /** The retention the environment sets where an organisation sets none (EVENT_RETENTION_DAYS). */
  readonly privacyDefaults?: PrivacyDefaults;
  /** The product's own sections (CONSOLE_SECTIONS, read and checked at start); none when not given. */
  readonly productSections?: ProductSections;
  /** Usage analytics: counts authorize's decisions and SCIM writes per IdP; absent: nothing is counted. */
  readonly analytics?: Analytics;
  /** Identity & Access: whose sign-in the environment sets, and where an issuer may be (absent: none, public addresses only). */
  readonly identity?: IdentityOptions;
}

export interface IdentityOptions {
  /** DEFAULT_ORG when OIDC_ISSUER sets its sign-in (shown read-only), else null. */
  readonly environmentSignInOrg: string | null;
  /** OIDC_ALLOW_PRIVATE: private ranges and host names an issuer checked before saving may be at. */
  readonly allowPrivateIssuers: readonly string[];
  /** The resolver of issuers' host names (the system's when not given). */
  readonly resolve?: Resolve;
}

export interface ConsoleOptions extends ConsoleConfig {
  /** The console's public URL: PUBLIC_URL, or http://HOST:PORT (the redirect URI is this + /console/callback). */
  readonly publicUrl: string;
  /** The organisation a sign-in without `?org=` is for (DEFAULT_ORG). */
  readonly defaultOrg: string;
  /** The built application; console/dist at the top of the repository when not given. */
  readonly distDir?: string;
  /** The sessions' clock (ms since the epoch); the real one when not given. */
  readonly now?: () => number;
}

/** Where `npm run build:console` puts the application. */
export const CONSOLE_DIST = join(__dirname, "..", "console", "dist");

/** The operations surface every request passes first: its request id, its metrics and its log line. */
function observe(app: Express, deps: AppDeps, metrics: Metrics): void {
  app.use((req, res, next) => {
    res.setHeader("X-Request-Id", requestIdOf(req));
    // No answer of this server is meant to be framed: the console's CSP says `frame-ancestors
    // 'none'`, and this says it to browsers that ignore CSP, on every page (error pages included).
    res.setHeader("X-Frame-Options", "DENY");
    next();
  });
  app.use(requestLog(deps.logger, metrics));
  const token = deps.metricsToken ?? null;
  if (token !== null) app.get("/metrics", metricsGuard(token), scrape(metrics));
}

function scrape(metrics: Metrics): RequestHandler {
  return (_req, res, next) => {
    metrics.registry
      .metrics()
      .then((text) => res.type(metrics.registry.contentType).send(text))
      .catch(next);
  };
}

/**
 * GET /metrics alone, without a token, for a listener of its own (METRICS_PORT) that main.ts binds
 * to the loopback address: what can reach it is already on the machine.
 */
export function createMetricsApp(metrics: Metrics, logger: AppLogger): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.get("/metrics", scrape(metrics));
  app.use((_req, res) => sendApiError(res, new ApiError("not_found", "Not found")));
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendApiError(res, toApiError(err, logger, requestIdOf(req)));
  });
  return app;
}

function metricsGuard(token: string): RequestHandler {
  const expected = Buffer.from(token);
  return (req, res, next) => {
    const given = Buffer.from(/^Bearer\s+(\S+)\s*$/i.exec(req.get("authorization") ?? "")?.[1] ?? "");
    if (given.length === expected.length && timingSafeEqual(given, expected)) return next();
    res.setHeader("WWW-Authenticate", 'Bearer realm="metrics"');
    sendApiError(res, new ApiError("unauthorized", "GET /metrics needs the METRICS_TOKEN bearer token"));
  };
}

/**
 * SCIM and /api answers carry personal data and permissions: no cache, shared or private, may keep
 * them (RFC 9111 §5.2.2.5), and no client may guess another type than the one declared. Set before
 * anything answers, so errors (429, 401, 404 of an unknown route) carry them as well.
 */
function privateResponses(): RequestHandler {
  return (_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    res.setHeader("X-Content-Type-Options", "nosniff");
    next();
  };
}

/**
 * 429 with Retry-After, in the route's own error format; none without limits (a layer that only
 * calls `next` still costs every request its match and its turn).
 */
function limiter(limits: RateLimiter | null, surface: RateLimitedSurface, metrics: Metrics, reject: (res: Response, message: string) => void): RequestHandler | null {
  if (!limits) return null;
  return limits.middleware(surface, (_req: Request, res: Response, retryAfter: number, scope) => {
    metrics.rateLimited.inc({ scope });
    res.setHeader("Retry-After", String(retryAfter));
    reject(res, `Too many requests for this ${scope === "token" ? "token" : "client address"}; retry after ${retryAfter} s`);
  });
}

/**
 * Everything an app holds comes from `deps`, so tests build a fresh app per test. The one shared
 * thing is scimmy's configuration, which is global: each app sets it from its limits when created.
 */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable("x-powered-by");
  app.set("etag", false);
  app.set("query parser", "extended");
  // Forwarded headers are believed only from the proxies named by TRUST_PROXY (server/public-url.ts).
  const trustProxy = deps.config.trustProxy ?? null;
  if (trustProxy !== null) app.set("trust proxy", typeof trustProxy === "object" ? [...trustProxy] : trustProxy);
  const metrics = deps.metrics ?? new Metrics();
  metrics.observeDatabase(deps.db);
  metrics.observeState(deps.db, deps.events);
  observe(app, deps, metrics);
  const rateLimits = deps.rateLimits ? new RateLimiter(deps.rateLimits) : null;
  app.use(["/scim", "/api"], privateResponses());
  const input: InputLimits = {
    maxJsonDepth: deps.config.limits.maxJsonDepth ?? DEFAULT_INPUT_LIMITS.maxJsonDepth,
    maxFilterTerms: deps.config.limits.maxFilterTerms ?? DEFAULT_INPUT_LIMITS.maxFilterTerms,
    maxFilterDepth: deps.config.limits.maxFilterDepth ?? DEFAULT_INPUT_LIMITS.maxFilterDepth,
    maxPatchOperations: deps.config.limits.maxPatchOperations ?? DEFAULT_INPUT_LIMITS.maxPatchOperations,
    maxAttributePaths: deps.config.limits.maxAttributePaths ?? DEFAULT_INPUT_LIMITS.maxAttributePaths,
  };

  const limits = deps.config.limits;
  configureDiscovery({
    maxResults: limits.maxCount,
    bulk: { maxOperations: limits.maxBulkOperations, maxPayloadSize: limits.maxBulkPayloadBytes },
  });

  app.get("/healthz", (_req, res) => {
    pingDatabase(deps.db)
      .then(() => res.status(200).json({ status: "ok" }))
      .catch((err: unknown) => {
        deps.logger.warn({ err }, "health check failed");
        res.status(503).json({ status: "unavailable" });
      });
  });

  const scimError = (err: Parameters<typeof sendError>[1], _req: express.Request, res: express.Response) => sendError(res, err);
  const scim = express.Router();
  // Authenticate before reading a body: an anonymous client cannot make us parse 32 MB.
  const changes = deps.changes ?? null;
  const scimLimits = limiter(rateLimits, "scim", metrics, (res, message) => sendError(res, tooManyRequests(message)));
  if (scimLimits) scim.use(scimLimits);
  scim.use(authenticate({ db: deps.db, kind: "scim", entra: deps.entra ?? new EntraVerifier(), cache: new ReadCache(changes, TOKEN_TABLES, { whileClosed: true }), onError: scimError }));
  // Each connection's last request and recent errors, for the console's SCIM page; written after the answer.
  scim.use(new ScimActivity(deps.db, deps.logger).middleware());
  if (deps.analytics) scim.use(countProvisioning(deps.analytics));
  // A body limit per route, 413 past it. The bulk limit is the one advertised in
  // /ServiceProviderConfig; a Group may carry its whole member list (an App Integration Wizard PUT,
  // fixtures/okta/aiw-membership-put.json); a User, a search or anything else is small.
  scim.use("/Bulk", scimJsonBody(limits.maxBulkPayloadBytes, input.maxJsonDepth));
  scim.use("/Groups", scimJsonBodyInTurns(limits.maxBodyBytes, input.maxJsonDepth));
  scim.use(scimJsonBody(limits.maxUserBodyBytes, input.maxJsonDepth));
  scim.use(reportRevision());
  scim.use(
    scimRouter({
      db: deps.db,
      sync: deps.sync,
      limits: {
        defaultCount: limits.defaultCount,
        maxCount: limits.maxCount,
        maxBulkOperations: limits.maxBulkOperations,
        maxPayloadBytes: limits.maxBulkPayloadBytes,
        maxStringBytes: limits.maxStringBytes,
        filter: { maxTerms: input.maxFilterTerms, maxDepth: input.maxFilterDepth },
        maxPatchOperations: input.maxPatchOperations,
        maxAttributePaths: input.maxAttributePaths,
      },
      logger: deps.logger,
      orgIdOf: (req) => orgIdOf(req.res as express.Response),
      viaEntraToken: (req) => viaEntraToken(req.res as express.Response),
      originOf: originOf(deps.config.publicUrl ?? null),
    }),
  );
  // Body-parser failures (bad JSON, 413) happen before the SCIM router's own error handler.
  scim.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    sendError(res, toScimError(err, deps.logger, requestIdOf(req)));
  });
  app.use("/scim/v2", scim);

  const issuers = deps.oidcIssuers ?? new OidcIssuers();
  const memberTokens = new MemberTokens(issuers);
  let sessions = deps.sessions;
  if (deps.console) {
    const options = deps.console;
    const consoleSessions = new ConsoleSessions(deps.db, { ...options, now: options.now ?? Date.now });
    sessions ??= consoleSessions;
    // Nothing else is served at /: a person who opens the server's address is sent to the console.
    app.get("/", (_req, res) => {
      res.setHeader("Cache-Control", "no-store");
      res.redirect(302, `${new URL(options.publicUrl).pathname.replace(/\/$/, "")}/console/`);
    });
    const consoleLimits = limiter(rateLimits, "console", metrics, (res, message) => sendPage(res, 429, { title: "Too many requests", message }));
    if (consoleLimits) app.use("/console", consoleLimits);
    app.use(
      "/console",
      consoleRouter({
        db: deps.db,
        sessions: consoleSessions,
        issuers,
        tokens: memberTokens,
        logger: deps.logger,
        defaultOrg: options.defaultOrg,
        distDir: options.distDir ?? CONSOLE_DIST,
      }),
    );
  }

  // One limiter for everything under /api/v1: the admin API, the OpenAPI document and the product API.
  const apiLimits = limiter(rateLimits, "api", metrics, (res, message) => sendApiError(res, new ApiError("too_many_requests", message)));
  if (apiLimits) app.use("/api/v1", apiLimits);
  // Role administration by members (OIDC). Mounted before /api/v1, whose product-service tokens it never accepts.
  app.use(
    "/api/v1/admin",
    adminRouter({
      db: deps.db,
      sync: deps.sync,
      logger: deps.logger,
      events: deps.events,
      maxJsonDepth: input.maxJsonDepth,
      tokens: memberTokens,
      ...(sessions ? { sessions } : {}),
      identity: {
        environmentSignInOrg: deps.identity?.environmentSignInOrg ?? null,
        discovery: new IssuerDiscovery({ allowPrivate: deps.identity?.allowPrivateIssuers ?? [], ...(deps.identity?.resolve ? { resolve: deps.identity.resolve } : {}) }),
        consoleUrl: deps.console?.publicUrl ?? deps.config.publicUrl ?? null,
        sessionDefaults: { idleMinutes: deps.console?.idleMinutes ?? DEFAULT_CONSOLE.idleMinutes, sessionHours: deps.console?.sessionHours ?? DEFAULT_CONSOLE.sessionHours },
      },
      ...(deps.parseMapping ? { parseMapping: deps.parseMapping } : {}),
      ...(deps.privacyDefaults ? { privacyDefaults: deps.privacyDefaults } : {}),
      ...(deps.productSections ? { productSections: deps.productSections } : {}),
    }),
  );
  app.get("/api/v1/openapi.json", (_req, res) => {
    res.json(openApiDocument());
  });
  // What a client may send, for clients and scripts that size their requests; public, as the
  // OpenAPI document is, since it is the same for every organisation.
  const published = publishedLimits(limits, input);
  app.get("/api/v1/limits", (_req, res) => {
    res.json(published);
  });

  const authenticateApi = authenticate({
    db: deps.db,
    kind: "api",
    cache: new ReadCache(changes, TOKEN_TABLES, { whileClosed: true }),
    onError: (err, _req, res) => sendApiError(res, new ApiError("unauthorized", err.detail)),
  });
  app.use(
    "/api/v1",
    apiRouter({
      db: deps.db,
      sync: deps.sync,
      events: deps.events,
      logger: deps.logger,
      authenticate: authenticateApi,
      changes,
      maxJsonDepth: input.maxJsonDepth,
      metrics,
      ...(deps.analytics ? { usage: deps.analytics } : {}),
    }),
  );

  app.use((_req, res) => sendApiError(res, new ApiError("not_found", "Not found")));
  // Whatever a router did not render itself (an app-level middleware, /metrics, /healthz) is
  // rendered here, never by express's default handler, whose HTML page shows the stack outside
  // production: SCIM's format under /scim/v2, the API's everywhere else.
  app.use((err: unknown, req: express.Request, res: express.Response, _next: express.NextFunction) => {
    if (req.originalUrl.startsWith("/scim/v2")) sendError(res, toScimError(err, deps.logger, requestIdOf(req)));
    else sendApiError(res, toApiError(err, deps.logger, requestIdOf(req)));
  });
  return app;
}
