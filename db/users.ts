/**
 * Users: the user row (identity, indexed attributes, the rest as JSON, version) and its reads.
 * `userName` is unique per organisation, case-insensitively (`user_name_ci`).
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import { type GroupRef, SCIM_VISIBLE, touchGroups } from "./groups";
import { HOT, HOT_ROWS_MAX, hotRows } from "./hot-reads";
import { writeJson } from "./json";
import { type UserRecord, toUserRecord } from "./resources";
import { prepared } from "./prepared";
import { recordDeletedMember } from "./privacy";
import { type DbUserRow, USER_COLUMNS, qualified } from "./tables";
import { noteRevision } from "./outbox";
import { findVersioned, insertVersioned, updateVersioned } from "./versioned";

/** What a write sets: a user's attributes, without groups. */
export type UserFields = Pick<UserRecord, "userName" | "externalId" | "displayName" | "active" | "managerId" | "data">;

function columns(fields: UserFields): Omit<DbUserRow, "seq" | "id" | "org_id" | "version" | "created_at" | "updated_at"> {
  return {
    user_name: fields.userName,
    user_name_ci: fields.userName.toLowerCase(),
    external_id: fields.externalId,
    display_name: fields.displayName,
    display_name_ci: fields.displayName === null ? null : fields.displayName.toLowerCase(),
    email_ci: searchEmail(fields.data),
    active: fields.active,
    manager_id: fields.managerId,
    data: writeJson(fields.data),
  };
}

/** The email the members search finds a user by: the `primary` one (RFC 7643 §4.1.2), else the first, lower-cased. */
function searchEmail(data: UserFields["data"]): string | null {
  const emails = data["emails"];
  if (!Array.isArray(emails)) return null;
  const values = emails.flatMap((email: unknown) =>
    typeof email === "object" && email !== null && "value" in email && typeof email.value === "string" ? [{ value: email.value, primary: "primary" in email && email.primary === true }] : [],
  );
  const chosen = values.find((email) => email.primary) ?? values[0];
  return chosen === undefined ? null : chosen.value.toLowerCase();
}

const uniquelyNamed = (fields: UserFields): string => `a User with userName "${fields.userName}"`;

export async function insertUser(tx: Executor, orgId: string, fields: UserFields): Promise<UserRecord> {
  const id = randomUUID();
  const row = await insertVersioned(tx, { table: "users", orgId, id, columns: columns(fields), what: uniquelyNamed(fields) });
  noteRevision(tx, orgId);
  return toUserRecord({ seq: 0, ...row });
}

export async function findUser(tx: Executor, orgId: string, id: string, options: { forUpdate?: boolean } = {}): Promise<UserRecord | null> {
  if (options.forUpdate === true) {
    const locked = await findVersioned<DbUserRow>(tx, "users", orgId, id, true);
    return locked ? toUserRecord(locked) : null;
  }
  const hot = hotRows<DbUserRow>(tx, HOT.userById, [orgId, id]);
  const row = hot !== null ? hot[0] : await prepared(tx, "user by id", tx<DbUserRow>("users").where({ org_id: orgId, id }).first(...USER_COLUMNS));
  return row ? toUserRecord(row) : null;
}

export async function findUserByUserName(tx: Executor, orgId: string, userName: string): Promise<UserRecord | null> {
  const key = userName.toLowerCase();
  const hot = hotRows<DbUserRow>(tx, HOT.userByUserName, [orgId, key]);
  const row = hot !== null ? hot[0] : await prepared(tx, "user by userName", tx<DbUserRow>("users").where({ org_id: orgId, user_name_ci: key }).first(...USER_COLUMNS));
  return row ? toUserRecord(row) : null;
}

export async function findUserIdByUserName(tx: Executor, orgId: string, userName: string): Promise<string | null> {
  const key = userName.toLowerCase();
  const hot = hotRows<{ id: string }>(tx, HOT.userIdByUserName, [orgId, key]);
  const row: { id: string } | undefined = hot !== null ? hot[0] : await prepared(tx, "user id by userName", tx("users").where({ org_id: orgId, user_name_ci: key }).first("id"));
  return row?.id ?? null;
}

/**
 * Replaces a user's attributes. `expectedVersion` (from If-Match, or the version the caller read
 * under lock) makes the write conditional: a concurrent writer in between → DbVersionMismatchError.
 */
export async function updateUser(
  tx: Executor,
  orgId: string,
  id: string,
  expectedVersion: number,
  fields: UserFields,
  /** What the caller read under lock: without it, the write is taken to change what authorize says. */
  previous?: Pick<UserRecord, "userName" | "active">,
): Promise<UserRecord> {
  // A rename or a (de)activation changes authorize's answer about the member; Entra reasserting
  // `active` every cycle does not, and must not make every replica read the organisation again.
  if (previous === undefined || previous.userName !== fields.userName || previous.active !== fields.active) noteRevision(tx, orgId);
  return updateVersioned(tx, { table: "users", orgId, id, expectedVersion, columns: columns(fields), what: uniquelyNamed(fields), reread: findUser });
}

/**
 * Deletes a user with its memberships; managers pointing at it are cleared; who they were is kept as
 * a deleted member's record (db/privacy.ts) until erased or past the organisation's retention.
 * Returns false when absent.
 */
export async function deleteUser(tx: Executor, orgId: string, id: string): Promise<boolean> {
  const user = await findUser(tx, orgId, id);
  if (user === null) return false;
  const groupIds = (await tx("group_members").where({ org_id: orgId, member_id: id }).select("group_id")).map((r: { group_id: string }) => r.group_id);
  const removed = await tx("users").where({ org_id: orgId, id }).delete();
  if (removed === 0) return false;
  await recordDeletedMember(tx, user);
  noteRevision(tx, orgId);
  await tx("group_members").where({ org_id: orgId, member_id: id }).delete();
  await tx("users").where({ org_id: orgId, manager_id: id }).update({ manager_id: null });
  await touchGroups(tx, orgId, groupIds);
  return true;
}

/** A user and its direct groups in one query (GET /Users/{id}, the IdPs' most frequent read). */
export async function findUserWithGroups(tx: Executor, orgId: string, id: string): Promise<{ user: UserRecord; groups: GroupRef[] } | null> {
  type Row = DbUserRow & { g_id: string | null; g_display_name: string | null; g_external_id: string | null };
  const hot = hotRows<Row>(tx, HOT.userWithGroups, [SCIM_VISIBLE.source, orgId, id]);
  // A user in more groups than a hot read may return is read on the database thread.
  const rows: Row[] = hot !== null && hot.length <= HOT_ROWS_MAX ? hot : await prepared(
    tx,
    "user with groups",
    tx("users as u")
      .leftJoin("group_members as gm", "gm.member_id", "u.id")
      .leftJoin("groups as g", (join) => join.on("g.id", "gm.group_id").andOnVal("g.source", SCIM_VISIBLE.source))
      .where("u.org_id", orgId)
      .where("u.id", id)
      .orderBy("g.seq")
      .select(...qualified("u", USER_COLUMNS), "g.id as g_id", "g.display_name as g_display_name", "g.external_id as g_external_id"),
  );
  const [first] = rows;
  if (!first) return null;
  const groups: GroupRef[] = [];
  for (const row of rows) {
    if (row.g_id !== null && row.g_display_name !== null) groups.push({ id: row.g_id, externalId: row.g_external_id, displayName: row.g_display_name, source: "scim" });
  }
  return { user: toUserRecord(first), groups };
}
