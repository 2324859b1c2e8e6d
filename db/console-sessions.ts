/**
 * The console's sessions (by the SHA-256 of their id) and its cookie-signing key. Times are
 * ISO-8601 text, compared as text; the caller passes "now" so that expiry follows one clock.
 */
import type { Executor } from "./connection";
import type { DbConsoleSecretRow, DbConsoleSessionRow } from "./tables";

export interface ConsoleSession {
  readonly idHash: string;
  readonly orgId: string;
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
    user_name: session.userName,
    csrf_token: session.csrfToken,
    created_at: session.createdAt,
    last_seen_at: session.lastSeenAt,
    expires_at: session.expiresAt,
  });
}

export async function findConsoleSession(tx: Executor, idHash: string): Promise<ConsoleSession | null> {
  const row = await tx<DbConsoleSessionRow>("console_sessions").where({ id_hash: idHash }).first();
  return row === undefined ? null : toSession(row);
}

/** Records activity; only moves `last_seen_at` forward, so concurrent requests cannot pull it back. */
export async function touchConsoleSession(tx: Executor, idHash: string, at: string): Promise<void> {
  await tx<DbConsoleSessionRow>("console_sessions").where({ id_hash: idHash }).andWhere("last_seen_at", "<", at).update({ last_seen_at: at });
}

export async function deleteConsoleSession(tx: Executor, idHash: string): Promise<void> {
  await tx<DbConsoleSessionRow>("console_sessions").where({ id_hash: idHash }).delete();
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
