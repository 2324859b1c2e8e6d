/**
 * Membership changes: adding, removing and replacing a group's members, each returning the ids it
 * really added or removed, so that role mapping recomputes exactly those members in the same
 * transaction. (Deleting a user or a group takes its membership rows with it: db/users.ts,
 * db/groups.ts; test data is bulk-loaded by db/seed.ts.) Each operation costs in proportion to the ids
 * it is given, never to the size of the group: the id list is passed as one parameter per chunk of
 * ID_CHUNK ids and joined in SQL (a JSON array read by json_each on SQLite; on PostgreSQL a text[]
 * for `= ANY` lookups and JSON read by jsonb_array_elements_text for inserts and set differences),
 * which also keeps a 100k-member PUT within every driver's parameter limit.
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

async function rowsOf<T>(tx: Executor, sql: string, bindings: readonly Knex.RawBinding[]): Promise<T[]> {
  const result: unknown = await tx.raw(sql, [...bindings]);
  if (Array.isArray(result)) return result as T[];
  if (typeof result === "object" && result !== null && "rows" in result) return (result as { rows: T[] }).rows;
  return [];
}

/**
 * The ids a statement is given at most. A long list goes in several statements of the same
 * transaction: one statement of 600k ids held the event loop for seconds building, serialising and
 * handing over its 25 MB parameter (`postMessage` to the SQLite thread, pg's array literal), and
 * between two statements other requests are served. 10k ids are ≈ 400 KB of JSON, a few ms.
 */
export const ID_CHUNK = 10_000;

/** Up to ID_CHUNK distinct ids and their JSON array, built once for every statement that reads it. */
interface IdChunk {
  readonly ids: readonly string[];
  readonly json: string;
}

/**
 * The ids in chunks, each distinct within itself. An id repeated across two chunks is harmless:
 * inserts and deletes are idempotent, and the existence check counts per chunk.
 */
function* idChunks(ids: readonly string[]): Generator<IdChunk> {
  for (let i = 0; i < ids.length; i += ID_CHUNK) {
    const chunk = [...new Set(ids.slice(i, i + ID_CHUNK))];
    yield { ids: chunk, json: JSON.stringify(chunk) };
  }
}

/**
 * `column` is one of the chunk's ids, as a predicate the planner serves from an index whatever it
 * knows of the table: `= ANY(array)` on PostgreSQL (an index condition even without statistics; the
 * earlier anti-join over jsonb_array_elements_text was planned as a scan of every user on a
 * freshly loaded directory), an `IN` over json_each on SQLite.
 */
function inChunk(tx: Executor, column: string, chunk: IdChunk): { sql: string; binding: Knex.RawBinding } {
  return isPostgres(tx) ? { sql: `${column} = ANY(?::text[])`, binding: [...chunk.ids] } : { sql: `${column} IN (SELECT value FROM json_each(?))`, binding: chunk.json };
}

const NOBODY: IdChunk = { ids: [], json: "[]" };

/** How many unknown ids an error names: enough to find the mistake, never the whole list. */
const NAMED_UNKNOWN = 6;

/**
 * Throws DbUnknownReferenceError naming ids that are neither a user nor an IdP group of the org (or
 * the group itself): a manual group cannot be made a member of anything, so to SCIM it does not exist.
 * Checked chunk by chunk, and the first chunk with an unknown id ends it: the error names the first
 * few, so a list of 600k unknown ids costs one statement, not 600k ids' worth of answer.
 */
async function assertChunkExists(tx: Executor, orgId: string, groupId: string, chunk: IdChunk): Promise<void> {
  if (chunk.ids.length === 0) return;
  const users = inChunk(tx, "u.id", chunk);
  const groups = inChunk(tx, "g.id", chunk);
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
  if (found.length === chunk.ids.length) return;
  const known = new Set(found.map((r) => r.id));
  const missing: string[] = [];
  for (const id of chunk.ids) {
    if (!known.has(id)) missing.push(id);
    if (missing.length === NAMED_UNKNOWN) break;
  }
  if (missing.length > 0) throw new DbUnknownReferenceError("members", missing);
}

/**
 * The ids in chunks, every chunk checked to exist. Each chunk is built just before its statement,
 * so building 600k ids' chunks is spread between round trips to the database rather than done in
 * one stretch, and the first unknown id stops it.
 */
async function checkedChunks(tx: Executor, orgId: string, groupId: string, ids: readonly string[]): Promise<IdChunk[]> {
  const checked: IdChunk[] = [];
  for (const chunk of idChunks(ids)) {
    await assertChunkExists(tx, orgId, groupId, chunk);
    checked.push(chunk);
  }
  return checked;
}

