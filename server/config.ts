/**
 * Configuration is read once, from the environment, by server/main.ts. Every problem is reported
 * together, naming the variable; the result is frozen.
 */
import { isIP } from "node:net";
import { DEFAULT_DB_TIMEOUT_MS, DEFAULT_STATEMENT_TIMEOUT_MS } from "../db/connection";
import { DEFAULT_INPUT_LIMITS, MAX_FILTER_DEPTH, MAX_FILTER_TERMS } from "../scim/limits";
import { DEFAULT_SOURCE_LIMITS } from "../mapping";
import { isLoopback } from "./loopback";
import { allowPrivateEntryProblem } from "./webhook-targets";

/** express's `trust proxy` setting: everything (`true`), a hop count, or addresses/CIDRs/preset names. */
export type TrustProxy = boolean | number | readonly string[];

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  readonly defaultOrg: string;
  readonly scimToken: string | null;
  readonly apiToken: string | null;
  readonly mappingFile: string | null;
  readonly platformFile: string | null;
  /** CONSOLE_SECTIONS: the operator's file of the product's own sections (server/console-sections.ts), read at start. */
  readonly consoleSections: string | null;
  /** MAPPING_MAX_BYTES, MAPPING_MAX_ALIASES: what a mapping file (or PLATFORM_FILE) may ask of the parser. */
  readonly mappingLimits: { readonly maxBytes: number; readonly maxAliases: number };
  readonly entra: { readonly tenantId: string; readonly jwksUrl: string | null; readonly jwksFile: string | null } | null;
  /** The OIDC issuer the default organisation's members sign in with (the admin API and console). */
  readonly oidc: OidcConfig | null;
  /** OIDC_ALLOW_PRIVATE: private ranges (CIDRs) and host names an issuer set in the console may be at. */
  readonly oidcAllowPrivate: readonly string[];
  /** The admin console's sessions (the sign-in itself uses `oidc`). */
  readonly console: ConsoleConfig;
  readonly limits: Limits;
  readonly logLevel: string;
  // Reachability from the IdPs, which call only public HTTPS URLs:
  /** The server's public URL (`https://scim.example.com`, without a trailing slash): every URL it renders starts with it. */
  readonly publicUrl: string | null;
  /** Honour X-Forwarded-Proto/Host/For from these proxies; null (the default) trusts no forwarded header. */
  readonly trustProxy: TrustProxy | null;
  /** Serve HTTPS with these PEM files, re-read when they change on disk. */
  readonly tls: { readonly certFile: string; readonly keyFile: string } | null;
  readonly operations: OperationsConfig;
}

/** What one SCIM request may ask for or carry; each is a row of README's "Limits" table. */
export interface Limits {
  readonly defaultCount: number;
  readonly maxCount: number;
  readonly maxBulkOperations: number;
  readonly maxBulkPayloadBytes: number;
  /** SCIM_MAX_BODY_BYTES: a /Groups body, which may carry a whole member list (an App Integration Wizard PUT). */
  readonly maxBodyBytes: number;
  /** SCIM_MAX_USER_BODY_BYTES: a /Users body, and every other SCIM body but /Groups and /Bulk. */
  readonly maxUserBodyBytes: number;
  /** SCIM_MAX_STRING_BYTES: the longest string attribute value, in UTF-8 bytes, at any depth. */
  readonly maxStringBytes: number;
  /** SCIM_MAX_JSON_DEPTH: how deeply arrays and objects may nest in a SCIM or /api request body. */
  readonly maxJsonDepth: number;
  /** SCIM_MAX_FILTER_TERMS / SCIM_MAX_FILTER_DEPTH: attribute expressions in one filter, and how deeply it nests. */
  readonly maxFilterTerms: number;
  readonly maxFilterDepth: number;
  /** SCIM_MAX_PATCH_OPERATIONS: operations in one PATCH, alone or inside /Bulk. */
  readonly maxPatchOperations: number;
  /** SCIM_MAX_ATTRIBUTE_PATHS: paths in one `attributes` or `excludedAttributes` list. */
  readonly maxAttributePaths: number;
}

