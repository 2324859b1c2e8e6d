/**
 * Users and Groups are versioned rows: created at version 1 with their timestamps, and every
 * update names the version its caller read (under a row lock, or from If-Match) and bumps it, so
 * a writer that slipped in between is detected instead of overwritten (optimistic concurrency).
 */
import { randomUUID } from "node:crypto";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { DbVersionMismatchError, translateDbError } from "./errors";
import { nowIso } from "./json";

export interface VersionedRow {
  readonly id: string;
  readonly org_id: string;
  readonly version: number;
  readonly created_at: string;
  readonly updated_at: string;
}

/**
 * Inserts a new row at version 1 and returns it as written. `what` names what a unique violation
 * collides with; `id` is given when the caller needed it before the insert.
 */
export async function insertVersioned<C extends object>(
  tx: Executor,
  insert: { readonly table: "users" | "groups"; readonly orgId: string; readonly id?: string; readonly columns: C; readonly what: string },
): Promise<VersionedRow & C> {
  const now = nowIso();
  const row = { id: insert.id ?? randomUUID(), org_id: insert.orgId, version: 1, created_at: now, updated_at: now, ...insert.columns };
  try {
    await tx(insert.table).insert(row);
  } catch (err) {
    translateDbError(err, insert.what);
  }
  return row;
}

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

/**
 * One row of the organisation by id. `forUpdate` locks it until the transaction ends, so that
 * parallel writers of one resource take turns (PostgreSQL; SQLite runs one writer at a time).
 */
export async function findVersioned<Row extends VersionedRow>(
  tx: Executor,
  table: "users" | "groups",
  orgId: string,
  id: string,
  forUpdate = false,
  also: Readonly<Record<string, string>> = {},
): Promise<Row | undefined> {
  const query = tx(table).where({ ...also, org_id: orgId, id }).first();
  if (forUpdate && isPostgres(tx)) query.forUpdate();
  const row: Row | undefined = await query;
  return row;
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
