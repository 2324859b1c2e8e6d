/**
 * One transaction with after-commit callbacks, for every layer that writes: work registers what
 * must happen once its changes are durable (waking event readers); the callbacks run in order
 * after the commit, and none runs when the transaction rolls back, so a failed write announces
 * nothing. Events staged during the work (db/outbox.ts) are written just before COMMIT, in the
 * same transaction.
 *
 * Group commit on SQLite: the file has one writer, so concurrent writes queue for it anyway. The
 * writes that arrived while one transaction ran are run together in the next one, each in its own
 * SAVEPOINT: a write that fails is rolled back to its savepoint and fails alone, the others commit
 * together, and none is answered before that COMMIT returned (durability as before: WAL with
 * synchronous=NORMAL). A write that finds no one waiting runs alone, exactly as without it.
 * PostgreSQL runs writers in parallel on its pool: each write is its own transaction there.
 */
import type { Knex } from "knex";
import type { Database } from "./connection";
import { transactionEnded, watchWrites } from "./change-feed";
import { type FlushedOutbox, beginOutbox, flushOutbox } from "./outbox";
import { type RevisionSink, outsideRevisions, revisionSink } from "./revisions";

export type AfterCommit = () => void;

export const nothingAfterCommit: AfterCommit = () => undefined;

/** Registers a callback to run after the commit. */
export type OnCommit = (callback: AfterCommit) => void;

type Work<T> = (tx: Knex.Transaction, after: OnCommit) => Promise<T>;

/** The most writes one group commit takes: bounds how long the last of them waits for the first. */
export const GROUP_COMMIT_MAX = 32;

export async function withAfterCommit<T>(db: Database, work: Work<T>): Promise<T> {
  const sink = revisionSink();
  if (db.dialect === "sqlite") return committerOf(db).run(work, sink);
  return alone(db, work, sink);
}

/** After the commit: tells the request the revision its organisation is now at. */
function report(sink: RevisionSink | null, orgId: string | null, flushed: FlushedOutbox): void {
  const revision = orgId === null ? undefined : flushed.get(orgId);
  if (sink !== null && revision !== undefined) sink.committed(revision);
}

/**
 * A transaction of `body`, begun again while SQLite's BEGIN IMMEDIATE finds the file's write lock
 * held by another process (the CLI applying a mapping, a backup), up to `writeLockWaitMs`. The wait
 * happens here, between attempts, rather than in the driver, which would block the event loop for
 * every other request (db/connection.ts). Only a transaction that could not begin is tried again:
 * knex runs `body` after BEGIN, so none of its statements ran.
 */
async function transaction<T>(db: Database, body: (tx: Knex.Transaction) => Promise<T>): Promise<T> {
  const deadline = Date.now() + (db.writeLockWaitMs ?? 0);
  for (let attempt = 0; ; attempt += 1) {
    try {
      return await db.knex.transaction(body);
    } catch (err) {
      if (!isBusyAtBegin(err) || Date.now() >= deadline) throw err;
      await sleep(Math.min(LOCK_RETRY_MAX_MS, LOCK_RETRY_FIRST_MS * 2 ** attempt, Math.max(1, deadline - Date.now())));
    }
  }
}

function isBusyAtBegin(err: unknown): boolean {
  // A structural check, not `instanceof Error`: better-sqlite3 registers its error class once per
  // process, so under a test runner's per-file realms its errors need not extend this realm's Error.
  if (typeof err !== "object" || err === null || !("code" in err) || !("message" in err)) return false;
  const { code, message } = err;
  // knex prefixes a driver error's message with the statement that failed.
  return typeof code === "string" && (code === "SQLITE_BUSY" || code.startsWith("SQLITE_BUSY_")) && typeof message === "string" && /^BEGIN\b/.test(message);
}