/** Running the service: database timeouts, events and webhooks, rate limits, shutdown, metrics. */
export interface OperationsConfig {
  /** DB_TIMEOUT_MS: how long a request waits for a database connection (or SQLite's lock) before it is answered 503. */
  readonly dbTimeoutMs: number;
  /** DB_STATEMENT_TIMEOUT_MS: the longest one PostgreSQL statement may run, and the wait on a connection that stalls. */
  readonly dbStatementTimeoutMs: number;
  readonly events: {
    /** EVENT_RETENTION_DAYS: how long outbox events stay resumable. */
    readonly retentionMs: number;
    readonly sseMaxBufferBytes: number;
    readonly sseStallMs: number;
    readonly sseMaxSubscribersPerOrg: number;
    readonly sseHeartbeatMs: number;
    readonly sseRetryMs: number;
  };
  readonly webhooks: {
    /** WEBHOOK_TIMEOUT_MS: one attempt, from resolving the host to the answer's headers; then it is aborted. */
    readonly timeoutMs: number;
    /** WEBHOOK_CONCURRENCY: deliveries in flight per replica. */
    readonly concurrency: number;
    /** WEBHOOK_ENDPOINT_CONCURRENCY: of those, at most this many to one webhook. */
    readonly endpointConcurrency: number;
    /** WEBHOOK_CIRCUIT_FAILURES: failures in a row after which a webhook is paused on the retry schedule. */
    readonly circuitFailures: number;
    readonly retryForMs: number;
    readonly firstRetryMs: number;
    /** WEBHOOK_ALLOW_PRIVATE: private ranges (CIDRs) and host names webhooks may reach after all. */
    readonly allowPrivate: readonly string[];
  };
  /** Token buckets: sustained requests per second and burst; 0 per second switches a limit off. */
  readonly rateLimits: {
    /** RATE_LIMIT_TOKEN_*: a SCIM token (one IdP connection) or a member's token on the admin API. */
    readonly perToken: { readonly perSecond: number; readonly burst: number };
    /** RATE_LIMIT_API_TOKEN_*: a product service's API token on /api/v1. */
    readonly perApiToken: { readonly perSecond: number; readonly burst: number };
    /** RATE_LIMIT_ADDRESS_*: one client address across SCIM, /api/v1 and /console. */
    readonly perAddress: { readonly perSecond: number; readonly burst: number };
  };
  readonly shutdownGraceMs: number;
  /** What one client may hold of the HTTP(S) server: time to send its headers and its request, idle keep-alive time, and connections in all. */
  readonly http: ConnectionLimits;
  /** METRICS_TOKEN: GET /metrics on PORT, with `Authorization: Bearer <it>`; unset, /metrics is 404 there. */
  readonly metricsToken: string | null;
  /** METRICS_PORT: GET /metrics without a token on a listener of its own, on 127.0.0.1 only (0: any free port). */
  readonly metricsPort: number | null;
  /** METRICS_ORG_LABEL: organisations in metrics labels by `id` (the default) or by `name`. */
  readonly metricsOrgLabel: "id" | "name";
}

export interface ConnectionLimits {
  /** HTTP_HEADERS_TIMEOUT_MS: from a connection's (or a request's) first byte to the end of its headers; TLS handshakes get as long. */
  readonly headersTimeoutMs: number;
  /** HTTP_REQUEST_TIMEOUT_MS: to receive a whole request, body included; the response (an event stream) is not limited by it. */
  readonly requestTimeoutMs: number;
  /** HTTP_KEEPALIVE_TIMEOUT_MS: how long an idle keep-alive connection is kept for the client's next request. */
  readonly keepAliveTimeoutMs: number;
  /** HTTP_MAX_CONNECTIONS: open connections in all; a connection past it is closed as it arrives. */
  readonly maxConnections: number;
}

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly jwksFile: string | null;
  readonly usernameClaim: string;
}

