import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import type { DbGroupRow } from "./tables";
import { nowIso, writeJson } from "./json";
import { DbVersionMismatchError, translateDbError } from "./errors";
import { type GroupRecord, type JsonObject, toGroupRecord } from "./resources";

export interface GroupFields {
  readonly displayName: string;
  readonly externalId: string | null;
  readonly data: JsonObject;
}

function columns(fields: GroupFields): Pick<DbGroupRow, "display_name" | "display_name_ci" | "external_id" | "data"> {
  return {
    display_name: fields.displayName,
    display_name_ci: fields.displayName.toLowerCase(),
    external_id: fields.externalId,
    data: writeJson(fields.data),
  };
}

export async function insertGroup(tx: Executor, orgId: string, fields: GroupFields): Promise<GroupRecord> {
  const now = nowIso();
  const row = { id: randomUUID(), org_id: orgId, version: 1, created_at: now, updated_at: now, ...columns(fields) };
  try {
    await tx("groups").insert(row);
  } catch (err) {
    translateDbError(err, `a Group with displayName "${fields.displayName}"`);
  }
  return toGroupRecord({ seq: 0, ...row });
}

export async function findGroup(tx: Executor, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<GroupRecord | null> {
  const query = tx<DbGroupRow>("groups").where({ org_id: orgId, id }).first();
  if (options.forUpdate && tx.client.config.client === "pg") query.forUpdate();
  const row = await query;
  return row ? toGroupRecord(row) : null;
}

/** Conditional on `expectedVersion`; bumps the version. */
export async function updateGroup(tx: Executor, orgId: string, id: string, expectedVersion: number, fields: GroupFields): Promise<GroupRecord> {
  let changed: number;
  try {
    changed = await tx("groups")
      .where({ org_id: orgId, id, version: expectedVersion })
      .update({ ...columns(fields), version: expectedVersion + 1, updated_at: nowIso() });
  } catch (err) {
    translateDbError(err, `a Group with displayName "${fields.displayName}"`);
  }
  if (changed === 0) {
    const current = await tx("groups").where({ org_id: orgId, id }).first("version");
    throw new DbVersionMismatchError(Number(current?.version ?? 0));
  }
  const updated = await findGroup(tx, orgId, id);
  if (!updated) throw new DbVersionMismatchError(0);
  return updated;
}

/** Bumps the version of a group whose members changed; returns the new record. */
export async function touchGroup(tx: Executor, orgId: string, id: string): Promise<void> {
  await tx("groups").where({ org_id: orgId, id }).update({ version: tx.raw("version + 1"), updated_at: nowIso() });
}

/**
 * Deletes a group and its membership rows (as container and as member of other groups).
 * Returns the ids of its direct members, whose access may change, or null when absent.
 */
export async function deleteGroup(tx: Executor, orgId: string, id: string): Promise<string[] | null> {
  const members = (await tx("group_members").where({ group_id: id, org_id: orgId }).select("member_id")).map((r: { member_id: string }) => r.member_id);
  const removed = await tx("groups").where({ org_id: orgId, id }).delete();
  if (removed === 0) return null;
  await tx("group_members").where({ group_id: id }).delete();
  const parents = (await tx("group_members").where({ org_id: orgId, member_id: id }).select("group_id")).map((r: { group_id: string }) => r.group_id);
  await tx("group_members").where({ org_id: orgId, member_id: id }).delete();
  for (const parent of parents) await touchGroup(tx, orgId, parent);
  return members;
}

export interface MemberRow {
  readonly value: string;
  readonly type: "User" | "Group";
  readonly display: string | null;
}

/**
 * One page of a group's members in member-id order, for streaming a large group without
 * holding it in memory: pass the last id of the previous page as `after`.
 */
export async function groupMembersPage(tx: Executor, groupId: string, after: string | null, limit: number): Promise<MemberRow[]> {
  const query = tx("group_members as gm")
    .leftJoin("users as u", "u.id", "gm.member_id")
    .leftJoin("groups as g", "g.id", "gm.member_id")
    .where("gm.group_id", groupId)
    .orderBy("gm.member_id")
    .limit(limit)
    .select("gm.member_id", "gm.member_type", "u.display_name as user_display", "u.user_name", "g.display_name as group_display");
  if (after !== null) query.where("gm.member_id", ">", after);
  const rows: { member_id: string; member_type: "User" | "Group"; user_display: string | null; user_name: string | null; group_display: string | null }[] = await query;
  return rows.map((r) => ({
    value: r.member_id,
    type: r.member_type,
    display: r.member_type === "Group" ? r.group_display : (r.user_display ?? r.user_name),
  }));
}

export async function countGroupMembers(tx: Executor, groupId: string): Promise<number> {
  const row = await tx("group_members").where({ group_id: groupId }).count<{ n: number | string }[]>({ n: "*" }).first();
  return Number(row?.n ?? 0);
}
