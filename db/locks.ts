/**
 * Transaction-scoped locks: an organisation's permission recomputations (shared) against its
 * mapping changes (exclusive), and platform override changes against each other.
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

/**
 * Serialises platform override changes until the transaction ends. Replicas watch the same
 * PLATFORM_FILE and store it at start: without turns, two would read the same version in force and
 * both number theirs next (one failing on the unique version); with them, the second finds its
 * file already stored. Keyed by schema, as the database holds one platform per schema.
 */
export async function lockPlatform(tx: Executor): Promise<void> {
  if (!isPostgres(tx)) return;
  await tx.raw("select pg_advisory_xact_lock(hashtext('platform:' || current_schema()))");
}