async function insertChunk(tx: Executor, orgId: string, groupId: string, chunk: IdChunk): Promise<string[]> {
  if (chunk.ids.length === 0) return [];
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `INSERT INTO group_members (group_id, member_id, org_id, member_type)
      SELECT CAST(? AS TEXT), j.value, CAST(? AS TEXT), CASE WHEN EXISTS (SELECT 1 FROM groups g WHERE g.id = j.value AND g.org_id = ?) THEN 'Group' ELSE 'User' END
        FROM ${jsonIdRows(tx)}
      WHERE true
      ON CONFLICT (group_id, member_id) DO NOTHING
      RETURNING member_id`,
    [groupId, orgId, orgId, chunk.json],
  );
  return rows.map((r) => r.member_id);
}

async function deleteChunk(tx: Executor, groupId: string, chunk: IdChunk): Promise<string[]> {
  if (chunk.ids.length === 0) return [];
  const listed = inChunk(tx, "member_id", chunk);
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `DELETE FROM group_members WHERE group_id = ? AND ${listed.sql} RETURNING member_id`,
    [groupId, listed.binding],
  );
  return rows.map((r) => r.member_id);
}

async function deleteUnlisted(tx: Executor, groupId: string, keep: IdChunk): Promise<string[]> {
  const rows = await rowsOf<{ member_id: string }>(
    tx,
    `DELETE FROM group_members WHERE group_id = ? AND member_id NOT IN (SELECT j.value FROM ${jsonIdRows(tx)}) RETURNING member_id`,
    [groupId, keep.json],
  );
  return rows.map((r) => r.member_id);
}

/**
 * Removes the members not in `keep` when `keep` is longer than one chunk: "NOT IN" cannot be split
 * into chunks, so the group's member ids are read a page at a time (keyset on member id) and the
 * unlisted ones deleted by name. Its cost is the group's size, which is at most the ids named plus
 * the members removed: no more than the replacement itself.
 */
async function deleteUnlistedInPages(tx: Executor, groupId: string, chunks: readonly IdChunk[]): Promise<string[]> {
  const keep = new Set(chunks.flatMap((chunk) => chunk.ids));
  const removed: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page: { member_id: string }[] = await rowsOf<{ member_id: string }>(
      tx,
      `SELECT member_id FROM group_members WHERE group_id = ?${after === null ? "" : " AND member_id > ?"} ORDER BY member_id LIMIT ${ID_CHUNK}`,
      after === null ? [groupId] : [groupId, after],
    );
    const unlisted = page.map((r) => r.member_id).filter((id) => !keep.has(id));
    for (const chunk of idChunks(unlisted)) removed.push(...(await deleteChunk(tx, groupId, chunk)));
    const last = page[page.length - 1];
    if (page.length < ID_CHUNK || last === undefined) return removed;
    after = last.member_id;
  }
}

async function finish(tx: Executor, orgId: string, groupId: string, change: MembershipChange): Promise<MembershipChange> {
  if (change.added.length > 0 || change.removed.length > 0) await touchGroups(tx, orgId, [groupId]);
  return change;
}

/**
 * Adds members; re-adding an existing member is a quiet no-op: Entra re-sends its adds every
 * cycle. See fixtures/entra/add-existing-member.json. Every id is checked before any is inserted.
 */
export async function addMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  const chunks = await checkedChunks(tx, orgId, groupId, memberIds);
  const added: string[] = [];
  for (const chunk of chunks) added.push(...(await insertChunk(tx, orgId, groupId, chunk)));
  return finish(tx, orgId, groupId, { added, removed: [] });
}

/** Removes only the listed members; removing a non-member succeeds. */
export async function removeMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  const removed: string[] = [];
  for (const chunk of idChunks(memberIds)) removed.push(...(await deleteChunk(tx, groupId, chunk)));
  return finish(tx, orgId, groupId, { added: [], removed });
}

export async function removeAllMembers(tx: Executor, orgId: string, groupId: string): Promise<MembershipChange> {
  return finish(tx, orgId, groupId, { added: [], removed: await deleteUnlisted(tx, groupId, NOBODY) });
}

/**
 * Makes the member list exactly `memberIds`, as a set difference in SQL: in one statement for a
 * list of one chunk, else page by page (deleteUnlistedInPages).
 */
export async function replaceMembers(tx: Executor, orgId: string, groupId: string, memberIds: readonly string[]): Promise<MembershipChange> {
  const chunks = await checkedChunks(tx, orgId, groupId, memberIds);
  const [only] = chunks;
  const removed = chunks.length > 1 ? await deleteUnlistedInPages(tx, groupId, chunks) : await deleteUnlisted(tx, groupId, only ?? NOBODY);
  const added: string[] = [];
  for (const chunk of chunks) added.push(...(await insertChunk(tx, orgId, groupId, chunk)));
  return finish(tx, orgId, groupId, { added, removed });
}
