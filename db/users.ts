import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import type { DbUserRow } from "./tables";
import { nowIso, writeJson } from "./json";
import { DbUnknownReferenceError, DbVersionMismatchError, translateDbError } from "./errors";
import { type JsonObject, type UserRecord, toUserRecord } from "./resources";

export interface UserFields {
  readonly userName: string;
  readonly externalId: string | null;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly managerId: string | null;
  readonly data: JsonObject;
}

function isPg(tx: Executor): boolean {
  return tx.client.config.client === "pg";
}

async function assertManagerExists(tx: Executor, orgId: string, managerId: string | null, selfId: string | null): Promise<void> {
  if (managerId === null) return;
  if (managerId === selfId) return;
  const found = await tx("users").where({ org_id: orgId, id: managerId }).first("id");
  if (!found) throw new DbUnknownReferenceError("manager", [managerId]);
}

function columns(fields: UserFields): Omit<DbUserRow, "seq" | "id" | "org_id" | "version" | "created_at" | "updated_at"> {
  return {
    user_name: fields.userName,
    user_name_ci: fields.userName.toLowerCase(),
    external_id: fields.externalId,
    display_name: fields.displayName,
    active: fields.active,
    manager_id: fields.managerId,
    data: writeJson(fields.data),
  };
}

export async function insertUser(tx: Executor, orgId: string, fields: UserFields): Promise<UserRecord> {
  const id = randomUUID();
  await assertManagerExists(tx, orgId, fields.managerId, id);
  const now = nowIso();
  const row = { id, org_id: orgId, version: 1, created_at: now, updated_at: now, ...columns(fields) };
  try {
    await tx("users").insert(row);
  } catch (err) {
    translateDbError(err, `a User with userName "${fields.userName}"`);
  }
  return toUserRecord({ seq: 0, ...row });
}

export async function findUser(tx: Executor, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRecord | null> {
  const query = tx<DbUserRow>("users").where({ org_id: orgId, id }).first();
  if (options.forUpdate && isPg(tx)) query.forUpdate();
  const row = await query;
  return row ? toUserRecord(row) : null;
}

export async function findUserByUserName(tx: Executor, orgId: string, userName: string): Promise<UserRecord | null> {
  const row = await tx<DbUserRow>("users").where({ org_id: orgId, user_name_ci: userName.toLowerCase() }).first();
  return row ? toUserRecord(row) : null;
}

/**
 * Replaces a user's attributes. `expectedVersion` (from If-Match, or the version the caller read
 * under lock) makes the write conditional: a concurrent writer in between → DbVersionMismatchError.
 */
export async function updateUser(tx: Executor, orgId: string, id: string, expectedVersion: number, fields: UserFields): Promise<UserRecord> {
  await assertManagerExists(tx, orgId, fields.managerId, id);
  const now = nowIso();
  let changed: number;
  try {
    changed = await tx("users")
      .where({ org_id: orgId, id, version: expectedVersion })
      .update({ ...columns(fields), version: expectedVersion + 1, updated_at: now });
  } catch (err) {
    translateDbError(err, `a User with userName "${fields.userName}"`);
  }
  if (changed === 0) {
    const current = await tx("users").where({ org_id: orgId, id }).first("version");
    throw new DbVersionMismatchError(Number(current?.version ?? 0));
  }
  const updated = await findUser(tx, orgId, id);
  if (!updated) throw new DbVersionMismatchError(0);
  return updated;
}

/** Deletes a user with its memberships; managers pointing at it are cleared. Returns false when absent. */
export async function deleteUser(tx: Executor, orgId: string, id: string): Promise<boolean> {
  const groupIds = (await tx("group_members").where({ org_id: orgId, member_id: id }).select("group_id")).map((r: { group_id: string }) => r.group_id);
  const removed = await tx("users").where({ org_id: orgId, id }).delete();
  if (removed === 0) return false;
  await tx("group_members").where({ org_id: orgId, member_id: id }).delete();
  await tx("users").where({ org_id: orgId, manager_id: id }).update({ manager_id: null });
  await bumpGroupVersions(tx, orgId, groupIds);
  return true;
}

export async function bumpGroupVersions(tx: Executor, orgId: string, groupIds: readonly string[]): Promise<void> {
  const now = nowIso();
  for (let i = 0; i < groupIds.length; i += 500) {
    await tx("groups").where({ org_id: orgId }).whereIn("id", groupIds.slice(i, i + 500)).update({ version: tx.raw("version + 1"), updated_at: now });
  }
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

/** The groups each user is a direct member of: one query for a whole page of users. */
export async function groupsOfUsers(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, GroupRef[]>> {
  const result = new Map<string, GroupRef[]>();
  for (const id of userIds) result.set(id, []);
  for (let i = 0; i < userIds.length; i += 500) {
    // CROSS JOIN: members first whatever SQLite's statistics say (see db/permissions.ts loadMembers).
    const rows: { member_id: string; id: string; display_name: string; external_id: string | null }[] = await tx("group_members as gm")
      .crossJoin(tx.raw("?? AS g", ["groups"]))
      .where("g.id", tx.ref("gm.group_id"))
      .where("gm.org_id", orgId)
      .whereIn("gm.member_id", userIds.slice(i, i + 500))
      .orderBy("g.seq")
      .select("gm.member_id", "g.id", "g.display_name", "g.external_id");
    for (const row of rows) result.get(row.member_id)?.push({ id: row.id, displayName: row.display_name, externalId: row.external_id });
  }
  return result;
}

/** A user and its direct groups in one query (GET /Users/{id}, the IdPs' most frequent read). */
export async function findUserWithGroups(tx: Executor, orgId: string, id: string): Promise<{ user: UserRecord; groups: GroupRef[] } | null> {
  const rows: (DbUserRow & { g_id: string | null; g_display_name: string | null; g_external_id: string | null })[] = await tx("users as u")
    .leftJoin("group_members as gm", "gm.member_id", "u.id")
    .leftJoin("groups as g", "g.id", "gm.group_id")
    .where("u.org_id", orgId)
    .where("u.id", id)
    .orderBy("g.seq")
    .select("u.*", "g.id as g_id", "g.display_name as g_display_name", "g.external_id as g_external_id");
  const [first] = rows;
  if (!first) return null;
  const groups: GroupRef[] = [];
  for (const row of rows) {
    if (row.g_id !== null && row.g_display_name !== null) groups.push({ id: row.g_id, displayName: row.g_display_name, externalId: row.g_external_id });
  }
  return { user: toUserRecord(first), groups };
}
