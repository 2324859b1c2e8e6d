/**
 * What the organisation, not the IdP, holds about a member: a suspension (who, when, why) and
 * where the member came from (added in the console, or pushed by an IdP). The user row stays the
 * IdP's: SCIM writes never touch these rows, so a suspension survives an IdP asserting `active`.
 */
import type { Knex } from "knex";
import type { Executor } from "./connection";
import { noteRevision } from "./outbox";
import type { IdentityProvider } from "./resources";
import type { DbMemberOriginRow, DbMemberSuspensionRow } from "./tables";

export interface Suspension {
  readonly reason: string;
  readonly by: string;
  readonly at: string;
}

export type MemberOrigin = "console" | IdentityProvider | "scim";

/**
 * Whether the user of `alias` is suspended, as a scalar read by key: a column rather than a join, so
 * a `FOR UPDATE` read still locks only the users' rows (PostgreSQL refuses to lock an outer join's
 * nullable side).
 */
export function suspendedColumn(tx: Executor, alias: string): Knex.Raw {
  return tx.raw("EXISTS (SELECT 1 FROM member_suspensions s WHERE s.user_id = ??.id) AS suspended", [alias]);
}

function toSuspension(row: Pick<DbMemberSuspensionRow, "reason" | "suspended_by" | "suspended_at">): Suspension {
  return { reason: row.reason, by: row.suspended_by, at: row.suspended_at };
}

export async function findSuspension(tx: Executor, orgId: string, userId: string): Promise<Suspension | null> {
  const row = await tx<DbMemberSuspensionRow>("member_suspensions").where({ org_id: orgId, user_id: userId }).first();
  return row === undefined ? null : toSuspension(row);
}

/** The suspensions of the listed members (a page of the members list), by user id. */
export async function suspensionsOf(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, Suspension>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx<DbMemberSuspensionRow>("member_suspensions").whereIn("user_id", [...userIds]).where({ org_id: orgId });
  return new Map(rows.map((row) => [row.user_id, toSuspension(row)]));
}

/** Records a suspension; false when the member was already suspended (the standing one is kept). */
export async function insertSuspension(tx: Executor, orgId: string, userId: string, suspension: Suspension): Promise<boolean> {
  // Whether the member may sign in is part of what authorize and the sessions read.
  noteRevision(tx, orgId);
  const inserted: unknown[] = await tx<DbMemberSuspensionRow>("member_suspensions")
    .insert({ user_id: userId, org_id: orgId, reason: suspension.reason, suspended_by: suspension.by, suspended_at: suspension.at })
    .onConflict("user_id")
    .ignore()
    .returning("user_id");
  return inserted.length > 0;
}

/** Lifts a suspension; false when there was none. */
export async function deleteSuspension(tx: Executor, orgId: string, userId: string): Promise<boolean> {
  noteRevision(tx, orgId);
  return (await tx<DbMemberSuspensionRow>("member_suspensions").where({ org_id: orgId, user_id: userId }).delete()) > 0;
}

/** Where a member came from; null for members created before origins were recorded (by SCIM). */
export async function findMemberOrigin(tx: Executor, orgId: string, userId: string): Promise<{ origin: MemberOrigin; addedBy: string | null; addedAt: string } | null> {
  const row = await tx<DbMemberOriginRow>("member_origins").where({ org_id: orgId, user_id: userId }).first();
  return row === undefined ? null : { origin: readOrigin(row.origin), addedBy: row.added_by, addedAt: row.added_at };
}

/** The origins of the listed members, by user id (absent: by SCIM, before origins were recorded). */
export async function originsOf(tx: Executor, orgId: string, userIds: readonly string[]): Promise<Map<string, MemberOrigin>> {
  if (userIds.length === 0) return new Map();
  const rows = await tx<DbMemberOriginRow>("member_origins").whereIn("user_id", [...userIds]).where({ org_id: orgId }).select("user_id", "origin");
  return new Map(rows.map((row) => [row.user_id, readOrigin(row.origin)]));
}

export async function recordMemberOrigin(tx: Executor, orgId: string, userId: string, origin: { origin: MemberOrigin; addedBy: string | null; at: string }): Promise<void> {
  await tx<DbMemberOriginRow>("member_origins")
    .insert({ user_id: userId, org_id: orgId, origin: origin.origin, added_by: origin.addedBy, added_at: origin.at })
    .onConflict("user_id")
    .merge(["origin", "added_by", "added_at"]);
}

/**
 * An IdP writing a member the console added takes it over: from then on the member is the IdP's
 * (its attributes read-only in the console, no longer removable there). One update by key; a
 * member already the IdP's is not touched.
 */
export async function adoptConsoleMember(tx: Executor, orgId: string, userId: string, by: IdentityProvider | null, at: string): Promise<void> {
  await tx<DbMemberOriginRow>("member_origins").where({ user_id: userId, org_id: orgId, origin: "console" }).update({ origin: by ?? "scim", added_at: at });
}

function readOrigin(value: string): MemberOrigin {
  return value === "console" || value === "okta" || value === "entra" ? value : "scim";
}
