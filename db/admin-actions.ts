/**
 * The admin log: one append-only row per write made through the admin API (who, what, on what),
 * even when it changes no one's permissions, written in the same transaction as the write. Each row
 * is also an `admin.action` event in the outbox (db/outbox.ts), staged in that same transaction: a
 * SIEM following the event stream or a webhook sees every admin action the log holds, and none
 * that rolled back.
 */
import type { Executor } from "./connection";
import { whereActor } from "./audit";
import { nowIso, readJson, writeJson } from "./json";
import { stageOutboxEvents } from "./outbox";
import type { DbAdminActionRow } from "./tables";

/** The outbox event type of an admin action (its payload: {@link AdminActionEventData}). */
export const ADMIN_ACTION = "admin.action";

export interface AdminAction {
  readonly seq: number;
  readonly actor: string;
  readonly action: string;
  readonly target: string | null;
  /** As stored. */
  readonly detail: unknown;
  readonly at: string;
}

/** What an `admin.action` event says: the admin-log row, as `GET /api/v1/admin/actions` lists it. */
export type AdminActionEventData = AdminAction;

/**
 * Appends one action, stages its `admin.action` event, and returns its sequence number (causes in
 * the audit log point at it). `tx` must be a transaction opened by `withAfterCommit`, which writes
 * the event (anything else would lose it: it throws).
 */
export async function appendAdminAction(
  tx: Executor,
  orgId: string,
  action: { actor: string; action: string; target: string | null; detail: unknown },
  at = nowIso(),
): Promise<number> {
  const [row]: Array<{ seq: number | string }> = await tx("admin_actions")
    .insert({ org_id: orgId, actor: action.actor, action: action.action, target: action.target, detail: writeJson(action.detail), at })
    .returning("seq");
  const seq = Number(row?.seq ?? 0);
  const data: AdminActionEventData = { seq, actor: action.actor, action: action.action, target: action.target, detail: action.detail ?? null, at };
  stageOutboxEvents(tx, [{ orgId, type: ADMIN_ACTION, memberId: null, payload: data }]);
  return seq;
}

/** Newest first, a keyset page at a time (`before` a seq). */
export async function readAdminActions(tx: Executor, orgId: string, options: { actor?: string; before?: number; limit: number }): Promise<AdminAction[]> {
  const query = tx<DbAdminActionRow>("admin_actions").where({ org_id: orgId }).orderBy("seq", "desc").limit(options.limit);
  if (options.actor !== undefined) whereActor(query, options.actor);
  if (options.before !== undefined) query.where("seq", "<", options.before);
  const rows = await query;
  return rows.map((r) => ({ seq: Number(r.seq), actor: r.actor, action: r.action, target: r.target, detail: readJson(r.detail), at: r.at }));
}
