/**
 * Membership changes: adding, removing and replacing a group's members, each returning the ids it
 * really added or removed, so that role mapping recomputes exactly those members in the same
 * transaction. (Deleting a user or a group takes its membership rows with it: db/users.ts,
 * db/groups.ts; test data is bulk-loaded by db/seed.ts.) Each operation costs in proportion to the ids
 * it is given, never to the size of the group: the id list is passed as ONE parameter and joined
 * in SQL (a JSON array read by json_each on SQLite; on PostgreSQL a text[] for `= ANY` lookups and
 * JSON read by jsonb_array_elements_text for inserts and set differences), which also keeps a
 * 100k-member PUT within every driver's parameter limit.
 */
import type { Knex } from "knex";
import type { Executor } from "./connection";
import { isPostgres, jsonIdRows } from "./dialect";
import { DbUnknownReferenceError } from "./errors";
import { touchGroups } from "./groups";

export interface MembershipChange {
  /** Member ids (users or groups) whose rows were inserted or deleted. */
  readonly added: string[];
  readonly removed: string[];
}

/**
 * `column` is one of `ids`, as a predicate the planner serves from an index whatever it knows of
 * the table: `= ANY(array)` on PostgreSQL (an index condition even without statistics; the
 * earlier anti-join over jsonb_array_elements_text was planned as a scan of every user on a
 * freshly loaded directory), an `IN` over json_each on SQLite.
 */
function inList(tx: Executor, column: string, ids: readonly string[]): { sql: string; binding: Knex.RawBinding } {
  return isPostgres(tx)
    ? { sql: `${column} = ANY(?::text[])`, binding: [...ids] }
    : { sql: `${column} IN (SELECT value FROM json_each(?))`, binding: JSON.stringify(ids) };
}

async function rowsOf<T>(tx: Executor, sql: string, bindings: readonly Knex.RawBinding[]): Promise<T[]> {
  const result: unknown = await tx.raw(sql, [...bindings]);
  if (Array.isArray(result)) return result as T[];
  if (typeof result === "object" && result !== null && "rows" in result) return (result as { rows: T[] }).rows;
  return [];
}

function unique(ids: readonly string[]): string[] {
  return [...new Set(ids)];
}

/**
 * Throws DbUnknownReferenceError naming ids that are neither a user nor an IdP group of the org (or
 * the group itself): a manual group cannot be made a member of anything, so to SCIM it does not exist.
 */
async function assertMembersExist(tx: Executor, orgId: string, groupId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const users = inList(tx, "u.id", ids);
  const groups = inList(tx, "g.id", ids);
  // By id alone, the organisation checked on the rows found: with `org_id = ?` in the WHERE, SQLite
  // without statistics (a freshly loaded directory) walked an org_id index over every user of the
  // organisation for each PATCH — Entra's initial sync fell from 235 to 25 PATCHes a second.
  const found = (
    await rowsOf<{ id: string; org_id: string }>(
      tx,
      `SELECT u.id AS id, u.org_id AS org_id FROM users u WHERE ${users.sql}
        UNION ALL
       SELECT g.id AS id, g.org_id AS org_id FROM groups g WHERE ${groups.sql} AND g.id <> ? AND g.source = 'scim'`,
      [users.binding, groups.binding, groupId],
    )
  ).filter((r) => r.org_id === orgId);
  if (found.length === ids.length) return;
  const known = new Set(found.map((r) => r.id));
  const missing = ids.filter((id) => !known.has(id));
  if (missing.length > 0) throw new DbUnknownReferenceError("members", missing.slice(0, 6));
}

async function insertMembers(tx: Executor, orgId: string, groupId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `INSERT INTO group_members (group_id, member_id, org_id, member_type)
      SELECT CAST(? AS TEXT), j.value, CAST(? AS TEXT), CASE WHEN EXISTS (SELECT 1 FROM groups g WHERE g.id = j.value AND g.org_id = ?) THEN 'Group' ELSE 'User' END
        FROM ${jsonIdRows(tx)}
      WHERE true
      ON CONFLICT (group_id, member_id) DO NOTHING
      RETURNING member_id`,
    [groupId, orgId, orgId, JSON.stringify(ids)],
  );
  return rows.map((r) => r.member_id);
}

async function deleteListed(tx: Executor, groupId: string, ids: readonly string[]): Promise<string[]> {
  if (ids.length === 0) return [];
  const listed = inList(tx, "member_id", ids);
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `DELETE FROM group_members WHERE group_id = ? AND ${listed.sql} RETURNING member_id`,
    [groupId, listed.binding],
  );
  return rows.map((r) => r.member_id);
}

async function deleteUnlisted(tx: Executor, groupId: string, keep: readonly string[]): Promise<string[]> {
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `DELETE FROM group_members WHERE group_id = ? AND member_id NOT IN (SELECT j.value FROM ${jsonIdRows(tx)}) RETURNING member_id`,
    [groupId, JSON.stringify(keep)],
  );
  return rows.map((r) => r.member_id);
}

async function finish(tx: Executor, orgId: string, groupId: string, change: MembershipChange): Promise<MembershipChange> {
  if (change.added.length > 0 || change.removed.length > 0) await touchGroups(tx, orgId, [groupId]);
  return change;
}

/**
 * Adds members; re-adding an existing member is a quiet no-op: Entra re-sends its adds every
 * cycle. See fixtures/entra/add-existing-member.json.
 */
export async function addMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  const ids = unique(memberIds);
  await assertMembersExist(tx, orgId, groupId, ids);
  return finish(tx, orgId, groupId, { added: await insertMembers(tx, orgId, groupId, ids), removed: [] });
}

/** Removes only the listed members; removing a non-member succeeds. */
export async function removeMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  return finish(tx, orgId, groupId, { added: [], removed: await deleteListed(tx, groupId, unique(memberIds)) });
}

export async function removeAllMembers(tx: Executor, orgId: string, groupId: string): Promise<MembershipChange> {
  return finish(tx, orgId, groupId, { added: [], removed: await deleteUnlisted(tx, groupId, []) });
}

/** Makes the member list exactly `memberIds`, as a set difference in SQL. */
export async function replaceMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  const ids = unique(memberIds);
  await assertMembersExist(tx, orgId, groupId, ids);
  const removed = await deleteUnlisted(tx, groupId, ids);
  const added = await insertMembers(tx, orgId, groupId, ids);
  return finish(tx, orgId, groupId, { added, removed });
}
