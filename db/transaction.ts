/**
 * One transaction with after-commit callbacks, for every layer that writes: work registers what
 * must happen once its changes are durable (publishing permission events); the callbacks run in
 * order after the commit, and none runs when the transaction rolls back, so a failed write
 * announces nothing.
 */
import type { Knex } from "knex";
import type { Database } from "./connection";

export type AfterCommit = () => void;

export const nothingAfterCommit: AfterCommit = () => undefined;

/** Registers a callback to run after the commit. */
export type OnCommit = (callback: AfterCommit) => void;

export async function withAfterCommit<T>(db: Database, work: (tx: Knex.Transaction, after: OnCommit) => Promise<T>): Promise<T> {
  const callbacks: AfterCommit[] = [];
  const result = await db.knex.transaction((tx) => work(tx, (callback) => callbacks.push(callback)));
  for (const callback of callbacks) callback();
  return result;
}
