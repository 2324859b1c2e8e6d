/**
 * Transaction-scoped locks. One today: an organisation's permission recomputations (shared)
 * against its mapping changes (exclusive).
 */
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";

/**
 * Serialises one organisation's permission recomputations (shared) against its mapping changes
 * (exclusive) until the transaction ends. Without it, on PostgreSQL (READ COMMITTED) a mapping
 * change recomputes from memberships a concurrent SCIM write has not committed yet, while that
 * write recomputes under the old mapping: the member is left with permissions of neither.
 * SQLite runs one writer at a time, so there is nothing to do there. Taking it again in the same
 * transaction is harmless (PostgreSQL counts advisory locks per session).
 */
export async function lockOrgPermissions(tx: Executor, orgId: string, mode: "shared" | "exclusive"): Promise<void> {
  if (!isPostgres(tx)) return;
  const fn = mode === "shared" ? "pg_advisory_xact_lock_shared" : "pg_advisory_xact_lock";
  await tx.raw(`select ${fn}(hashtext(?))`, [`permissions:${orgId}`]);
}
