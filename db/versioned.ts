/**
 * Optimistic concurrency for Users and Groups: every write names the version its caller read
 * (under a row lock, or from If-Match) and bumps it, so a writer that slipped in between is
 * detected instead of overwritten.
 */
import type { Executor } from "./connection";
import { DbVersionMismatchError, translateDbError } from "./errors";
import { nowIso } from "./json";

export interface VersionedUpdate<T> {
  readonly table: "users" | "groups";
  readonly orgId: string;
  readonly id: string;
  readonly expectedVersion: number;
  readonly columns: Readonly<Record<string, unknown>>;
  /** What a unique violation collides with, for the conflict's message. */
  readonly what: string;
  /** Reads the row back as its record once written. */
  readonly reread: (tx: Executor, orgId: string, id: string) => Promise<T | null>;
}

/** Writes `columns` if the row is still at `expectedVersion`; otherwise DbVersionMismatchError with the version found. */
export async function updateVersioned<T>(tx: Executor, update: VersionedUpdate<T>): Promise<T> {
  const { table, orgId, id, expectedVersion } = update;
  let changed: number;
  try {
    changed = await tx(table)
      .where({ org_id: orgId, id, version: expectedVersion })
      .update({ ...update.columns, version: expectedVersion + 1, updated_at: nowIso() });
  } catch (err) {
    translateDbError(err, update.what);
  }
  if (changed === 0) {
    const current: { version: number | string } | undefined = await tx(table).where({ org_id: orgId, id }).first("version");
    throw new DbVersionMismatchError(Number(current?.version ?? 0));
  }
  const updated = await update.reread(tx, orgId, id);
  if (!updated) throw new DbVersionMismatchError(0);
  return updated;
}
