/**
 * Refused mapping edits: a mapping file that did not validate is recorded with its errors, so that
 * admins can see why their edit did not take; the next valid mapping marks earlier refusals resolved.
 */
import type { Executor } from "./connection";
import { nowIso, readJsonArray, writeJson } from "./json";
import type { DbMappingRefusalRow } from "./tables";

export interface MappingRefusal {
  readonly sourceName: string;
  readonly hash: string;
  /** As stored: the located issues the file was refused for. */
  readonly errors: unknown[];
  readonly refusedAt: string;
}

export async function insertMappingRefusal(tx: Executor, orgId: string, r: { sourceName: string; hash: string; errors: readonly unknown[] }): Promise<void> {
  await tx("mapping_refusals").insert({ org_id: orgId, source_name: r.sourceName, hash: r.hash, errors: writeJson(r.errors), refused_at: nowIso() });
}

/** The last refused edit that no valid file has superseded yet. */
export async function lastMappingRefusal(tx: Executor, orgId: string): Promise<MappingRefusal | null> {
  const row: DbMappingRefusalRow | undefined = await tx("mapping_refusals").where({ org_id: orgId }).whereNull("resolved_at").orderBy("seq", "desc").first();
  return row ? { sourceName: row.source_name, hash: row.hash, errors: readJsonArray(row.errors, "mapping refusal errors"), refusedAt: row.refused_at } : null;
}

/** A valid mapping was seen (applied, or identical to the one in force): earlier refusals are history. */
export async function resolveMappingRefusals(tx: Executor, orgId: string): Promise<void> {
  await tx("mapping_refusals").where({ org_id: orgId }).whereNull("resolved_at").update({ resolved_at: nowIso() });
}
