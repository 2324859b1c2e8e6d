/**
 * Start-up steps shared by the server and the CLI: migrate, load the platform overrides, wire the
 * role-mapping service to the outbox wake-up signal, provision the default organisation.
 */
import { readFileSync } from "node:fs";
import type { Database } from "../db/connection";
import { migrateToLatest } from "../db/migrate";
import { ensureOrg, setOrgEntra } from "../db/orgs";
import { countActiveTokens, createToken, ensureToken } from "../db/tokens";
import { type PlatformFile, parsePlatformFile, platformFor } from "../mapping";
import { MappingPermissionSync, type RecomputeObserver } from "../roles";
import type { Config } from "./config";
import type { AppLogger } from "./logger";
import { OutboxSignal } from "./signal";

export async function prepareDatabase(db: Database): Promise<void> {
  await migrateToLatest(db.knex);
}

export function loadPlatformFile(path: string | null): PlatformFile | null {
  if (path === null) return null;
  const parsed = parsePlatformFile(readFileSync(path, "utf8"), path);
  if (!parsed.ok) {
    throw new Error(`PLATFORM_FILE is invalid:\n${parsed.errors.map((e) => `  ${e.file}:${e.line}:${e.column} ${e.message}`).join("\n")}`);
  }
  return parsed.platform;
}

/** The role-mapping service, ringing `signal` after every commit that wrote events. */
export function createSync(platform: PlatformFile | null, observe?: RecomputeObserver): { sync: MappingPermissionSync; signal: OutboxSignal } {
  const signal = new OutboxSignal();
  return { signal, sync: new MappingPermissionSync(signal, (orgName) => platformFor(platform, orgName), observe) };
}

/**
 * The default organisation: SCIM_TOKEN / API_TOKEN registered if given; otherwise, when the
 * organisation has no token yet, one is created and printed once.
 */
export async function provisionDefaultOrg(db: Database, config: Config, logger: AppLogger, print: (line: string) => void): Promise<string> {
  const org = await ensureOrg(db.knex, config.defaultOrg);
  if (config.scimToken !== null) {
    await ensureToken(db.knex, { orgId: org.id, kind: "scim", token: config.scimToken, label: "SCIM_TOKEN" });
  } else if ((await countActiveTokens(db.knex, org.id, "scim")) === 0) {
    const { token } = await createToken(db.knex, { orgId: org.id, kind: "scim", label: "generated at first start" });
    print(`SCIM bearer token for organisation "${org.name}" (shown once, stored only as a hash):\n${token}`);
  }
  if (config.apiToken !== null) await ensureToken(db.knex, { orgId: org.id, kind: "api", token: config.apiToken, label: "API_TOKEN" });
  if (config.entra) {
    const jwks: unknown = config.entra.jwksFile ? JSON.parse(readFileSync(config.entra.jwksFile, "utf8")) : null;
    await setOrgEntra(db.knex, org.id, { tenantId: config.entra.tenantId, jwksUrl: config.entra.jwksUrl, jwks });
    logger.info({ tenant: config.entra.tenantId }, "Entra-issued tokens accepted for the default organisation");
  }
  return org.id;
}
