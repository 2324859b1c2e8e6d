/**
 * Applying the operator's platform overrides (PLATFORM_FILE): validate, store as the next version
 * (only when it differs from the one in force), and recompute every organisation's members under it,
 * in one transaction, so that the server, the CLI and every replica compute with the same overrides
 * from the moment it commits. Members cannot reach this: it is called by the server for its file.
 */
import type { Database } from "../db/connection";
import { lockPlatform } from "../db/locks";
import { listOrgs } from "../db/orgs";
import { noteRevision } from "../db/outbox";
import { currentPlatform, insertPlatform } from "../db/platform";
import { withAfterCommit } from "../db/transaction";
import { type MappingIssue, parsePlatformFile } from "../mapping";
import type { ChangeCause } from "../db/change-cause";
import type { MappingPermissionSync } from "./sync";

export type PlatformApplyResult =
  | { readonly ok: true; readonly version: number; readonly changed: number; readonly unchanged: boolean }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function applyPlatformText(
  db: Database,
  sync: MappingPermissionSync,
  options: { text: string; sourceName: string; actor: string },
): Promise<PlatformApplyResult> {
  const parsed = parsePlatformFile(options.text, options.sourceName);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  return withAfterCommit(db, async (tx, after) => {
    await lockPlatform(tx);
    const current = await currentPlatform(tx);
    if (current?.hash === parsed.hash) return { ok: true as const, version: current.version, changed: 0, unchanged: true };
    const version = await insertPlatform(tx, { hash: parsed.hash, platform: parsed.platform, sourceName: options.sourceName, sourceText: options.text, appliedBy: options.actor });
    const cause: ChangeCause = { kind: "platform", version, source: options.sourceName, actor: options.actor };
    let changed = 0;
    for (const org of await listOrgs(tx)) {
      // Overrides are authorize's vocabulary too, even where no member's permissions change.
      noteRevision(tx, org.id);
      const recomputed = await sync.recomputeAll(tx, org.id, cause);
      changed += recomputed.changed;
      after(recomputed);
    }
    return { ok: true as const, version, changed, unchanged: false };
  });
}
