/**
 * Configuration is read once, from the environment, by server/main.ts. Every problem is reported
 * together, naming the variable; the result is frozen.
 */
import { DEFAULT_ACQUIRE_TIMEOUT_MS } from "../db/connection";

export interface Config {
  readonly port: number;
  readonly host: string;
  readonly databaseUrl: string;
  /** How long a request waits for a database connection before it is answered 503. */
  readonly databaseAcquireTimeoutMs: number;
  readonly defaultOrg: string;
  readonly scimToken: string | null;
  readonly apiToken: string | null;
  readonly mappingFile: string | null;
  readonly platformFile: string | null;
  readonly entra: { readonly tenantId: string; readonly jwksUrl: string | null; readonly jwksFile: string | null } | null;
  /** The OIDC issuer the default organisation's members sign in with (the admin API and console). */
  readonly oidc: OidcConfig | null;
  readonly limits: {
    readonly defaultCount: number;
    readonly maxCount: number;
    readonly maxBulkOperations: number;
    readonly maxBulkPayloadBytes: number;
    readonly maxBodyBytes: number;
  };
  readonly logLevel: string;
  readonly tokenCacheSeconds: number;
}

export interface OidcConfig {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly jwksFile: string | null;
  readonly usernameClaim: string;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

type Env = Readonly<Record<string, string | undefined>>;

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

  const defaultCount = integer("SCIM_DEFAULT_COUNT", 100, 1, 10000);
  const config: Config = {
    port: integer("PORT", 8080, 0, 65535),
    host: text("HOST") ?? "127.0.0.1",
    databaseUrl,
    databaseAcquireTimeoutMs: integer("DATABASE_ACQUIRE_TIMEOUT_MS", DEFAULT_ACQUIRE_TIMEOUT_MS, 100, 600000),
    defaultOrg: text("DEFAULT_ORG") ?? "default",
    scimToken,
    apiToken,
    mappingFile: text("MAPPING_FILE"),
    platformFile: text("PLATFORM_FILE"),
    entra,
    oidc,
    limits: {
      defaultCount,
      maxCount: integer("SCIM_MAX_COUNT", 1000, 1, 100000),
      maxBulkOperations: integer("SCIM_MAX_BULK_OPERATIONS", 1000, 1, 100000),
      maxBulkPayloadBytes: integer("SCIM_MAX_BULK_PAYLOAD_BYTES", 1048576, 1024, 1073741824),
      maxBodyBytes: integer("SCIM_MAX_BODY_BYTES", 33554432, 1024, 1073741824),
    },
    logLevel,
    tokenCacheSeconds: integer("TOKEN_CACHE_SECONDS", 0, 0, 3600),
  };
  if (config.limits.defaultCount > config.limits.maxCount) problems.push("SCIM_DEFAULT_COUNT must not exceed SCIM_MAX_COUNT");
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
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

export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  return host === "localhost" || host === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
