/**
 * Applying a mapping file: validate it, record a refusal or store it as the next version, and
 * recompute every member under it, all in one transaction. Shared by the file watcher, the CLI
 * and the API.
 */
import { createHash } from "node:crypto";
import type { Database } from "../db/connection";
import { lockOrgPermissions } from "../db/locks";
import { insertMappingRefusal, resolveMappingRefusals } from "../db/mapping-refusals";
import { currentMappingVersion, insertMapping } from "../db/mappings";
import { withAfterCommit } from "../db/transaction";
import { type MappingIssue, parseMapping } from "../mapping";
import type { ChangeCause } from "../scim/context";
import type { MappingPermissionSync } from "./sync";

export type ApplyResult =
  | { readonly ok: true; readonly version: number; readonly changed: number; readonly unchanged: boolean }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function applyMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string; actor: string },
): Promise<ApplyResult> {
  const parsed = parseMapping(options.text, options.sourceName);
  if (!parsed.ok) {
    await insertMappingRefusal(db.knex, options.orgId, { sourceName: options.sourceName, hash: hashText(options.text), errors: parsed.errors });
    return { ok: false, errors: parsed.errors };
  }
  return withAfterCommit(db, async (tx, after) => {
    // Mapping changes of one organisation take turns: the version read here is still the latest
    // when the next one is written.
    await lockOrgPermissions(tx, options.orgId, "exclusive");
    await resolveMappingRefusals(tx, options.orgId);
    const current = await currentMappingVersion(tx, options.orgId);
    if (current && current.hash === parsed.hash) return { ok: true as const, version: current.version, changed: 0, unchanged: true };
    const version = await insertMapping(tx, options.orgId, {
      hash: parsed.hash,
      mapping: parsed.mapping,
      sourceName: options.sourceName,
      sourceText: options.text,
      appliedBy: options.actor,
    });
    const cause: ChangeCause = { kind: "mapping", version, source: options.sourceName };
    const recomputed = await sync.recomputeAll(tx, options.orgId, cause, parsed.mapping);
    after(recomputed);
    return { ok: true as const, version, changed: recomputed.changed, unchanged: false };
  });
}

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
