/**
 * Checking the materialised permissions against the directory: every member recomputed from their
 * groups and the mapping in force, compared with what is stored. Drift means a bug, a restore of
 * one table without the other, or a hand edit; `repair` writes the recomputed rows through the
 * same path as any change, so each is audited and announced (outbox, SSE, webhooks).
 */
import type { Database } from "../db/connection";
import { allMembers } from "../db/member-snapshots";
import { withAfterCommit } from "../db/transaction";
import { type EffectivePermissions, batchResolver, permissionsEqual, permissionsFromJSON } from "../mapping";
import type { ChangeCause } from "../db/change-cause";
import type { MappingPermissionSync } from "./sync";

export interface Drift {
  readonly member: { readonly id: string; readonly userName: string };
  /** null when nothing is stored for the member. */
  readonly stored: EffectivePermissions | null;
  readonly computed: EffectivePermissions;
}

export interface VerifyResult {
  readonly checked: number;
  readonly drift: readonly Drift[];
  /** Members whose rows were rewritten (repair only). */
  readonly repaired: number;
}

export async function verifyPermissions(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; repair: boolean; actor: string },
): Promise<VerifyResult> {
  return withAfterCommit(db, async (tx, after) => {
    const { mapping } = await sync.inForce.mapping(tx, options.orgId);
    const resolve = batchResolver(mapping, await sync.inForce.platform(tx, options.orgId));
    const drift: Drift[] = [];
    let checked = 0;
    for await (const page of allMembers(tx, options.orgId, { withPermissions: true })) {
      for (const member of page.members) {
        checked += 1;
        const raw = page.stored.get(member.id);
        const stored = raw === undefined ? null : permissionsFromJSON(raw);
        const computed = resolve(member);
        if (stored === null || !permissionsEqual(stored, computed)) drift.push({ member: { id: member.id, userName: member.userName }, stored, computed });
      }
    }
    if (!options.repair || drift.length === 0) return { checked, drift, repaired: 0 };
    const cause: ChangeCause = { kind: "cli", actor: options.actor, command: "verify --repair" };
    const recomputed = await sync.recomputeAll(tx, options.orgId, cause);
    after(recomputed);
    return { checked, drift, repaired: drift.length };
  });
}
