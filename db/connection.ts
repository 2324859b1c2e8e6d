/**
 * Opening the database: `sqlite:<path>` (the embedded default) or `postgres://…`, behind one
 * `Database` handle. Only db/ creates knex; everything above it passes an `Executor` along.
 */
import { chmodSync, closeSync, mkdirSync, openSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import knexFactory, { type Knex } from "knex";
import { DbUnavailableError } from "./errors";
import { SqliteHotReader, attachHotReader } from "./hot-reads";
import { SqliteWorkerConnection, sqliteWorkerClient } from "./sqlite-worker-client";

export type Dialect = "sqlite" | "pg";

export interface Database {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** A description safe to log (no password). */
  readonly description: string;
  /**
   * Throws DbUnavailableError when a write would not be durable where the database lives: the
   * SQLite file was removed or replaced under the open connection (its writes would go to a file
   * nobody will open again). Checked just before every commit.
   */
  readonly assertWritable?: () => void;
  /**
   * SQLite: how long a write transaction keeps trying to take the file's write lock while another
   * process holds it (db/transaction.ts waits between attempts without blocking the event loop).
   */
  readonly writeLockWaitMs?: number;
  /**
   * The health check, where it does not go through knex's pool: a SQLite file is checked on a
   * read-only connection of its own, so that /healthz answers while a long write transaction
   * holds the one writing connection (reads of WAL see the last commit without waiting for it).
   */
  readonly ping?: () => Promise<void>;
  close(): Promise<void>;
}

export type Executor = Knex | Knex.Transaction;

export interface OpenOptions {
  /** A PostgreSQL schema to work in (tests isolate each run in its own). */
  readonly pgSchema?: string;
  /**
   * DB_TIMEOUT_MS: how long a query or transaction waits for a connection (and a connection
   * attempt for the server, and a SQLite writer for the file's lock) before it fails as unavailable
   * (DbUnavailableError, a 503): a database that does not answer must not hold requests for
   * knex's default minute, past the time IdPs wait for an answer.
   */
  readonly timeoutMs?: number;
  /**
   * DB_STATEMENT_TIMEOUT_MS (PostgreSQL): the longest one statement may run (`statement_timeout`),
   * and, a little longer, how long the client waits for an answer on a connection that stalls
   * (`query_timeout`). Long enough for the largest legitimate statement (a 100k-member group
   * replaced in one `INSERT … SELECT`, a page of a mapping recompute).
   */
  readonly statementTimeoutMs?: number;
  /**
   * Where knex's own warnings go (a failed connection attempt, a deprecation). Without it knex
   * prints them to the console, which breaks JSON log lines.
   */
  readonly log?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export const DEFAULT_DB_TIMEOUT_MS = 10_000;
export const DEFAULT_STATEMENT_TIMEOUT_MS = 30_000;
/** How much longer than the server's statement timeout the client waits on a silent connection. */
const STALL_MARGIN_MS = 2_000;

/**
 * Opens `sqlite:<path>` or `postgres://…`.
 * SQLite runs in WAL mode with a busy timeout so the CLI can write while the server runs.
 */
export function openDatabase(url: string, options: OpenOptions = {}): Database {
  const timeoutMs = options.timeoutMs ?? DEFAULT_DB_TIMEOUT_MS;
  // knex writes a failed statement into the error's message with its bound values inlined (the
  // filter's names and addresses, organisation ids): keep the placeholders instead.
  const common: Knex.Config = { acquireConnectionTimeout: timeoutMs, compileSqlOnError: false, ...knexLog(options.log) };
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length), common, timeoutMs, options.log);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, common, { timeoutMs, statementTimeoutMs: options.statementTimeoutMs ?? DEFAULT_STATEMENT_TIMEOUT_MS, schema: options.pgSchema });
  throw new Error(`DATABASE_URL must start with sqlite: or postgres://, got "${url.split(":")[0]}:…"`);
}

function knexLog(log: OpenOptions["log"]): Pick<Knex.Config, "log"> {
  if (!log) return {};
  return {
    log: {
      warn: (message: unknown) => log.warn({ message }, "database driver warning"),
      error: (message: unknown) => log.error({ message }, "database driver error"),
      deprecate: (method: string, alternative: string) => log.warn({ method, alternative }, "database driver deprecation"),
      debug: () => undefined,
    },
  };
}

/** The file's identity (device and inode), or null when there is no file at `path`. */
function fileIdentity(path: string): string | null {
  try {
    const s = statSync(path);
    return `${s.dev}:${s.ino}`;
  } catch {
    return null;
  }
}

/**
 * SQLite keeps writing to a file that was removed or replaced while it was open, and reopening a
 * missing path creates an empty database: both would lose acknowledged writes. So the file's
 * identity is remembered when the connection opens; a connection whose file is no longer at the
 * path is retired before use (the pool opens a new one), a missing file is not recreated once the
 * database exists (the request is a 503 until the file is back), and a commit checks it last.
 *
 * The path is looked at on a timer (`FILE_CHECK_INTERVAL_MS`) and on the outage path (a failed
 * statement, a commit, the health check, opening a connection), never per request: a `stat` on
 * every pool acquire was 3% of the server's CPU under load. A read in the interval after the file
 * was replaced may still come from the file it replaced; no write does, since every commit looks.
 */
