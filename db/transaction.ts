/**
 * One transaction with after-commit callbacks, for every layer that writes: work registers what
 * must happen once its changes are durable (waking event readers); the callbacks run in order
 * after the commit, and none runs when the transaction rolls back, so a failed write announces
 * nothing. Events staged during the work (db/outbox.ts) are written just before COMMIT, in the
 * same transaction.
 */
import type { Knex } from "knex";
import type { Database } from "./connection";
import { beginOutbox, flushOutbox } from "./outbox";

export type AfterCommit = () => void;

export const nothingAfterCommit: AfterCommit = () => undefined;

/** Registers a callback to run after the commit. */
export type OnCommit = (callback: AfterCommit) => void;

export async function withAfterCommit<T>(db: Database, work: (tx: Knex.Transaction, after: OnCommit) => Promise<T>): Promise<T> {
  const deadline = Date.now() + (db.writeLockWaitMs ?? 0);
  for (let attempt = 0; ; attempt += 1) {
    const callbacks: AfterCommit[] = [];
    try {
      const result = await db.knex.transaction(async (tx) => {
        beginOutbox(tx);
        const value = await work(tx, (callback) => callbacks.push(callback));
        await flushOutbox(tx);
        db.assertWritable?.();
        return value;
      });
      for (const callback of callbacks) callback();
      return result;
    } catch (err) {
      // Only a transaction that could not begin is tried again: knex runs `work`'s statements after
      // BEGIN, so none of them ran, and its after-commit callbacks are dropped with it.
      if (!isBusyAtBegin(err) || Date.now() >= deadline) throw err;
      await sleep(Math.min(LOCK_RETRY_MAX_MS, LOCK_RETRY_FIRST_MS * 2 ** attempt, Math.max(1, deadline - Date.now())));
    }
  }
}

/**
 * SQLite's BEGIN IMMEDIATE found the file's write lock held by another process (the CLI applying a
 * mapping, a backup). The wait happens here, between attempts, rather than in the driver, which
 * would block the event loop for every other request (db/connection.ts).
 */
function isBusyAtBegin(err: unknown): boolean {
  if (!(err instanceof Error) || !("code" in err)) return false;
  const code = err.code;
  // knex prefixes a driver error's message with the statement that failed.
  return typeof code === "string" && (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_")) && /^BEGIN\b/.test(err.message);
}

const LOCK_RETRY_FIRST_MS = 10;
const LOCK_RETRY_MAX_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
