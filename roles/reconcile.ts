/**
 * The start-up reconcile: every organisation's materialised permissions recomputed under the
 * mapping in force, e.g. after PLATFORM_FILE changed while the server was down.
 */
import type { Database } from "../db/connection";
import { listOrgs } from "../db/orgs";
import { withAfterCommit } from "../db/transaction";
import type { ChangeCause } from "../db/change-cause";
import type { MappingPermissionSync } from "./sync";

const START_UP: ChangeCause = { kind: "cli", actor: "server", command: "start-up reconcile" };

/** Returns how many members changed, by organisation name (organisations with no change are left out). */
export async function reconcileAll(db: Database, sync: MappingPermissionSync): Promise<Map<string, number>> {
  const changed = new Map<string, number>();
  for (const org of await listOrgs(db.knex)) {
    const count = await withAfterCommit(db, async (tx, after) => {
      const recomputed = await sync.recomputeAll(tx, org.id, START_UP);
      after(recomputed);
      return recomputed.changed;
    });
    if (count > 0) changed.set(org.name, count);
  }
  return changed;
}
