/**
 * Organisations: every resource belongs to one, and a request's organisation is the one its token
 * (or Entra tenant) authenticates.
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import { translateDbError } from "./errors";
import { nowIso, readJson } from "./json";
import type { DbOrgRow } from "./tables";

export interface Org {
  id: string;
  name: string;
  /** `jwks` as stored (server/entra.ts checks its shape before use). */
  entra: { tenantId: string; jwksUrl: string | null; jwks: unknown } | null;
}

function toOrg(row: DbOrgRow): Org {
  return {
    id: row.id,
    name: row.name,
    entra: row.entra_tenant_id
      ? { tenantId: row.entra_tenant_id, jwksUrl: row.entra_jwks_url, jwks: row.entra_jwks_json ? readJson(row.entra_jwks_json) : null }
      : null,
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
