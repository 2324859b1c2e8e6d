/**
 * The audit log as the admin API sends it: each entry's stored `before`, `after` and `cause` decoded
 * once here, with what changed between them, so that a reader (the console's Audit page among them)
 * words the change and never parses the stored JSON again.
 */
import { type ChangeCause, changeCauseFromJSON } from "../../db/change-cause";
import { type EffectivePermissions, type PermissionChange, diffPermissions, permissionsFromJSON } from "../../mapping";
import type { AuditPage } from "../../roles/admin";

/** An entry as the log stores it (roles/admin's read). */
export interface StoredAuditEntry {
  readonly seq: number;
  readonly member: { readonly id: string; readonly userName: string };
  readonly actor: string | null;
  readonly requestId: string | null;
  readonly cause: unknown;
  readonly before: unknown;
  readonly after: unknown;
  readonly at: string;
}

/** An entry decoded: permissions and cause are null where the stored value is not one (a row written by an older version). */
export interface AuditEntry {
  readonly seq: number;
  readonly member: { readonly id: string; readonly userName: string };
  readonly actor: string | null;
  readonly requestId: string | null;
  readonly cause: ChangeCause | null;
  readonly before: EffectivePermissions | null;
  readonly after: EffectivePermissions | null;
  /** What changed, field by field; null unless both sides decode. */
  readonly change: PermissionChange | null;
  readonly at: string;
}

export function decodeAuditPage(page: AuditPage<StoredAuditEntry>): AuditPage<AuditEntry> {
  return { entries: page.entries.map(decodeAuditEntry), nextCursor: page.nextCursor };
}

export function decodeAuditEntry(entry: StoredAuditEntry): AuditEntry {
  const before = permissionsOrNull(entry.before);
  const after = permissionsOrNull(entry.after);
  return { ...entry, cause: changeCauseFromJSON(entry.cause), before, after, change: before === null || after === null ? null : diffPermissions(before, after) };
}

function permissionsOrNull(value: unknown): EffectivePermissions | null {
  try {
    return permissionsFromJSON(value);
  } catch {
    return null;
  }
}
