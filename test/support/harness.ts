import { randomBytes } from "node:crypto";
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Express } from "express";
import knexFactory from "knex";
import request from "supertest";
import type { ChangeFeed } from "../../db/change-feed";
import { type Database, openDatabase } from "../../db/connection";
import { migrateToLatest } from "../../db/migrate";
import { ensureOrg, setOrgEntra, setOrgOidc } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import type { PlatformFile } from "../../mapping";
import type { MappingPermissionSync } from "../../roles";
import { Analytics, type AnalyticsOptions } from "../../server/analytics";
import type { AppDeps, AppLimits, ConsoleOptions } from "../../server/app";
import { createSync } from "../../server/bootstrap";
import { DEFAULT_LIMITS, type TrustProxy } from "../../server/config";
import type { OutboxSignal } from "../../server/signal";
import { composeServices } from "../../server/compose";
import { DEFAULT_STREAM_LIMITS, type EventHub, type EventStreamLimits } from "../../server/events";
import { silentLogger } from "../../server/logger";
import { applyMappingText, applyPlatformText, refusalLines } from "../../roles";

import { perTest } from "./per-test";

export { expectScimError } from "./scim-error";

/**
 * A fresh server per test: its own database (SQLite in memory, or a throw-away PostgreSQL schema
 * when TEST_DATABASE_URL is a postgres:// URL), an organisation with a SCIM and an API token.
 */
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? "sqlite::memory:";
export const ON_POSTGRES = /^postgres(ql)?:\/\//.test(TEST_DATABASE_URL);

export interface Harness {
  readonly app: Express;
  readonly db: Database;
  readonly orgId: string;
  readonly token: string;
  readonly apiToken: string;
  readonly sync: MappingPermissionSync;
  /** The Server-Sent Events feed of this app (subscribers, limits). */
  readonly events: EventHub;
  /** Rung after every commit that wrote events (what the webhook dispatcher and the feed listen to). */
  readonly signal: OutboxSignal;
  /** supertest with the SCIM bearer token, paths relative to /scim/v2. */
  scim(method: "get" | "post" | "put" | "patch" | "delete", path: string): request.Test;
  /** supertest with the API bearer token, paths relative to /api/v1. */
  api(method: "get" | "post", path: string): request.Test;
  /** supertest with a member's bearer token, paths relative to /api/v1/admin. */
  admin(method: "get" | "post" | "put" | "patch" | "delete", path: string, token: string): request.Test;
  /** Another organisation on the same database, with its own token. */
  addOrg(name: string): Promise<{ orgId: string; token: string; apiToken: string }>;
  applyMapping(text: string, sourceName?: string): Promise<void>;
  /** The usage counter, when `analytics` was given. */
  readonly analytics: Analytics | null;
  /** Serves the app on an ephemeral port of 127.0.0.1 (closed with the harness); returns its base URL. */
  serve(): Promise<string>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** A PostgreSQL database of the test's own to serve from, used as it is (no schema is created or dropped). */
  readonly databaseUrl?: string;
  readonly platform?: PlatformFile | null;
  readonly entra?: { tenantId: string; jwks: unknown };
  readonly limits?: Partial<AppLimits>;
  /** How long a request waits for the database (DB_TIMEOUT_MS), and for one statement (DB_STATEMENT_TIMEOUT_MS). */
  readonly dbTimeoutMs?: number;
  readonly dbStatementTimeoutMs?: number;
  /** Without the change feed: every request asks the database (no token or permission kept in memory). */
  readonly noReadCache?: boolean;
  /** PUBLIC_URL and TRUST_PROXY, as server/config.ts parses them. */
  readonly publicUrl?: string;
  readonly trustProxy?: TrustProxy;
  /** Server-Sent Events limits (buffer, subscribers, heartbeat, retry hint). */
  readonly streams?: Partial<EventStreamLimits>;
  /** Operations settings of the app: its logger, the metrics token, rate limits. */
  readonly app?: Partial<Pick<AppDeps, "logger" | "metrics" | "metricsToken" | "rateLimits" | "productSections" | "identity">>;
  /** Count usage (server/analytics.ts) with these options; the test flushes `h.analytics` itself. */
  readonly analytics?: AnalyticsOptions;
  /**
   * Serve the admin console (/console) with its sessions, which the admin API then accepts; its public
   * URL is `publicUrl` here, else PUBLIC_URL's, else http://127.0.0.1.
   */
  readonly console?: Partial<ConsoleOptions>;
  /** The OIDC issuer the organisation's members sign in with (the admin API). */
  readonly oidc?: { issuer: string; clientId: string; clientSecret?: string; usernameClaim?: string; jwks?: unknown };
}

