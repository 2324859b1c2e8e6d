/**
 * The mapping and platform overrides in force for an organisation: what every recompute resolves
 * with and what the admin API reads, explains and plans against. Reading them is not syncing: the
 * permission sync (roles/sync.ts) and every reader hold the same `MappingInForce`, whose memory of
 * the last decoded versions is checked against the stored ones on every read, so a version another
 * process (the CLI) applied is picked up at once.
 */
import type { Executor } from "../db/connection";
import { currentMapping, currentMappingVersion, versionsInForce } from "../db/mappings";
import { findOrgById } from "../db/orgs";
import type { ComputedWith } from "../db/permissions";
import { currentPlatform, currentPlatformVersion } from "../db/platform";
import { type Mapping, type PlatformFile, type PlatformOverrides, emptyMapping, mappingFromJSON, platformFor, platformFromJSON } from "../mapping";

interface CachedMapping {
  readonly version: number;
  readonly hash: string;
  readonly mapping: Mapping;
}

const NO_OVERRIDES: PlatformFile = { all: { features: {}, connectors: {} }, orgs: {} };

export class MappingInForce {
  private readonly mappings = new Map<string, CachedMapping>();
  private readonly orgNames = new Map<string, string>();
  private platformFile: { readonly version: number; readonly file: PlatformFile } | null = null;
  /** What `both` last found per organisation: a creation computes with it and checks it as it writes. */
  private readonly lastFound = new Map<string, { readonly versions: ComputedWith; readonly mapping: Mapping; readonly platform: PlatformOverrides }>();

  /** The organisation's mapping in force and its version (null while none was ever applied). */
  async mapping(tx: Executor, orgId: string): Promise<{ mapping: Mapping; version: number | null }> {
    return this.mappingAt(tx, orgId, await currentMappingVersion(tx, orgId));
  }

  /**
   * The platform overrides in force for the organisation, read from the database (every process
   * computes with the same ones) and re-read when another process stored a new version.
   */
  async platform(tx: Executor, orgId: string): Promise<PlatformOverrides> {
    return this.platformAt(tx, orgId, await currentPlatformVersion(tx));
  }

  /**
   * The mapping and platform overrides in force, as a directory write recomputes with them: both
   * versions checked in one statement, each re-read only when another process stored a new one.
   */
  async both(tx: Executor, orgId: string): Promise<{ mapping: Mapping; platform: PlatformOverrides }> {
    const versions = await versionsInForce(tx, orgId);
    const { mapping } = await this.mappingAt(tx, orgId, versions.mapping);
    const platform = await this.platformAt(tx, orgId, versions.platform);
    this.lastFound.set(orgId, { versions, mapping, platform });
    return { mapping, platform };
  }

  /**
   * What `both` last found for the organisation, with the versions it was found at, or undefined.
   * It may no longer be in force: a writer that uses it checks the versions in the statement that writes.
   */
  lastSeen(orgId: string): { readonly versions: ComputedWith; readonly mapping: Mapping; readonly platform: PlatformOverrides } | undefined {
    return this.lastFound.get(orgId);
  }

  private async mappingAt(tx: Executor, orgId: string, current: { version: number; hash: string } | null): Promise<{ mapping: Mapping; version: number | null }> {
    if (!current) return { mapping: emptyMapping(), version: null };
    const cached = this.mappings.get(orgId);
    if (cached && cached.version === current.version && cached.hash === current.hash) return { mapping: cached.mapping, version: cached.version };
    const stored = await currentMapping(tx, orgId);
    if (!stored) return { mapping: emptyMapping(), version: null };
    const mapping = mappingFromJSON(stored.mapping);
    this.mappings.set(orgId, { version: stored.version, hash: stored.hash, mapping });
    return { mapping, version: stored.version };
  }

  private async platformAt(tx: Executor, orgId: string, version: number | null): Promise<PlatformOverrides> {
    let name = this.orgNames.get(orgId);
    if (name === undefined) {
      name = (await findOrgById(tx, orgId))?.name ?? "";
      this.orgNames.set(orgId, name);
    }
    return platformFor(await this.storedPlatform(tx, version), name);
  }

  private async storedPlatform(tx: Executor, current: number | null): Promise<PlatformFile> {
    if (current === null) return NO_OVERRIDES;
    if (this.platformFile?.version === current) return this.platformFile.file;
    const stored = await currentPlatform(tx);
    if (stored === null) return NO_OVERRIDES;
    const file = platformFromJSON(stored.platform);
    this.platformFile = { version: stored.version, file };
    return file;
  }
}
