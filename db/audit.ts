/**
 * The audit log: one append-only row per change of a member's permissions, with what they were,
 * what they became and why. Values are opaque JSON here, handed back as `unknown`.
 */
import type { Knex } from "knex";
import { chunksBySize } from "./chunks";
import type { Executor } from "./connection";
import { jsonWriter, nowIso, readJson, writeJson } from "./json";
import type { DbAuditRow } from "./tables";

export interface PermissionChange {
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Appends one row per change, in the caller's transaction (so a rolled-back write audits nothing).
 * `actor` is who caused it (`member:<userName>`, `cli:<os user>`, `file:<path>`, `scim`, …), kept in
 * its own indexed column so the log can be filtered by it; `requestId` is the HTTP request that
 * caused it, when one did.
 */
export async function appendAudit(
  tx: Executor,
  orgId: string,
  changes: readonly PermissionChange[],
  cause: unknown,
  actor: string | null,
  options: { at?: string; requestId?: string | null } = {},
): Promise<void> {
  const causeJson = writeJson(cause);
  const at = options.at ?? nowIso();
  const requestId = options.requestId ?? null;
  // Members changed alike share their before and after objects: each is serialised once.
  const json = jsonWriter();
  const toRow = (c: PermissionChange) => ({ org_id: orgId, user_id: c.userId, user_name: c.userName, before: json(c.before), after: json(c.after), cause: causeJson, actor, at, request_id: requestId });
  for (const chunk of chunksBySize(changes, toRow, (row) => row.before.length + row.after.length)) await tx("audit_log").insert(chunk);
}

export interface AuditEntry {
  readonly seq: number;
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly cause: unknown;
  readonly actor: string | null;
  readonly at: string;
  readonly requestId: string | null;
}

/**
 * Newest first; `before` pages back from a `seq` (a keyset cursor: each page is an index range,
 * whatever the log's size). `actor` matches exactly, or every actor of a kind when it ends with `:`
 * (`cli:`).
 */
export async function readAudit(tx: Executor, orgId: string, options: { userId?: string; actor?: string; limit: number; before?: number }): Promise<AuditEntry[]> {
  const query = tx<DbAuditRow>("audit_log").where({ org_id: orgId }).orderBy("seq", "desc").limit(options.limit);
  if (options.userId) query.where({ user_id: options.userId });
  if (options.actor !== undefined) whereActor(query, options.actor);
  if (options.before) query.where("seq", "<", options.before);
  const rows = await query;
  return rows.map((r) => ({
    seq: Number(r.seq),
    userId: r.user_id,
    userName: r.user_name,
    before: readJson(r.before),
    after: readJson(r.after),
    cause: readJson(r.cause),
    actor: r.actor,
    at: r.at,
    requestId: r.request_id,
  }));
}

/** `actor = ?`, or a prefix range for `kind:` (served by the (org_id, actor, seq) index). */
export function whereActor(query: Knex.QueryBuilder, actor: string): void {
  if (actor.endsWith(":")) query.where("actor", ">=", actor).where("actor", "<", `${actor.slice(0, -1)};`);
  else query.where("actor", actor);
}