class SqliteFileGuard {
  /** The file the open connection uses. */
  private opened: string | null = null;
  /** The file the connection settings were last confirmed for. */
  private accepted: string | null = null;
  /** The file at the path when it was last looked at. */
  private seen: string | null;
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly filename: string) {
    this.seen = fileIdentity(filename);
    this.timer = setInterval(() => this.check(), FILE_CHECK_INTERVAL_MS);
    // The check must not keep a finished CLI command (or a test file) from exiting.
    this.timer.unref();
  }

  /** Looks at the path now; what it finds is what the next acquire and hot read go by. */
  check(): string | null {
    this.seen = fileIdentity(this.filename);
    return this.seen;
  }

  /** The file at the path as last looked at. */
  current(): string | null {
    return this.seen;
  }

  /** knex asks before opening a connection whether its settings still hold: not once the file changed. */
  expired(): boolean {
    return this.accepted !== null && this.seen !== this.accepted;
  }

  /** Before a connection is opened: the file must still exist once it has existed. */
  beforeOpen(): void {
    const identity = this.check();
    if (this.accepted !== null && identity === null) throw new DbUnavailableError({ cause: new Error(`the database file ${this.filename} is missing`) });
    this.accepted = identity;
  }

  opening(conn: SqliteWorkerConnection): void {
    const identity = this.check();
    conn.fileIdentity = identity;
    this.opened = identity;
    this.accepted = identity;
  }

  isCurrent(conn: SqliteWorkerConnection): boolean {
    return conn.fileIdentity !== undefined && conn.fileIdentity === this.seen;
  }

  /** Whether the writing connection is open on the file at the path (it put it in WAL mode). */
  writerOnCurrentFile(): boolean {
    return this.opened !== null && this.opened === this.seen;
  }

  assertWritable(): void {
    if (this.opened !== this.check()) throw new DbUnavailableError({ cause: new Error(`the database file ${this.filename} was removed or replaced`) });
  }

  stop(): void {
    clearInterval(this.timer);
  }
}

/** How often the SQLite file's identity is looked at between the outage path's own looks. */
const FILE_CHECK_INTERVAL_MS = 500;

/** Owner only: the file holds token hashes, webhook secrets and the directory's personal data. */
const PRIVATE_FILE_MODE = 0o600;
const PRIVATE_DIR_MODE = 0o700;

/**
 * The database file exists, readable and writable by its owner only, before SQLite opens it:
 * SQLite gives the `-wal` and `-shm` files it creates the main file's mode, so they are private
 * too. A directory the server creates is private as well (one it is given keeps its mode). A file
 * from an older version, readable by others, is tightened and the operator told.
 */
function preparePrivateFile(filename: string, log: OpenOptions["log"]): void {
  mkdirSync(dirname(filename), { recursive: true, mode: PRIVATE_DIR_MODE });
  closeSync(openSync(filename, "a", PRIVATE_FILE_MODE));
  for (const file of [filename, `${filename}-wal`, `${filename}-shm`]) {
    let mode: number;
    try {
      mode = statSync(file).mode & 0o777;
    } catch {
      continue;
    }
    if ((mode & 0o077) === 0) continue;
    try {
      chmodSync(file, mode & 0o700);
      log?.warn({ file, mode: mode.toString(8), now: (mode & 0o700).toString(8) }, "the database file was readable by other users; it is now private to its owner");
    } catch (err) {
      log?.warn({ file, mode: mode.toString(8), err }, "the database file is readable by other users and could not be made private");
    }
  }
}

