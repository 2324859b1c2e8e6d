/**
 * Platform override versions: the operator's contract file as applied, numbered; the highest is in
 * force for every organisation and every process. The overrides are opaque JSON here (decoded by
 * mapping/'s platformFromJSON).
 */
import type { Executor } from "./connection";
import { nowIso, readJson, writeJson } from "./json";
import { appliedVersion } from "./mappings";
import type { DbPlatformVersionRow } from "./tables";

export interface StoredPlatform {
  readonly version: number;
  readonly hash: string;
  /** As stored. */
  readonly platform: unknown;
  readonly sourceName: string;
  readonly sourceText: string;
  readonly appliedBy: string;
  readonly appliedAt: string;
}

/**
 * The version in force (asked on every write that recomputes permissions), or null. Versions are
 * never rewritten, so the number names the content. MAX is one step down the version index.
 */
export async function currentPlatformVersion(tx: Executor): Promise<number | null> {
  const row = await tx("platform_versions").max<{ v: number | string | null }>({ v: "version" }).first();
  return row?.v === null || row?.v === undefined ? null : Number(row.v);
}

function toStored(row: DbPlatformVersionRow): StoredPlatform {
  return { ...appliedVersion(row), platform: readJson(row.platform) };
}

export async function currentPlatform(tx: Executor): Promise<StoredPlatform | null> {
  const row: DbPlatformVersionRow | undefined = await tx("platform_versions").orderBy("version", "desc").first();
  return row ? toStored(row) : null;
}

/** Every version, newest first, without their text. */
export async function platformVersions(tx: Executor): Promise<Array<Omit<StoredPlatform, "sourceText" | "platform">>> {
  const rows: DbPlatformVersionRow[] = await tx("platform_versions").orderBy("version", "desc").select("version", "hash", "source_name", "applied_by", "applied_at");
  return rows.map((row) => ({ version: Number(row.version), hash: row.hash, sourceName: row.source_name, appliedBy: row.applied_by, appliedAt: row.applied_at }));
}

/** Stores the next version and returns its number. */
export async function insertPlatform(tx: Executor, p: { hash: string; platform: unknown; sourceName: string; sourceText: string; appliedBy: string }): Promise<number> {
  const version = ((await currentPlatformVersion(tx)) ?? 0) + 1;
  await tx("platform_versions").insert({
    version,
    hash: p.hash,
    source_text: p.sourceText,
    source_name: p.sourceName,
    platform: writeJson(p.platform),
    applied_by: p.appliedBy,
    applied_at: nowIso(),
  });
  return version;
}
