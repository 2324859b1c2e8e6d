/**
 * Mapping versions: every applied mapping is kept, numbered per organisation; the highest version
 * is the one in force. The normalised mapping is opaque JSON here (decode it with mapping/'s
 * mappingFromJSON); the file text it came from is kept beside it.
 */
import type { Executor } from "./connection";
import { prepared } from "./prepared";
import { nowIso, readJson, writeJson } from "./json";
import { noteRevision } from "./outbox";
import type { DbMappingRow } from "./tables";

export interface StoredMapping {
  readonly version: number;
  readonly hash: string;
  /** As stored. */
  readonly mapping: unknown;
  readonly sourceName: string;
  readonly sourceText: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
}

/** The version and hash in force, without the mapping itself (checked on every SCIM write). */
export async function currentMappingVersion(tx: Executor, orgId: string): Promise<{ version: number; hash: string } | null> {
  const row: Pick<DbMappingRow, "version" | "hash"> | undefined = await tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").first("version", "hash");
  return row ? { version: Number(row.version), hash: row.hash } : null;
}

/**
 * What every directory write checks before recomputing: the organisation's mapping version and
 * hash in force and the platform overrides' version, in one statement rather than two.
 */
export async function versionsInForce(tx: Executor, orgId: string): Promise<{ mapping: { version: number; hash: string } | null; platform: number | null }> {
  const latest = (column: "version" | "hash") => tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").limit(1).select(column);
  const rows: { version: number | string | null; hash: string | null; platform: number | string | null }[] = await prepared(
    tx,
    "versionsInForce",
    tx.select({ version: latest("version"), hash: latest("hash"), platform: tx("platform_versions").max("version") }),
  );
  const row = rows[0];
  const mapping = row && row.version !== null && row.hash !== null ? { version: Number(row.version), hash: row.hash } : null;
  return { mapping, platform: row?.platform === null || row?.platform === undefined ? null : Number(row.platform) };
}

export async function currentMapping(tx: Executor, orgId: string): Promise<StoredMapping | null> {
  const row: DbMappingRow | undefined = await tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").first();
  return row ? toStoredMapping(row) : null;
}

function toStoredMapping(row: DbMappingRow): StoredMapping {
  return { ...appliedVersion(row), mapping: readJson(row.mapping) };
}

/** What every applied version records (mappings, platform overrides): its number, hash, text and who applied it when. */
export function appliedVersion(row: Pick<DbMappingRow, "version" | "hash" | "source_name" | "source_text" | "applied_by" | "applied_at">) {
  return {
    version: Number(row.version),
    hash: row.hash,
    sourceName: row.source_name,
    sourceText: row.source_text,
    appliedBy: row.applied_by,
    appliedAt: row.applied_at,
  };
}

/** Stores the next version and returns its number. */
export async function insertMapping(tx: Executor, orgId: string, m: { hash: string; mapping: unknown; sourceName: string; sourceText: string; appliedBy: string }): Promise<number> {
  const current = await currentMappingVersion(tx, orgId);
  const version = (current?.version ?? 0) + 1;
  await tx("mappings").insert({
    org_id: orgId,
    version,
    hash: m.hash,
    source_text: m.sourceText,
    source_name: m.sourceName,
    mapping: writeJson(m.mapping),
    applied_by: m.appliedBy,
    applied_at: nowIso(),
  });
  // The names a mapping defines are authorize's vocabulary (an unknown capability is a 400).
  noteRevision(tx, orgId);
  return version;
}

/** The version in force of every organisation (0 where none was applied), with its id and name. */
export async function mappingVersionsByOrg(tx: Executor): Promise<Array<{ orgId: string; orgName: string; version: number }>> {
  const rows: { id: string; name: string; version: number | string | null }[] = await tx("orgs as o")
    .leftJoin("mappings as m", "m.org_id", "o.id")
    .groupBy("o.id", "o.name")
    .select("o.id", "o.name")
    .max({ version: "m.version" });
  return rows.map((r) => ({ orgId: r.id, orgName: r.name, version: Number(r.version ?? 0) }));
}

export type MappingVersionSummary = Omit<StoredMapping, "mapping" | "sourceText">;

/** Versions newest first, without their content, a keyset page at a time (`before` a version). */
export async function mappingVersions(tx: Executor, orgId: string, options: { before?: number; limit: number }): Promise<MappingVersionSummary[]> {
  const query = tx("mappings").where({ org_id: orgId }).orderBy("version", "desc").limit(options.limit).select("version", "hash", "source_name", "applied_by", "applied_at");
  if (options.before !== undefined) query.where("version", "<", options.before);
  const rows: Array<Pick<DbMappingRow, "version" | "hash" | "source_name" | "applied_by" | "applied_at">> = await query;
  return rows.map((row) => ({ version: Number(row.version), hash: row.hash, sourceName: row.source_name, appliedBy: row.applied_by, appliedAt: row.applied_at }));
}

export async function mappingVersion(tx: Executor, orgId: string, version: number): Promise<StoredMapping | null> {
  const row: DbMappingRow | undefined = await tx("mappings").where({ org_id: orgId, version }).first();
  return row ? toStoredMapping(row) : null;
}
