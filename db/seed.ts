/**
 * Bulk loading for tests and benchmarks: a whole list of ids goes in as ONE JSON parameter and is
 * expanded in SQL (as db/memberships.ts does), so 100k rows cost one statement, not 100k.
 * Seeded users have `userName` = prefix + id and no attributes besides; nothing here runs role mapping.
 * Each load ends with ANALYZE, as PostgreSQL advises after bulk loading: a freshly loaded table has
 * no statistics, and the planner then takes a 100k-row org for a 50-row one and picks nested loops
 * that compare every id with every id (minutes instead of milliseconds for a 100k-member PUT).
 */
import type { Executor } from "./connection";
import { isPostgres, jsonIdRows } from "./dialect";
import { nowIso } from "./json";

async function analyze(tx: Executor, table: "users" | "group_members"): Promise<void> {
  await tx.raw(`ANALYZE ${table}`);
}

export async function seedUsers(tx: Executor, orgId: string, ids: readonly string[], userNamePrefix = "seed-"): Promise<void> {
  if (ids.length === 0) return;
  const now = nowIso();
  const active = isPostgres(tx) ? "TRUE" : "1";
  await tx.raw(
    `INSERT INTO users (id, org_id, user_name, user_name_ci, active, data, version, created_at, updated_at)
      SELECT j.value, CAST(? AS TEXT), CAST(? AS TEXT) || j.value, lower(CAST(? AS TEXT) || j.value), ${active}, '{}', 1, CAST(? AS TEXT), CAST(? AS TEXT)
        FROM ${jsonIdRows(tx)}`,
    [orgId, userNamePrefix, userNamePrefix, now, now, JSON.stringify(ids)],
  );
  await analyze(tx, "users");
}

/** Adds users as direct members of a group, without the existence checks of db/memberships.ts. */
export async function seedMembers(tx: Executor, orgId: string, groupId: string, userIds: readonly string[]): Promise<void> {
  if (userIds.length === 0) return;
  await tx.raw(
    `INSERT INTO group_members (group_id, member_id, org_id, member_type)
      SELECT CAST(? AS TEXT), j.value, CAST(? AS TEXT), 'User' FROM ${jsonIdRows(tx)}`,
    [groupId, orgId, JSON.stringify(userIds)],
  );
  await analyze(tx, "group_members");
}
