/**
 * An organisation's own console session limits; without a row its sessions follow the operator's
 * defaults (CONSOLE_IDLE_MINUTES, CONSOLE_SESSION_HOURS).
 */
import type { Executor } from "./connection";
import type { DbOrgSessionLimitsRow } from "./tables";

export interface SessionLimits {
  readonly idleMinutes: number;
  readonly sessionHours: number;
}

export interface StoredSessionLimits extends SessionLimits {
  readonly updatedBy: string;
  readonly updatedAt: string;
}

export async function findSessionLimits(tx: Executor, orgId: string): Promise<StoredSessionLimits | null> {
  const row = await tx<DbOrgSessionLimitsRow>("org_session_limits").where({ org_id: orgId }).first();
  return row === undefined ? null : { idleMinutes: Number(row.idle_minutes), sessionHours: Number(row.session_hours), updatedBy: row.updated_by, updatedAt: row.updated_at };
}

/** Sets the organisation's limits, or with null goes back to the operator's defaults. */
export async function setSessionLimits(tx: Executor, orgId: string, limits: SessionLimits | null, by: { actor: string; at: string }): Promise<void> {
  if (limits === null) {
    await tx("org_session_limits").where({ org_id: orgId }).delete();
    return;
  }
  const row: DbOrgSessionLimitsRow = { org_id: orgId, idle_minutes: limits.idleMinutes, session_hours: limits.sessionHours, updated_by: by.actor, updated_at: by.at };
  await tx("org_session_limits").insert(row).onConflict("org_id").merge(["idle_minutes", "session_hours", "updated_by", "updated_at"]);
}