async function openTestDatabase(options: HarnessOptions): Promise<{ db: Database; drop: () => Promise<void> }> {
  const acquire = {
    log: silentLogger(),
    ...(options.dbTimeoutMs === undefined ? {} : { timeoutMs: options.dbTimeoutMs }),
    ...(options.dbStatementTimeoutMs === undefined ? {} : { statementTimeoutMs: options.dbStatementTimeoutMs }),
  };
  if (options.databaseUrl !== undefined) {
    const db = openDatabase(options.databaseUrl, acquire);
    return { db, drop: () => db.close() };
  }
  if (!ON_POSTGRES) {
    const db = openDatabase("sqlite::memory:", acquire);
    return { db, drop: () => db.close() };
  }
  const schema = `t_${randomBytes(6).toString("hex")}`;
  const admin = knexFactory({ client: "pg", connection: TEST_DATABASE_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE SCHEMA ${schema}`);
  const db = openDatabase(TEST_DATABASE_URL, { pgSchema: schema, ...acquire });
  return {
    db,
    drop: async () => {
      await db.close();
      await admin.raw(`DROP SCHEMA ${schema} CASCADE`);
      await admin.destroy();
    },
  };
}

/**
 * Migrates the database and provisions the organisation with its tokens. On a database of the
 * test's own, through a handle without the test's short timeouts: those are for what the test
 * does, and migrating on a busy machine may take longer.
 */
async function prepare(db: Database, options: HarnessOptions): Promise<{ org: { id: string }; token: string; apiToken: string }> {
  const setup = options.databaseUrl === undefined ? db : openDatabase(options.databaseUrl, { log: silentLogger() });
  try {
    await migrateToLatest(setup.knex);
    const org = await ensureOrg(setup.knex, "default");
    if (options.entra) await setOrgEntra(setup.knex, org.id, { tenantId: options.entra.tenantId, jwks: options.entra.jwks });
    if (options.oidc) {
      const o = options.oidc;
      await setOrgOidc(setup.knex, org.id, { issuer: o.issuer, clientId: o.clientId, clientSecret: o.clientSecret ?? null, jwks: o.jwks ?? null, usernameClaim: o.usernameClaim ?? "email" });
    }
    const { token } = await createToken(setup.knex, { orgId: org.id, kind: "scim" });
    const { token: apiToken } = await createToken(setup.knex, { orgId: org.id, kind: "api" });
    return { org, token, apiToken };
  } finally {
    if (setup !== db) await setup.close();
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const { db, drop } = await openTestDatabase(options);
  const { org, token, apiToken } = await prepare(db, options);
  const { sync, signal } = createSync();
  if (options.platform) {
    const stored = await applyPlatformText(db, sync, { text: JSON.stringify({ version: 1, ...options.platform }), sourceName: "test-platform.json", actor: "test" });
    if (!stored.ok) throw new Error(`platform refused: ${stored.errors.map((e) => e.message).join("; ")}`);
  }
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const reach = { publicUrl: options.publicUrl ?? null, trustProxy: options.trustProxy ?? null };
  const consoleOptions: ConsoleOptions | null = options.console === undefined
    ? null
    : { publicUrl: options.publicUrl ?? "http://127.0.0.1", defaultOrg: "default", idleMinutes: 30, sessionHours: 12, sessionSecret: null, ...options.console };
  const analytics = options.analytics === undefined ? null : new Analytics(db, silentLogger(), options.analytics);
  const { logger = silentLogger(), ...appOptions } = options.app ?? {};
  const { app, events, changes } = composeServices({
    db,
    sync,
    signal,
    logger,
    streams: { ...DEFAULT_STREAM_LIMITS, heartbeatMs: 1000, ...options.streams },
    readCache: options.noReadCache !== true,
    app: {
      config: { limits, ...reach },
      ...(analytics === null ? {} : { analytics }),
      ...(consoleOptions === null ? {} : { console: consoleOptions }),
      ...appOptions,
    },
  });
  const agent = request(app);
  const servers: Server[] = [];
  return {
    app,
    db,
    analytics,
    orgId: org.id,
    token,
    apiToken,
    sync,
    events,
    signal,
    scim: (method, path) => agent[method](`/scim/v2${path}`).set("Authorization", `Bearer ${token}`),
    api: (method, path) => agent[method](`/api/v1${path}`).set("Authorization", `Bearer ${apiToken}`),
    admin: (method, path, memberToken) => agent[method](`/api/v1/admin${path}`).set("Authorization", `Bearer ${memberToken}`),
    addOrg: async (name) => {
      const other = await ensureOrg(db.knex, name);
      const scimToken = await createToken(db.knex, { orgId: other.id, kind: "scim" });
      const api = await createToken(db.knex, { orgId: other.id, kind: "api" });
      return { orgId: other.id, token: scimToken.token, apiToken: api.token };
    },
    applyMapping: async (text, sourceName = "test-mapping.yaml") => {
      const result = await applyMappingText(db, sync, { orgId: org.id, text, sourceName, actor: "test" });
      if (!result.ok) throw new Error(`mapping refused: ${refusalLines(result).join("; ")}`);
    },
    serve: async () => {
      const server = await new Promise<Server>((resolve) => {
        const s = app.listen(0, "127.0.0.1", () => resolve(s));
      });
      servers.push(server);
      return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    },
    close: async () => {
      events.close();
      await changes?.close();
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
      await drop();
    },
  };
}

/**
 * Another server over a database that exists already (the file the CLI writes, a replica's
 * database), composed as the process composes itself with its own permission sync and event
 * streams; with `readCache`, it also keeps answers in memory as the process does. Closing it
 * leaves the database open.
 */
export function serverOn(db: Database, options: { readCache?: boolean } = {}): { app: Express; sync: MappingPermissionSync; changes: ChangeFeed | null; close(): Promise<void> } {
  const { sync, signal } = createSync();
  const { app, events, changes } = composeServices({
    db,
    sync,
    signal,
    logger: silentLogger(),
    streams: DEFAULT_STREAM_LIMITS,
    readCache: options.readCache === true,
    app: { config: { limits: DEFAULT_LIMITS } },
  });
  return {
    app,
    sync,
    changes,
    close: async () => {
      events.close();
      await changes?.close();
    },
  };
}

export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

export function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { schemas: [CORE_USER], userName, name: { givenName: "Test", familyName: userName }, emails: [{ value: userName, type: "work", primary: true }], active: true, ...extra };
}

export async function createUser(h: Harness, userName: string, extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.scim("post", "/Users").send(userBody(userName, extra));
  if (res.status !== 201) throw new Error(`create ${userName}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export async function createGroup(h: Harness, displayName: string, memberIds: string[] = [], extra: Record<string, unknown> = {}): Promise<string> {
  const res = await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName, members: memberIds.map((value) => ({ value })), ...extra });
  if (res.status !== 201) throw new Error(`create group ${displayName}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { id: string }).id;
}

export function patchBody(...operations: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** A fresh harness for every test of the enclosing `describe`, closed after it (`perTest`). */
export function harnessPerTest(options: HarnessOptions = {}): Harness {
  return perTest("the harness", () => startHarness(options), (h) => h.close());
}
