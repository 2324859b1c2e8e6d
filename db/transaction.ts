/**
 * One transaction with after-commit callbacks, for every layer that writes: work registers what
 * must happen once its changes are durable (waking event readers); the callbacks run in order
 * after the commit, and none runs when the transaction rolls back, so a failed write announces
 * nothing. Events staged during the work (db/outbox.ts) are written just before COMMIT, in the
 * same transaction.
 */
import type { Knex } from "knex";
import type { Database } from "./connection";
import { transactionEnded, watchWrites } from "./change-feed";
import { beginOutbox, flushOutbox } from "./outbox";

export type AfterCommit = () => void;

export const nothingAfterCommit: AfterCommit = () => undefined;

/** Registers a callback to run after the commit. */
export type OnCommit = (callback: AfterCommit) => void;

export async function withAfterCommit<T>(db: Database, work: (tx: Knex.Transaction, after: OnCommit) => Promise<T>): Promise<T> {
  const callbacks: AfterCommit[] = [];
  let result: T;
  let written: ReadonlySet<string> = new Set();
  try {
    result = await db.knex.transaction(async (tx) => {
      written = watchWrites(tx);
      beginOutbox(tx);
      const value = await work(tx, (callback) => callbacks.push(callback));
      await flushOutbox(tx);
      db.assertWritable?.();
      return value;
    });
  } finally {
    // In-process caches (db/change-feed.ts) learn of the commit before anyone can act on it.
    transactionEnded(db.knex, written);
  }
  for (const callback of callbacks) callback();
  return result;
}