export interface ConsoleConfig {
  /** CONSOLE_IDLE_MINUTES: a session unused this long is over. */
  readonly idleMinutes: number;
  /** CONSOLE_SESSION_HOURS: a session ends this long after sign-in, used or not. */
  readonly sessionHours: number;
  /** SESSION_SECRET: signs the console's cookies; null: a random key kept in the database, shared by every replica. */
  readonly sessionSecret: string | null;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * A User is a few kilobytes even with every enterprise attribute filled in, so 1 MiB leaves room for
 * long multi-valued lists; 64 KiB per string holds any real name, address or description while
 * keeping one attribute from filling the row. Groups keep 32 MiB for full member lists.
 */
export const DEFAULT_LIMITS: Limits = Object.freeze({
  defaultCount: 100,
  maxCount: 1000,
  maxBulkOperations: 1000,
  maxBulkPayloadBytes: 1048576,
  maxBodyBytes: 33554432,
  maxUserBodyBytes: 1048576,
  maxStringBytes: 65536,
  ...DEFAULT_INPUT_LIMITS,
});

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function parseConfig(env: Env): Config {
  const problems: string[] = [];
  const text = (name: string): string | null => {
    const value = env[name];
    return value === undefined || value.trim() === "" ? null : value.trim();
  };
  const integer = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name);
    if (raw === null) return fallback;
    const n = Number(raw);
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
      return fallback;
    }
    return n;
  };

  const databaseUrl = text("DATABASE_URL") ?? "sqlite:./data/scim.sqlite";
  if (!/^(sqlite:|postgres(ql)?:\/\/)/.test(databaseUrl)) problems.push(`DATABASE_URL must be sqlite:<path> or postgres://…, got "${databaseUrl.split(":")[0]}:…"`);

  const scimToken = text("SCIM_TOKEN");
  if (scimToken !== null && scimToken.length < 16) problems.push("SCIM_TOKEN must be at least 16 characters long");
  const apiToken = text("API_TOKEN");
  if (apiToken !== null && apiToken.length < 16) problems.push("API_TOKEN must be at least 16 characters long");
  if (scimToken !== null && apiToken !== null && scimToken === apiToken) problems.push("API_TOKEN must differ from SCIM_TOKEN");

  const tenantId = text("ENTRA_TENANT_ID");
  const jwksUrl = text("ENTRA_JWKS_URL");
  const jwksFile = text("ENTRA_JWKS_FILE");
  let entra: Config["entra"] = null;
  if (tenantId !== null) {
    if (!GUID.test(tenantId)) problems.push(`ENTRA_TENANT_ID must be a tenant GUID, got "${tenantId}"`);
    if (jwksUrl === null && jwksFile === null) problems.push("ENTRA_TENANT_ID needs ENTRA_JWKS_URL or ENTRA_JWKS_FILE to verify tokens");
    if (jwksUrl !== null && !/^https?:\/\//.test(jwksUrl)) problems.push("ENTRA_JWKS_URL must be an http(s) URL");
    entra = { tenantId: tenantId.toLowerCase(), jwksUrl, jwksFile };
  } else if (jwksUrl !== null || jwksFile !== null) {
    problems.push("ENTRA_JWKS_URL / ENTRA_JWKS_FILE need ENTRA_TENANT_ID");
  }

  const oidc = parseOidc(text, problems);

  const logLevel = text("LOG_LEVEL") ?? "info";
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);

  // Reachability from the IdPs: public URL, proxies, native TLS.
  const publicUrl = parsePublicUrl(text("PUBLIC_URL"), problems);
  const trustProxy = parseTrustProxy(text("TRUST_PROXY"), problems);
  const certFile = text("TLS_CERT_FILE");
  const keyFile = text("TLS_KEY_FILE");
  if ((certFile === null) !== (keyFile === null)) problems.push("TLS_CERT_FILE and TLS_KEY_FILE must be set together (PEM certificate chain and private key)");
  const tls = certFile !== null && keyFile !== null ? { certFile, keyFile } : null;

  const defaultCount = integer("SCIM_DEFAULT_COUNT", DEFAULT_LIMITS.defaultCount, 1, 10000);
  const config: Config = {
    port: integer("PORT", 8080, 0, 65535),
    host: text("HOST") ?? "127.0.0.1",
    databaseUrl,
    defaultOrg: text("DEFAULT_ORG") ?? "default",
    scimToken,
    apiToken,
    mappingFile: text("MAPPING_FILE"),
    platformFile: text("PLATFORM_FILE"),
    consoleSections: text("CONSOLE_SECTIONS"),
    mappingLimits: {
      maxBytes: integer("MAPPING_MAX_BYTES", DEFAULT_SOURCE_LIMITS.maxBytes, 1024, 67_108_864),
      maxAliases: integer("MAPPING_MAX_ALIASES", DEFAULT_SOURCE_LIMITS.maxAliases, 0, 100_000),
    },
    entra,
    oidc,
    oidcAllowPrivate: parseAllowPrivate("OIDC_ALLOW_PRIVATE", text("OIDC_ALLOW_PRIVATE"), problems),
    console: parseConsole({ text, integer, problems }),
    limits: {
      defaultCount,
      maxCount: integer("SCIM_MAX_COUNT", DEFAULT_LIMITS.maxCount, 1, 100000),
      maxBulkOperations: integer("SCIM_MAX_BULK_OPERATIONS", DEFAULT_LIMITS.maxBulkOperations, 1, 100000),
      maxBulkPayloadBytes: integer("SCIM_MAX_BULK_PAYLOAD_BYTES", DEFAULT_LIMITS.maxBulkPayloadBytes, 1024, 1073741824),
      maxBodyBytes: integer("SCIM_MAX_BODY_BYTES", DEFAULT_LIMITS.maxBodyBytes, 1024, 1073741824),
      maxUserBodyBytes: integer("SCIM_MAX_USER_BODY_BYTES", DEFAULT_LIMITS.maxUserBodyBytes, 1024, 1073741824),
      maxStringBytes: integer("SCIM_MAX_STRING_BYTES", DEFAULT_LIMITS.maxStringBytes, 256, 1073741824),
      maxJsonDepth: integer("SCIM_MAX_JSON_DEPTH", DEFAULT_LIMITS.maxJsonDepth, 8, 512),
      maxFilterTerms: integer("SCIM_MAX_FILTER_TERMS", DEFAULT_LIMITS.maxFilterTerms, 1, MAX_FILTER_TERMS),
      maxFilterDepth: integer("SCIM_MAX_FILTER_DEPTH", DEFAULT_LIMITS.maxFilterDepth, 1, MAX_FILTER_DEPTH),
      maxPatchOperations: integer("SCIM_MAX_PATCH_OPERATIONS", DEFAULT_LIMITS.maxPatchOperations, 1, 100000),
      maxAttributePaths: integer("SCIM_MAX_ATTRIBUTE_PATHS", DEFAULT_LIMITS.maxAttributePaths, 1, 10000),
    },
    logLevel,
    publicUrl,
    trustProxy,
    tls,
    operations: parseOperations({ text, integer, problems }),
  };
  if (config.limits.defaultCount > config.limits.maxCount) problems.push("SCIM_DEFAULT_COUNT must not exceed SCIM_MAX_COUNT");
  const metricsPort = config.operations.metricsPort;
  if (metricsPort !== null && metricsPort !== 0 && metricsPort === config.port) problems.push("METRICS_PORT must differ from PORT: /metrics has a listener of its own");
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** An absolute http(s) URL, perhaps with a path prefix the proxy strips; no query, fragment or credentials. */
function parsePublicUrl(raw: string | null, problems: string[]): string | null {
  if (raw === null) return null;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    problems.push(`PUBLIC_URL must be an absolute URL such as https://scim.example.com, got "${raw}"`);
    return null;
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") problems.push(`PUBLIC_URL must be an http(s) URL, got "${url.protocol}"`);
  if (url.username !== "" || url.password !== "" || url.search !== "" || url.hash !== "") {
    problems.push("PUBLIC_URL must not carry credentials, a query or a fragment");
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/** express's `trust proxy` names for address ranges (proxy-addr). */
const TRUST_PROXY_NAMES = ["loopback", "linklocal", "uniquelocal"];

/**
 * `true`/`false`, a hop count, or a comma-separated list of IP addresses, CIDRs and the names
 * loopback, linklocal, uniquelocal: the forms express accepts, checked here so a typo is a start-up
 * error rather than a proxy silently trusted or ignored.
 */
function parseTrustProxy(raw: string | null, problems: string[]): TrustProxy | null {
  if (raw === null || raw.toLowerCase() === "false") return null;
  if (raw.toLowerCase() === "true") return true;
  if (/^\d+$/.test(raw)) {
    const hops = Number(raw);
    if (hops >= 1 && hops <= 32) return hops;
    problems.push(`TRUST_PROXY as a hop count must be between 1 and 32, got ${raw}`);
    return null;
  }
  const entries = raw.split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  const invalid = entries.filter((entry) => !TRUST_PROXY_NAMES.includes(entry) && !isAddressOrCidr(entry));
  if (entries.length === 0 || invalid.length > 0) {
    problems.push(`TRUST_PROXY must be true, a hop count, or a comma-separated list of IP addresses, CIDRs or ${TRUST_PROXY_NAMES.join("/")}; not ${invalid.map((e) => `"${e}"`).join(", ") || "an empty list"}`);
    return null;
  }
  return entries;
}

function isAddressOrCidr(entry: string): boolean {
  const [address = "", prefix, ...rest] = entry.split("/");
  const family = isIP(address);
  if (family === 0 || rest.length > 0) return false;
  if (prefix === undefined) return true;
  if (!/^\d+$/.test(prefix)) return false;
  return Number(prefix) <= (family === 4 ? 32 : 128);
}

interface Reader {
  text(name: string): string | null;
  integer(name: string, fallback: number, min: number, max: number): number;
  readonly problems: string[];
}

const DAY_MS = 86_400_000;
const HOUR_MS = 3_600_000;

/**
 * The operator's settings. Rate limit defaults leave room above what the IdPs push: Entra's
 * gallery requires a SCIM service to take at least 25 requests per second per tenant
 * (learn.microsoft.com, "app gallery user provisioning requirements"), and Okta notes that even
 * large bulk loads rarely need more than 10 simultaneous transactions (developer.okta.com,
 * "Additional rate limits"); 100 per second per token with a burst of 500 is four times Entra's
 * floor and lets ten parallel connections run at full speed. A product service asks authorize on
 * its users' actions, far more often than an IdP writes: its API token gets 2500 per second, about
 * two thirds of what one replica answers (≈ 3,700 authorize a second on the benchmark machine), and
 * a burst of 10,000, so ten connections sending as fast as they can for three seconds are not
 * refused. The address bucket only stops a flood: Okta and Entra send from shared address pools,
 * and a product service sends from few addresses, so it holds fifty tenants' SCIM tokens, or two
 * product tokens, at full rate.
 */
function parseOperations(read: Reader): OperationsConfig {
  // DATABASE_ACQUIRE_TIMEOUT_MS is the older name of DB_TIMEOUT_MS, still understood.
  const legacyTimeout = read.integer("DATABASE_ACQUIRE_TIMEOUT_MS", DEFAULT_DB_TIMEOUT_MS, 100, 600000);
  const dbTimeoutMs = read.integer("DB_TIMEOUT_MS", legacyTimeout, 100, 600000);
  const dbStatementTimeoutMs = read.integer("DB_STATEMENT_TIMEOUT_MS", DEFAULT_STATEMENT_TIMEOUT_MS, 1000, 3600000);
  if (dbStatementTimeoutMs < dbTimeoutMs) read.problems.push("DB_STATEMENT_TIMEOUT_MS must not be shorter than DB_TIMEOUT_MS");
  const metricsToken = read.text("METRICS_TOKEN");
  if (metricsToken !== null && metricsToken.length < 16) read.problems.push("METRICS_TOKEN must be at least 16 characters long");
  const metricsPort = read.text("METRICS_PORT") === null ? null : read.integer("METRICS_PORT", 0, 0, 65535);
  const metricsOrgLabel = read.text("METRICS_ORG_LABEL") ?? "id";
  if (metricsOrgLabel !== "id" && metricsOrgLabel !== "name") read.problems.push(`METRICS_ORG_LABEL must be id or name, got "${metricsOrgLabel}"`);
  return {
    dbTimeoutMs,
    dbStatementTimeoutMs,
    events: {
      retentionMs: read.integer("EVENT_RETENTION_DAYS", 7, 1, 365) * DAY_MS,
      sseMaxBufferBytes: read.integer("SSE_MAX_BUFFER_BYTES", 1048576, 16384, 268435456),
      sseStallMs: read.integer("SSE_STALL_MS", 30000, 100, 3600000),
      sseMaxSubscribersPerOrg: read.integer("SSE_MAX_SUBSCRIBERS_PER_ORG", 100, 1, 100000),
      sseHeartbeatMs: read.integer("SSE_HEARTBEAT_MS", 15000, 1000, 300000),
      sseRetryMs: read.integer("SSE_RETRY_MS", 2000, 100, 600000),
    },
    webhooks: parseWebhooks(read),
    rateLimits: {
      perToken: { perSecond: read.integer("RATE_LIMIT_TOKEN_PER_SECOND", 100, 0, 1000000), burst: read.integer("RATE_LIMIT_TOKEN_BURST", 500, 1, 10000000) },
      perApiToken: { perSecond: read.integer("RATE_LIMIT_API_TOKEN_PER_SECOND", 2500, 0, 1000000), burst: read.integer("RATE_LIMIT_API_TOKEN_BURST", 10000, 1, 10000000) },
      perAddress: { perSecond: read.integer("RATE_LIMIT_ADDRESS_PER_SECOND", 5000, 0, 1000000), burst: read.integer("RATE_LIMIT_ADDRESS_BURST", 20000, 1, 10000000) },
    },
    shutdownGraceMs: read.integer("SHUTDOWN_GRACE_MS", 10000, 0, 600000),
    http: parseConnectionLimits(read),
    metricsToken,
    metricsPort,
    metricsOrgLabel: metricsOrgLabel === "name" ? "name" : "id",
  };
}

/**
 * Webhook delivery. One endpoint may hold at most WEBHOOK_ENDPOINT_CONCURRENCY of the
 * WEBHOOK_CONCURRENCY slots (2 of 8 by default), so a hung receiver and a failing one together
 * still leave half of them to the others.
 */
function parseWebhooks(read: Reader): OperationsConfig["webhooks"] {
  const concurrency = read.integer("WEBHOOK_CONCURRENCY", 8, 1, 256);
  const endpointConcurrency = read.integer("WEBHOOK_ENDPOINT_CONCURRENCY", Math.min(2, concurrency), 1, 256);
  if (endpointConcurrency > concurrency) read.problems.push("WEBHOOK_ENDPOINT_CONCURRENCY must not exceed WEBHOOK_CONCURRENCY");
  const allowPrivate = (read.text("WEBHOOK_ALLOW_PRIVATE") ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  const invalid = allowPrivate.map(allowPrivateEntryProblem).filter((problem) => problem !== null);
  if (invalid.length > 0) read.problems.push(`WEBHOOK_ALLOW_PRIVATE must list IP addresses, CIDRs or host names, comma-separated: ${invalid.join("; ")}`);
  return {
    timeoutMs: read.integer("WEBHOOK_TIMEOUT_MS", 10000, 500, 120000),
    concurrency,
    endpointConcurrency,
    circuitFailures: read.integer("WEBHOOK_CIRCUIT_FAILURES", 5, 1, 1000),
    retryForMs: read.integer("WEBHOOK_RETRY_HOURS", 24, 1, 720) * HOUR_MS,
    firstRetryMs: read.integer("WEBHOOK_FIRST_RETRY_MS", 5000, 100, 3600000),
    allowPrivate,
  };
}

/** CONSOLE_IDLE_MINUTES and CONSOLE_SESSION_HOURS when not set. */
export const DEFAULT_CONSOLE = Object.freeze({ idleMinutes: 30, sessionHours: 12 });

function parseConsole(read: Reader): ConsoleConfig {
  const sessionSecret = read.text("SESSION_SECRET");
  if (sessionSecret !== null && sessionSecret.length < 32) read.problems.push("SESSION_SECRET must be at least 32 characters long");
  return {
    idleMinutes: read.integer("CONSOLE_IDLE_MINUTES", DEFAULT_CONSOLE.idleMinutes, 1, 1440),
    sessionHours: read.integer("CONSOLE_SESSION_HOURS", DEFAULT_CONSOLE.sessionHours, 1, 720),
    sessionSecret,
  };
}

/**
 * Node's own defaults let a client hold a connection for minutes without sending a request: the
 * header and request timeouts are only looked at every 30 s, requests may take 5 minutes, and
 * connections are not capped. IdPs send their headers at once; 10 s is generous for them. A
 * request of the largest body (SCIM_MAX_BODY_BYTES, a whole large group) has two minutes. Idle
 * keep-alive connections stay 65 s, longer than the 60 s idle timeout of common load balancers
 * (AWS ALB), so that the proxy, not this server, closes them: otherwise a request sent as the
 * server closes fails with a 502.
 */
function parseConnectionLimits(read: Reader): ConnectionLimits {
  const headersTimeoutMs = read.integer("HTTP_HEADERS_TIMEOUT_MS", 10000, 100, 600000);
  const requestTimeoutMs = read.integer("HTTP_REQUEST_TIMEOUT_MS", 120000, 100, 3600000);
  // Node refuses a header timeout longer than the request timeout.
  if (headersTimeoutMs > requestTimeoutMs) read.problems.push("HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS");
  return {
    headersTimeoutMs,
    requestTimeoutMs,
    keepAliveTimeoutMs: read.integer("HTTP_KEEPALIVE_TIMEOUT_MS", 65000, 100, 600000),
    maxConnections: read.integer("HTTP_MAX_CONNECTIONS", 10000, 1, 1000000),
  };
}

/** A list of IP addresses, CIDRs and host names, comma-separated (WEBHOOK_ALLOW_PRIVATE's form). */
function parseAllowPrivate(name: string, value: string | null, problems: string[]): readonly string[] {
  const entries = (value ?? "").split(",").map((entry) => entry.trim()).filter((entry) => entry !== "");
  const invalid = entries.map(allowPrivateEntryProblem).filter((problem) => problem !== null);
  if (invalid.length > 0) problems.push(`${name} must list IP addresses, CIDRs or host names, comma-separated: ${invalid.join("; ")}`);
  return entries;
}

// Members' sign-in (OIDC) for the default organisation; other organisations use `cli oidc`.
function parseOidc(text: (name: string) => string | null, problems: string[]): OidcConfig | null {
  const issuer = text("OIDC_ISSUER");
  const clientId = text("OIDC_CLIENT_ID");
  const clientSecret = text("OIDC_CLIENT_SECRET");
  const jwksFile = text("OIDC_JWKS_FILE");
  const usernameClaim = text("OIDC_USERNAME_CLAIM") ?? "email";
  if (issuer === null) {
    if (clientId !== null || clientSecret !== null || jwksFile !== null) problems.push("OIDC_CLIENT_ID / OIDC_CLIENT_SECRET / OIDC_JWKS_FILE need OIDC_ISSUER");
    return null;
  }
  const problem = issuerProblem(issuer);
  if (problem !== null) problems.push(`OIDC_ISSUER ${problem}`);
  if (clientId === null) problems.push("OIDC_ISSUER needs OIDC_CLIENT_ID (the audience of members' tokens)");
  if (!/^[A-Za-z_][\w.:-]*$/.test(usernameClaim)) problems.push(`OIDC_USERNAME_CLAIM must be a claim name, got "${usernameClaim}"`);
  return { issuer, clientId: clientId ?? "", clientSecret, jwksFile, usernameClaim };
}

/**
 * An issuer is an https URL; plain http only on a loopback address (a test or a local issuer),
 * since tokens and discovery over http can be forged on the way. Null when acceptable.
 */
export function issuerProblem(issuer: string): string | null {
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    return `must be a URL, got "${issuer}"`;
  }
  if (url.search !== "" || url.hash !== "") return "must not have a query or fragment";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return null;
  return url.protocol === "http:" ? "may use http:// only on a loopback address (127.0.0.1, ::1, localhost); use https://" : "must be an https:// URL";
}
