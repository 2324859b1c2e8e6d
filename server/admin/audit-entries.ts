/**
 * The audit log as the admin API sends it: each entry's stored `before`, `after` and `cause` decoded
 * once here, with what changed between them, so that a reader (the console's Audit page among them)
 * words the change and never parses the stored JSON again.
 */
import { type EffectivePermissions, type PermissionChange, diffPermissions, isRecord, permissionsFromJSON } from "../../mapping";
import type { AuditPage } from "../../roles/admin";
import type { ChangeCause } from "../../scim/context";

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
  return { ...entry, cause: causeOrNull(entry.cause), before, after, change: before === null || after === null ? null : diffPermissions(before, after) };
}

function permissionsOrNull(value: unknown): EffectivePermissions | null {
  try {
    return permissionsFromJSON(value);
  } catch {
    return null;
  }
}

const text = (value: unknown): value is string => typeof value === "string";
const count = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value);

/** A stored cause (scim/context.ts writes them), kept whole when its kind's fields are there. */
export function causeOrNull(value: unknown): ChangeCause | null {
  if (!isRecord(value)) return null;
  switch (value["kind"]) {
    case "scim":
      return text(value["method"]) && text(value["path"]) && text(value["requestId"]) ? { kind: "scim", method: value["method"], path: value["path"], requestId: value["requestId"] } : null;
    case "mapping":
      return count(value["version"]) && text(value["source"])
        ? { kind: "mapping", version: value["version"], source: value["source"], ...(text(value["actor"]) ? { actor: value["actor"] } : {}) }
        : null;
    case "cli":
      return text(value["actor"]) && text(value["command"])
        ? { kind: "cli", actor: value["actor"], command: value["command"], ...(text(value["reason"]) ? { reason: value["reason"] } : {}) }
        : null;
    case "admin": {
      const { actor, action, target, actionSeq, version, requestId, reason } = value;
      if (!text(actor) || !text(action) || !(target === null || text(target)) || !count(actionSeq)) return null;
      return {
        kind: "admin", actor, action, target, actionSeq,
        ...(count(version) ? { version } : {}),
        ...(text(requestId) ? { requestId } : {}),
        ...(text(reason) ? { reason } : {}),
      };
    }
    case "platform":
      return count(value["version"]) && text(value["source"]) && text(value["actor"]) ? { kind: "platform", version: value["version"], source: value["source"], actor: value["actor"] } : null;
    default:
      return null;
  }
}
