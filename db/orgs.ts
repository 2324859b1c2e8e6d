/**
 * Organisations: every resource belongs to one, and a request's organisation is the one its token
 * (or Entra tenant) authenticates.
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import { deleteOrgConsoleSessions } from "./console-sessions";
import { translateDbError } from "./errors";
import { nowIso, readJson } from "./json";
import type { DbOrgRow } from "./tables";

export interface Org {
  id: string;
  name: string;
  /** `jwks` as stored (server/entra.ts checks its shape before use). */
  entra: { tenantId: string; jwksUrl: string | null; jwks: unknown } | null;
  /** The OIDC issuer its members sign in with; `jwks` as stored (server/oidc checks it), null = the issuer's own. */
  oidc: OrgOidc | null;
  /** The mapping file that manages the organisation (MAPPING_FILE), or null when the database does. */
  mappingFile: string | null;
}

export interface OrgOidc {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  readonly jwks: unknown;
  readonly usernameClaim: string;
}

function toOrg(row: DbOrgRow): Org {
  return {
    id: row.id,
    name: row.name,
    entra: row.entra_tenant_id
      ? { tenantId: row.entra_tenant_id, jwksUrl: row.entra_jwks_url, jwks: row.entra_jwks_json ? readJson(row.entra_jwks_json) : null }
      : null,
    oidc: row.oidc_issuer && row.oidc_client_id
      ? {
          issuer: row.oidc_issuer,
          clientId: row.oidc_client_id,
          clientSecret: row.oidc_client_secret,
          jwks: row.oidc_jwks_json ? readJson(row.oidc_jwks_json) : null,
          usernameClaim: row.oidc_username_claim ?? "email",
        }
      : null,
    mappingFile: row.mapping_file,
  };
}

export async function findOrgByName(tx: Executor, name: string): Promise<Org | null> {
  const row = await tx<DbOrgRow>("orgs").where({ name }).first();
  return row ? toOrg(row) : null;
}

export async function findOrgById(tx: Executor, id: string): Promise<Org | null> {
  const row = await tx<DbOrgRow>("orgs").where({ id }).first();
  return row ? toOrg(row) : null;
}

export async function findOrgByTenant(tx: Executor, tenantId: string): Promise<Org | null> {
  const row = await tx<DbOrgRow>("orgs").where({ entra_tenant_id: tenantId.toLowerCase() }).first();
  return row ? toOrg(row) : null;
}

export async function listOrgs(tx: Executor): Promise<Org[]> {
  const rows = await tx<DbOrgRow>("orgs").orderBy("name");
  return rows.map(toOrg);
}

/** Returns the organisation called `name`, creating it if needed (safe under concurrent callers). */
export async function ensureOrg(tx: Executor, name: string): Promise<Org> {
  const existing = await findOrgByName(tx, name);
  if (existing) return existing;
  try {
    await tx("orgs").insert({ id: randomUUID(), name, created_at: nowIso() }).onConflict("name").ignore();
  } catch (err) {
    translateDbError(err, `organisation ${name}`);
  }
  const created = await findOrgByName(tx, name);
  if (!created) throw new Error(`organisation ${name} could not be created`);
  return created;
}

/** Creates the organisation `name`; DbConflictError when it exists. */
export async function createOrg(tx: Executor, name: string): Promise<Org> {
  const id = randomUUID();
  try {
    await tx("orgs").insert({ id, name, created_at: nowIso() });
  } catch (err) {
    translateDbError(err, `an organisation named "${name}"`);
  }
  return { id, name, entra: null, oidc: null, mappingFile: null };
}

/**
 * Sets (or with null, removes) the OIDC issuer an organisation's members sign in with. Removing it,
 * or changing who vouches for a member's identity (issuer, client, username claim), ends the
 * organisation's console sessions: they were opened on the word of a sign-in that no longer holds.
 * Pass a transaction so that both happen together; returns how many sessions ended.
 */
export async function setOrgOidc(tx: Executor, orgId: string, oidc: OrgOidc | null): Promise<number> {
  const before = (await findOrgById(tx, orgId))?.oidc ?? null;
  await tx("orgs")
    .where({ id: orgId })
    .update({
      oidc_issuer: oidc?.issuer ?? null,
      oidc_client_id: oidc?.clientId ?? null,
      oidc_client_secret: oidc?.clientSecret ?? null,
      oidc_jwks_json: oidc?.jwks === null || oidc?.jwks === undefined ? null : JSON.stringify(oidc.jwks),
      oidc_username_claim: oidc?.usernameClaim ?? null,
    });
  return sameIdentitySource(before, oidc) ? 0 : deleteOrgConsoleSessions(tx, orgId);
}

function sameIdentitySource(a: OrgOidc | null, b: OrgOidc | null): boolean {
  if (a === null || b === null) return a === b;
  return a.issuer === b.issuer && a.clientId === b.clientId && a.usernameClaim === b.usernameClaim;
}

/** Records which file manages the organisation's mapping (null: the database does). */
export async function setOrgMappingFile(tx: Executor, orgId: string, file: string | null): Promise<void> {
  await tx("orgs").where({ id: orgId }).update({ mapping_file: file });
}

/** Organisations that trust this issuer (a token's `iss` picks the candidates; its audience decides). */
export async function findOrgsByIssuer(tx: Executor, issuer: string): Promise<Org[]> {
  const rows = await tx<DbOrgRow>("orgs").where({ oidc_issuer: issuer });
  return rows.map(toOrg);
}

export async function setOrgEntra(
  tx: Executor,
  orgId: string,
  entra: { tenantId: string; jwksUrl?: string | null; jwks?: unknown } | null,
): Promise<void> {
  try {
    await tx("orgs")
      .where({ id: orgId })
      .update({
        entra_tenant_id: entra ? entra.tenantId.toLowerCase() : null,
        entra_jwks_url: entra?.jwksUrl ?? null,
        entra_jwks_json: entra?.jwks ? JSON.stringify(entra.jwks) : null,
      });
  } catch (err) {
    translateDbError(err, `an organisation for Entra tenant ${entra?.tenantId ?? ""}`);
  }
}