const LOCK_RETRY_FIRST_MS = 10;
const LOCK_RETRY_MAX_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** One write in its own transaction. */
async function alone<T>(db: Database, work: Work<T>, sink: RevisionSink | null): Promise<T> {
  const callbacks: AfterCommit[] = [];
  let result: T;
  let written: ReadonlySet<string> = new Set();
  const orgId = sink?.orgId() ?? null;
  let flushed: FlushedOutbox = new Map();
  try {
    result = await transaction(db, async (tx) => {
      written = watchWrites(tx);
      beginOutbox(tx);
      const value = await work(tx, (callback) => callbacks.push(callback));
      flushed = await flushOutbox(tx, orgId);
      db.assertWritable?.();
      return value;
    });
  } finally {
    // In-process caches (db/change-feed.ts) learn of the commit before anyone can act on it.
    transactionEnded(db.knex, written);
  }
  report(sink, orgId, flushed);
  outsideRevisions(() => callbacks.forEach((callback) => callback()));
  return result;
}

interface Waiting {
  run(tx: Knex.Transaction): Promise<void>;
  /** After the group's COMMIT: announce and answer (or fail with the write's own error). */
  settle(): void;
  /** The group did not commit: fail with `err` unless the write had already failed by itself. */
  fail(err: unknown): void;
}

const committers = new WeakMap<Database, GroupCommitter>();

function committerOf(db: Database): GroupCommitter {
  let committer = committers.get(db);
  if (!committer) {
    committer = new GroupCommitter(db);
    committers.set(db, committer);
  }
  return committer;
}

class GroupCommitter {
  private readonly queue: { item: Waiting; solo: () => Promise<void> }[] = [];
  private draining = false;

  constructor(private readonly db: Database) {}

  run<T>(work: Work<T>, sink: RevisionSink | null): Promise<T> {
    const orgId = sink?.orgId() ?? null;
    return new Promise<T>((resolve, reject) => {
      let outcome: { ok: true; value: T; callbacks: AfterCommit[]; flushed: FlushedOutbox } | { ok: false; error: unknown } | null = null;
      const item: Waiting = {
        run: async (tx) => {
          const callbacks: AfterCommit[] = [];
          // Savepoints by hand rather than knex's nested transactions: the writes run one after
          // another on the one connection, and a nested transaction costs a knex instance each.
          await tx.raw("SAVEPOINT grouped_write");
          try {
            beginOutbox(tx);
            const value = await work(tx, (callback) => callbacks.push(callback));
            const flushed = await flushOutbox(tx, orgId);
            await tx.raw("RELEASE grouped_write");
            outcome = { ok: true, value, callbacks, flushed };
          } catch (error) {
            outcome = { ok: false, error };
            await tx.raw("ROLLBACK TO grouped_write");
            await tx.raw("RELEASE grouped_write");
          }
        },
        settle: () => {
          if (outcome === null) return reject(new Error("a grouped write was not run"));
          if (!outcome.ok) return reject(outcome.error);
          report(sink, orgId, outcome.flushed);
          const { callbacks } = outcome;
          outsideRevisions(() => callbacks.forEach((callback) => callback()));
          resolve(outcome.value);
        },
        fail: (err) => reject(outcome !== null && !outcome.ok ? outcome.error : err),
      };
      const solo = () => alone(this.db, work, sink).then(resolve, reject);
      this.queue.push({ item, solo });
      if (!this.draining) void this.drain();
    });
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queue.length > 0) {
        const group = this.queue.splice(0, GROUP_COMMIT_MAX);
        const [only] = group;
        if (group.length === 1 && only) await only.solo();
        else await this.commitTogether(group.map((g) => g.item));
      }
    } finally {
      this.draining = false;
    }
  }

  private async commitTogether(group: readonly Waiting[]): Promise<void> {
    let written: ReadonlySet<string> = new Set();
    try {
      await transaction(this.db, async (tx) => {
        written = watchWrites(tx);
        for (const item of group) await item.run(tx);
        this.db.assertWritable?.();
      });
    } catch (err) {
      transactionEnded(this.db.knex, written);
      for (const item of group) item.fail(err);
      return;
    }
    transactionEnded(this.db.knex, written);
    for (const item of group) item.settle();
  }
}
