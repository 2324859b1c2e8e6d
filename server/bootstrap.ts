/**
 * Start-up steps shared by the server and the CLI: migrate, wire the role-mapping service to the
 * outbox wake-up signal, store the platform overrides, provision the default organisation.
 */
import { readFileSync } from "node:fs";
import type { Database } from "../db/connection";
import { migrateToLatest } from "../db/migrate";
import { type Org, ensureOrg, setOrgEntra, setOrgMappingFile } from "../db/orgs";
import { type TokenKind, countActiveTokens, createToken, ensureToken } from "../db/tokens";
import { MappingPermissionSync, type RecomputeObserver, applyPlatformText } from "../roles";
import type { Config, OidcConfig } from "./config";
import type { AppLogger } from "./logger";
import { issuerClientTakenBy } from "./oidc/member-tokens";
import { setMemberSignIn } from "./oidc/org-sign-in";
import { OutboxSignal } from "./signal";

export async function prepareDatabase(db: Database): Promise<void> {
  await migrateToLatest(db.knex);
}

/**
 * The role-mapping service, ringing `signal` after every commit that wrote events. Platform overrides
 * come from the database (see `storePlatformFile`), so every process computes with the same ones.
 */
export function createSync(observe?: RecomputeObserver): { sync: MappingPermissionSync; signal: OutboxSignal } {
  const signal = new OutboxSignal();
  return { signal, sync: new MappingPermissionSync(signal, observe) };
}

/**
 * PLATFORM_FILE at start: stored as the overrides in force (a new version only if it changed, every
 * member recomputed). An invalid file stops the start, naming every problem.
 */
export async function storePlatformFile(db: Database, sync: MappingPermissionSync, file: string, logger: AppLogger): Promise<void> {
  const result = await applyPlatformText(db, sync, { text: readFileSync(file, "utf8"), sourceName: file, actor: `file:${file}` });
  if (!result.ok) {
    throw new Error(`PLATFORM_FILE is invalid:\n${result.errors.map((e) => `  ${e.file}:${e.line}:${e.column} ${e.message}`).join("\n")}`);
  }
  if (!result.unchanged) logger.info({ file, version: result.version, changed: result.changed }, "platform overrides stored");
}

/**
 * The default organisation: SCIM_TOKEN / API_TOKEN registered if given; otherwise, when the
 * organisation has no token yet, one is created and handed to `printSecret` once. The server gives
 * it stderr: stdout carries only JSON log lines, which log pipelines keep and forward, and a token
 * must not travel with them. The log says where it went, never what it is.
 */
export async function provisionDefaultOrg(db: Database, config: Config, logger: AppLogger, printSecret: (line: string) => void): Promise<string> {
  const org = await ensureOrg(db.knex, config.defaultOrg);
  if (config.scimToken !== null) {
    await configuredToken(db, { orgId: org.id, kind: "scim", token: config.scimToken, label: "SCIM_TOKEN" }, logger);
  } else if ((await countActiveTokens(db.knex, org.id, "scim")) === 0) {
    const { token } = await createToken(db.knex, { orgId: org.id, kind: "scim", label: "generated at first start", createdBy: "server:first start" });
    printSecret(`SCIM bearer token for organisation "${org.name}" (shown once, stored only as a hash):\n${token}`);
    logger.warn({ org: org.name }, "no SCIM token was configured: one was generated and written once to stderr (stored only as a hash); copy it into the IdP, or set SCIM_TOKEN");
  }
  if (config.apiToken !== null) await configuredToken(db, { orgId: org.id, kind: "api", token: config.apiToken, label: "API_TOKEN" }, logger);
  await configureEntra(db, org, config.entra, logger);
  await configureMemberSignIn(db, org, config.oidc, logger);
  // One source of truth at a time: the admin API and the CLI refuse mapping writes while a file manages it.
  await setOrgMappingFile(db.knex, org.id, config.mappingFile);
  return org.id;
}

/**
 * ENTRA_* decide whether the default organisation accepts Entra-issued JWTs: written at every start
 * when set, and removed when unset, so taking the variables away switches the acceptance off.
 */
async function configureEntra(db: Database, org: Org, entra: Config["entra"], logger: AppLogger): Promise<void> {
  if (entra !== null) {
    const jwks: unknown = entra.jwksFile ? JSON.parse(readFileSync(entra.jwksFile, "utf8")) : null;
    await setOrgEntra(db.knex, org.id, { tenantId: entra.tenantId, jwksUrl: entra.jwksUrl, jwks });
    logger.info({ tenant: entra.tenantId }, "Entra-issued tokens accepted for the default organisation");
  } else if (org.entra !== null) {
    await setOrgEntra(db.knex, org.id, null);
    logger.warn({ tenant: org.entra.tenantId }, "ENTRA_TENANT_ID is not set: Entra-issued tokens are no longer accepted for the default organisation");
  }
}

/**
 * SCIM_TOKEN / API_TOKEN: registered the first time. One revoked with the CLI or the admin API stays
 * revoked although the environment still names it (a leaked token must not come back with the next
 * restart); the server starts without it and says so, so the operator replaces it.
 */
async function configuredToken(db: Database, token: { orgId: string; kind: TokenKind; token: string; label: string }, logger: AppLogger): Promise<void> {
  if ((await ensureToken(db.knex, token)) !== "revoked") return;
  logger.warn(
    { variable: token.label },
    `the configured ${token.label} is revoked and is not accepted: create a new token (\`${token.kind === "scim" ? "tokens" : "api-tokens"} create --org <name>\`), set ${token.label} to it and restart`,
  );
}

/**
 * OIDC_* decide how the default organisation's members sign in, as ENTRA_* decide its Entra tokens:
 * written at every start when set, and removed when unset, so that taking the variables away ends
 * members' sign-in — their tokens are refused and their console sessions end with the removal.
 */
async function configureMemberSignIn(db: Database, org: Org, oidc: OidcConfig | null, logger: AppLogger): Promise<void> {
  if (oidc === null) {
    if (org.oidc === null) return;
    const { sessionsEnded } = await setMemberSignIn(db, org.id, null);
    logger.warn({ issuer: org.oidc.issuer, sessionsEnded }, "OIDC_ISSUER is not set: members of the default organisation can no longer sign in, and their console sessions ended");
    return;
  }
  const taken = await issuerClientTakenBy(db.knex, org.id, oidc.issuer, oidc.clientId);
  if (taken !== null) throw new Error(`OIDC_ISSUER and OIDC_CLIENT_ID are already trusted by organisation "${taken}"; register a client per organisation`);
  const jwks: unknown = oidc.jwksFile === null ? null : JSON.parse(readFileSync(oidc.jwksFile, "utf8"));
  const { sessionsEnded } = await setMemberSignIn(db, org.id, { issuer: oidc.issuer, clientId: oidc.clientId, clientSecret: oidc.clientSecret, jwks, usernameClaim: oidc.usernameClaim });
  logger.info({ issuer: oidc.issuer, usernameClaim: oidc.usernameClaim }, "members of the default organisation sign in with OIDC");
  if (sessionsEnded > 0) logger.warn({ issuer: oidc.issuer, sessionsEnded }, "the default organisation's sign-in changed: console sessions opened with the previous one ended");
}