function openSqlite(path: string, common: Knex.Config, timeoutMs: number, log: OpenOptions["log"]): Database {
  const memory = path === ":memory:" || path === "";
  const filename = memory ? ":memory:" : resolve(path);
  if (!memory) preparePrivateFile(filename, log);
  const guard = memory ? null : new SqliteFileGuard(filename);
  const health = guard ? new SqliteHealthCheck(filename, Math.min(SYNC_BUSY_TIMEOUT_MS, Math.trunc(timeoutMs)), () => guard.check()) : null;
  const knex = knexFactory({
    // knex's better-sqlite3 dialect with its connection in a worker thread: statements run off the
    // event loop (db/sqlite-worker-client.ts); the pragmas and prepared statements live there.
    client: sqliteWorkerClient({ busyTimeoutMs: Math.min(SYNC_BUSY_TIMEOUT_MS, Math.trunc(timeoutMs)), statementCacheSize: STATEMENT_CACHE_SIZE }),
    // A function, so that the guard runs before each connection is opened; it carries `filename`
    // too, which knex's SQLite dialect looks for when it is created.
    connection: guard
      ? Object.assign(
          async () => {
            guard.beforeOpen();
            return { filename, expirationChecker: () => guard.expired() };
          },
          { filename },
        )
      : { filename },
    useNullAsDefault: true,
    ...common,
    pool: {
      min: 1,
      max: 1,
      ...(guard ? { validate: (conn: SqliteWorkerConnection) => guard.isCurrent(conn) } : {}),
      afterCreate(conn: SqliteWorkerConnection, done: (err: Error | null, conn: unknown) => void) {
        guard?.opening(conn);
        // The file exists now: open the health check's reader ahead of the first check.
        health?.warm();
        done(null, conn);
      },
    },
  });
  // The hot reads (db/hot-reads.ts) on a connection of their own: a file only, since an in-memory
  // database is private to its one connection.
  const hot = guard
    ? new SqliteHotReader(filename, {
        current: () => guard.current(),
        serving: () => guard.writerOnCurrentFile() && knex.client.pool !== undefined,
        trouble: () => guard.check(),
      })
    : null;
  if (guard && hot) {
    attachHotReader(knex, hot);
    // The outage path: a statement that failed may have met a file that is gone.
    knex.on("query-error", () => guard.check());
  }
  return {
    knex,
    dialect: "sqlite",
    description: `sqlite:${filename}`,
    writeLockWaitMs: timeoutMs,
    ...(guard ? { assertWritable: () => guard.assertWritable() } : {}),
    ...(health ? { ping: () => health.ping() } : {}),
    close: async () => {
      guard?.stop();
      hot?.close();
      await knex.destroy();
      await health?.close();
    },
  };
}

/**
 * The health check's read-only connection to a SQLite file, opened at first use and opened again
 * when the file at the path is another one (restored from a backup); a missing file fails the
 * check (fileMustExist) instead of creating an empty database.
 */
class SqliteHealthCheck {
  private reader: Promise<{ conn: SqliteWorkerConnection; identity: string | null }> | null = null;

  constructor(
    private readonly filename: string,
    private readonly busyTimeoutMs: number,
    /** The file guard's look at the path: what the health check finds, the next acquire goes by. */
    private readonly identityNow: () => string | null,
  ) {}

  async ping(): Promise<void> {
    const identity = this.identityNow();
    if (identity === null) throw new DbUnavailableError({ cause: new Error(`the database file ${this.filename} is missing`) });
    let current = await this.opened();
    if (current.identity !== identity || !current.conn.isOpen) {
      await this.close();
      current = await this.opened();
    }
    await current.conn.run("SELECT count(*) FROM sqlite_schema", []);
  }

  /** Starts opening the reader if it is not open, without waiting. */
  warm(): void {
    this.opened().catch(() => undefined);
  }

  async close(): Promise<void> {
    const reader = this.reader;
    this.reader = null;
    await reader?.then(({ conn }) => conn.close(), () => undefined);
  }

  private opened(): Promise<{ conn: SqliteWorkerConnection; identity: string | null }> {
    if (this.reader === null) {
      const identity = this.identityNow();
      const reader = SqliteWorkerConnection.open(this.filename, { busyTimeoutMs: this.busyTimeoutMs, statementCacheSize: 1, readonly: true }).then((conn) => ({ conn, identity }));
      // A failed opening is forgotten, so that the next check tries again.
      reader.catch(() => {
        if (this.reader === reader) this.reader = null;
      });
      this.reader = reader;
    }
    return this.reader;
  }
}

/**
 * The longest the SQLite driver waits synchronously for another process's lock: the worker's one
 * connection is held meanwhile, so a write transaction waits between attempts instead
 * (db/transaction.ts).
 */
const SYNC_BUSY_TIMEOUT_MS = 50;

/**
 * Distinct statements kept prepared in the worker (knex's dialect prepared every statement anew:
 * 5–10% of server CPU in bench/PROFILE.md): far more than the server ever issues.
 */
const STATEMENT_CACHE_SIZE = 500;

function openPostgres(url: string, common: Knex.Config, options: { timeoutMs: number; statementTimeoutMs: number; schema: string | undefined }): Database {
  const knex = knexFactory({
    client: "pg",
    connection: {
      connectionString: url,
      connectionTimeoutMillis: options.timeoutMs,
      statement_timeout: options.statementTimeoutMs,
      query_timeout: options.statementTimeoutMs + STALL_MARGIN_MS,
      keepAlive: true,
    },
    ...common,
    pool: { min: 0, max: 10 },
    ...(options.schema ? { searchPath: [options.schema] } : {}),
  });
  const safe = new URL(url);
  safe.password = "";
  return { knex, dialect: "pg", description: safe.toString(), close: () => knex.destroy() };
}

/** A round trip to the database (the health check). */
export async function pingDatabase(db: Database): Promise<void> {
  if (db.ping) return db.ping();
  await db.knex.raw("select 1");
}
