/**
 * The console's sessions (by the SHA-256 of their id) and its cookie-signing key. Times are
 * ISO-8601 text, compared as text; the caller passes "now" so that expiry follows one clock.
 */
import type { Executor } from "./connection";
import { readBoolean } from "./json";
import { suspendedColumn } from "./member-standing";
import type { DbConsoleSecretRow, DbConsoleSessionRow } from "./tables";

export interface ConsoleSession {
  readonly idHash: string;
  readonly orgId: string;
  /** The SCIM user signed in; null only for a session opened before it was recorded. */
  readonly userId: string | null;
  readonly userName: string;
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly lastSeenAt: string;
  readonly expiresAt: string;
}

function toSession(row: DbConsoleSessionRow): ConsoleSession {
  return {
    idHash: row.id_hash,
    orgId: row.org_id,
    userId: row.user_id,
    userName: row.user_name,
    csrfToken: row.csrf_token,
    createdAt: row.created_at,
    lastSeenAt: row.last_seen_at,
    expiresAt: row.expires_at,
  };
}

export async function insertConsoleSession(tx: Executor, session: ConsoleSession): Promise<void> {
  await tx<DbConsoleSessionRow>("console_sessions").insert({
    id_hash: session.idHash,
    org_id: session.orgId,
    user_id: session.userId,
    user_name: session.userName,
    csrf_token: session.csrfToken,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
  });
}

/** What a session's use must know besides the session: whether the member and the sign-in it came by still stand. */
export interface ConsoleSessionRead {
  readonly session: ConsoleSession;
  /** The member as the directory holds them now (userName as renamed since); null once deleted. */
  readonly member: { readonly userName: string; readonly active: boolean; readonly suspended: boolean } | null;
  /** Whether the organisation still has an OIDC issuer for its members (its removal ends every session). */
  readonly signInConfigured: boolean;
  /** The organisation's own session limits (db/session-limits.ts); null: the operator's defaults. */
  readonly limits: { readonly idleMinutes: number; readonly sessionHours: number } | null;
}

/** The session, its member and its organisation's sign-in in one statement: the user and the organisation by primary key. */
export async function findConsoleSession(tx: Executor, idHash: string): Promise<ConsoleSessionRead | null> {
  const row:
    | (DbConsoleSessionRow & {
        member_user_name: string | null;
        member_active: boolean | number | null;
        suspended: boolean | number | null;
        oidc_issuer: string | null;
        oidc_client_id: string | null;
        idle_minutes: number | null;
        session_hours: number | null;
      })
    | undefined = await tx("console_sessions as s")
    .leftJoin("users as u", (on) => on.on("u.id", "s.user_id").andOn("u.org_id", "s.org_id"))
    .leftJoin("orgs as o", "o.id", "s.org_id")
    .leftJoin("org_session_limits as l", "l.org_id", "s.org_id")
    .where("s.id_hash", idHash)
    .first("s.*", "u.user_name as member_user_name", "u.active as member_active", suspendedColumn(tx, "u"), "o.oidc_issuer", "o.oidc_client_id", "l.idle_minutes", "l.session_hours");
  if (row === undefined) return null;
  return {
    session: toSession(row),
    member: row.member_user_name === null || row.member_active === null ? null : { userName: row.member_user_name, active: readBoolean(row.member_active), suspended: row.suspended !== null && readBoolean(row.suspended) },
    signInConfigured: row.oidc_issuer !== null && row.oidc_client_id !== null,
    limits: row.idle_minutes === null || row.session_hours === null ? null : { idleMinutes: Number(row.idle_minutes), sessionHours: Number(row.session_hours) },
  };
}

/** Records activity; only moves `last_seen_at` forward, so concurrent requests cannot pull it back. */
export async function touchConsoleSession(tx: Executor, idHash: string, at: string): Promise<void> {
  await tx<DbConsoleSessionRow>("console_sessions").where({ id_hash: idHash }).andWhere("last_seen_at", "<", at).update({ last_seen_at: at });
}

export async function deleteConsoleSession(tx: Executor, idHash: string): Promise<void> {
  await tx<DbConsoleSessionRow>("console_sessions").where({ id_hash: idHash }).delete();
}

/** Ends every session of one member (suspended, signed out everywhere, removed); returns how many. */
export async function deleteMemberConsoleSessions(tx: Executor, orgId: string, userId: string): Promise<number> {
  return tx<DbConsoleSessionRow>("console_sessions").where({ org_id: orgId, user_id: userId }).delete();
}

/** Ends every session of the organisation (its sign-in was removed or replaced); returns how many. */
export async function deleteOrgConsoleSessions(tx: Executor, orgId: string): Promise<number> {
  return tx<DbConsoleSessionRow>("console_sessions").where({ org_id: orgId }).delete();
}

/** Removes sessions past their absolute expiry or idle since before `idleBefore`; returns how many. */
export async function pruneConsoleSessions(tx: Executor, options: { now: string; idleBefore: string }): Promise<number> {
  return tx<DbConsoleSessionRow>("console_sessions").where("expires_at", "<=", options.now).orWhere("last_seen_at", "<", options.idleBefore).delete();
}

/**
 * The secret called `name`: the stored one, or `candidate` stored now when there is none. Replicas
 * starting together all end with the first one written.
 */
export async function ensureConsoleSecret(tx: Executor, name: string, candidate: string, at: string): Promise<string> {
  await tx<DbConsoleSecretRow>("console_secrets").insert({ name, value: candidate, created_at: at }).onConflict("name").ignore();
  const row = await tx<DbConsoleSecretRow>("console_secrets").where({ name }).first();
  if (row === undefined) throw new Error(`console secret ${name} could not be stored`);
  return row.value;
}
