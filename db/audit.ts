/**
 * The audit log: one append-only row per change of a member's permissions, with what they were,
 * what they became and why. Values are opaque JSON here, handed back as `unknown`.
 */
import { chunks } from "./chunks";
import type { Executor } from "./connection";
import { nowIso, readJson, writeJson } from "./json";
import type { DbAuditRow } from "./tables";

export interface PermissionChange {
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Appends one row per change, in the caller's transaction (so a rolled-back write audits nothing).
 * `requestId` is the HTTP request that caused it, when one did.
 */
export async function appendAudit(
  tx: Executor,
  orgId: string,
  changes: readonly PermissionChange[],
  cause: unknown,
  options: { at?: string; requestId?: string | null } = {},
): Promise<void> {
  const causeJson = writeJson(cause);
  const at = options.at ?? nowIso();
  const requestId = options.requestId ?? null;
  for (const chunk of chunks(changes)) {
    await tx("audit_log").insert(
      chunk.map((c) => ({ org_id: orgId, user_id: c.userId, user_name: c.userName, before: writeJson(c.before), after: writeJson(c.after), cause: causeJson, at, request_id: requestId })),
    );
  }
}

export interface AuditEntry {
  readonly seq: number;
  readonly userId: string;
  readonly userName: string;
  readonly before: unknown;
  readonly after: unknown;
  readonly cause: unknown;
  readonly at: string;
  readonly requestId: string | null;
}

/** Newest first; `before` pages back from a `seq`. */
export async function readAudit(tx: Executor, orgId: string, options: { userId?: string; limit: number; before?: number }): Promise<AuditEntry[]> {
  const query = tx<DbAuditRow>("audit_log").where({ org_id: orgId }).orderBy("seq", "desc").limit(options.limit);
  if (options.userId) query.where({ user_id: options.userId });
  if (options.before) query.where("seq", "<", options.before);
  const rows = await query;
  return rows.map((r) => ({
    seq: Number(r.seq),
    userId: r.user_id,
    userName: r.user_name,
    before: readJson(r.before),
    after: readJson(r.after),
    cause: readJson(r.cause),
    at: r.at,
    requestId: r.request_id,
  }));
}
