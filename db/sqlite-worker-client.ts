/**
 * SQLite off the event loop. better-sqlite3 is synchronous: a long statement (a 100k-id membership
 * check, a transaction of a thousand PATCH operations) held the one event loop that serves every
 * organisation, and /healthz with it. So the connection lives in a worker thread
 * (db/sqlite-worker.cjs) and knex's better-sqlite3 dialect is kept whole but for the three methods
 * that touch the driver: opening and closing a connection, and running one statement, which
 * becomes a message round trip carrying the SQL and its bindings. Everything above knex is
 * unchanged; knex's pool (one connection) still runs one statement at a time.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import Client_BetterSQLite3 from "knex/lib/dialects/better-sqlite3";

export interface SqliteWorkerSettings {
  /** The synchronous busy timeout the driver waits for another process's lock. */
  readonly busyTimeoutMs: number;
  /** Distinct statements kept prepared. */
  readonly statementCacheSize: number;
  /** A read-only connection to an existing file (the health check's). */
  readonly readonly?: boolean;
}

/** A driver error rebuilt on this side of the thread boundary, its SQLite `code` kept for db/errors.ts. */
export class SqliteError extends Error {
  override readonly name = "SqliteError";
  constructor(message: string, readonly code: string | undefined) {
    super(message);
  }
}

type Answer = { reader: true; rows: unknown[] } | { reader: false; changes: number; lastInsertRowid: number | bigint };

interface Pending {
  resolve(answer: Answer): void;
  reject(err: Error): void;
}

/** How a stopped worker's pending and later statements fail: db/errors.ts reads it as unavailable. */
const NOT_OPEN = "The database connection is not open";

function field(message: object, key: string): unknown {
  return key in message ? (message as Record<string, unknown>)[key] : undefined;
}

function errorOf(raw: unknown): SqliteError {
  if (typeof raw !== "object" || raw === null) return new SqliteError("the database worker failed", undefined);
  const message = field(raw, "message");
  const code = field(raw, "code");
  return new SqliteError(typeof message === "string" ? message : "the database worker failed", typeof code === "string" ? code : undefined);
}

function answerOf(message: object): Answer {
  if (field(message, "reader") === true) {
    const rows = field(message, "rows");
    return { reader: true, rows: Array.isArray(rows) ? rows : [] };
  }
  const changes = field(message, "changes");
  const lastInsertRowid = field(message, "lastInsertRowid");
  return { reader: false, changes: typeof changes === "number" ? changes : 0, lastInsertRowid: typeof lastInsertRowid === "number" || typeof lastInsertRowid === "bigint" ? lastInsertRowid : 0 };
}

/** One connection: a worker thread owning a better-sqlite3 Database. */
export class SqliteWorkerConnection {
  /** The file's identity when it was opened (db/connection.ts SqliteFileGuard). */
  fileIdentity?: string | null;
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private stopped: Error | null = null;

  private constructor(filename: string, settings: SqliteWorkerSettings) {
    this.worker = new Worker(join(__dirname, "sqlite-worker.cjs"), {
      workerData: { filename, memory: filename === ":memory:", readonly: settings.readonly === true, busyTimeoutMs: settings.busyTimeoutMs, statementCacheSize: settings.statementCacheSize },
    });
    this.worker.on("message", (message: unknown) => this.settle(message));
    this.worker.on("error", (err) => this.stop(err));
    this.worker.on("exit", (code) => this.stop(new Error(`${NOT_OPEN} (the database worker exited with ${code})`)));
  }

  static async open(filename: string, settings: SqliteWorkerSettings): Promise<SqliteWorkerConnection> {
    const conn = new SqliteWorkerConnection(filename, settings);
    try {
      await conn.request(0, null);
    } catch (err) {
      await conn.worker.terminate();
      throw err;
    }
    return conn;
  }

  get isOpen(): boolean {
    return this.stopped === null;
  }

  run(sql: string, bindings: readonly unknown[]): Promise<Answer> {
    const id = this.nextId++;
    return this.request(id, { id, sql, bindings });
  }

  async close(): Promise<void> {
    if (this.stopped === null) {
      const id = this.nextId++;
      await this.request(id, { id, close: true }).catch(() => undefined);
    }
    await this.worker.terminate();
  }

  private request(id: number, message: object | null): Promise<Answer> {
    if (this.stopped) return Promise.reject(this.stopped);
    return new Promise<Answer>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      // The worker keeps the process alive only while a statement is on its way: an idle
      // connection must not keep a finished CLI command (or a test file) from exiting.
      if (this.pending.size === 1) this.worker.ref();
      if (message !== null) this.worker.postMessage(message);
    });
  }

  private settle(message: unknown): void {
    if (typeof message !== "object" || message === null) return;
    const id = field(message, "id");
    const pending = typeof id === "number" ? this.pending.get(id) : undefined;
    if (typeof id !== "number" || pending === undefined) return;
    this.pending.delete(id);
    if (this.pending.size === 0) this.worker.unref();
    if (field(message, "ok") === true) pending.resolve(answerOf(message));
    else pending.reject(errorOf(field(message, "error")));
  }

  private stop(cause: Error): void {
    this.stopped ??= new Error(`${NOT_OPEN}: ${cause.message}`, { cause });
    for (const pending of this.pending.values()) pending.reject(this.stopped);
    this.pending.clear();
  }
}

/** knex's better-sqlite3 client, its connection a worker thread. */
export function sqliteWorkerClient(settings: SqliteWorkerSettings): typeof Client_BetterSQLite3 {
  return class SqliteWorkerClient extends Client_BetterSQLite3 {
    /** The driver is loaded by the worker, never on the event loop's thread. */
    override _driver(): unknown {
      return null;
    }

    override async acquireRawConnection(): Promise<SqliteWorkerConnection> {
      const settingsOf: unknown = this.connectionSettings;
      const filename = typeof settingsOf === "object" && settingsOf !== null ? field(settingsOf, "filename") : undefined;
      if (typeof filename !== "string") throw new Error("the SQLite connection has no filename");
      return SqliteWorkerConnection.open(filename, settings);
    }

    override async destroyRawConnection(connection: unknown): Promise<void> {
      if (connection instanceof SqliteWorkerConnection) await connection.close();
    }

    override async validateConnection(connection: unknown): Promise<boolean> {
      return connection instanceof SqliteWorkerConnection && connection.isOpen;
    }

    override async _query(connection: unknown, obj: Parameters<Client_BetterSQLite3["_query"]>[1]): ReturnType<Client_BetterSQLite3["_query"]> {
      if (!obj.sql) throw new Error("The query is empty");
      if (!(connection instanceof SqliteWorkerConnection)) throw new Error("No connection provided");
      const answer = await connection.run(obj.sql, this._formatBindings(obj.bindings));
      if (answer.reader) {
        obj.response = answer.rows;
        return obj;
      }
      obj.response = { changes: answer.changes, lastInsertRowid: answer.lastInsertRowid };
      obj.context = { lastID: answer.lastInsertRowid, changes: answer.changes };
      return obj;
    }
  };
}
