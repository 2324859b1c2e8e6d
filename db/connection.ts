/**
 * Opening the database: `sqlite:<path>` (the embedded default) or `postgres://…`, behind one
 * `Database` handle. Only db/ creates knex; everything above it passes an `Executor` along.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import knexFactory, { type Knex } from "knex";

export type Dialect = "sqlite" | "pg";

export interface Database {
  readonly knex: Knex;
  readonly dialect: Dialect;
  /** A description safe to log (no password). */
  readonly description: string;
  close(): Promise<void>;
}

export type Executor = Knex | Knex.Transaction;

export interface OpenOptions {
  /** A PostgreSQL schema to work in (tests isolate each run in its own). */
  readonly pgSchema?: string;
  /**
   * How long a query or transaction waits for a connection before it fails as unavailable
   * (DbUnavailableError, a 503): a database that does not answer must not hold requests for
   * knex's default minute, past the time IdPs wait for an answer.
   */
  readonly acquireTimeoutMs?: number;
  /**
   * Where knex's own warnings go (a failed connection attempt, a deprecation). Without it knex
   * prints them to the console, which breaks JSON log lines.
   */
  readonly log?: { warn(obj: object, msg?: string): void; error(obj: object, msg?: string): void };
}

export const DEFAULT_ACQUIRE_TIMEOUT_MS = 10_000;

/**
 * Opens `sqlite:<path>` or `postgres://…`.
 * SQLite runs in WAL mode with a busy timeout so the CLI can write while the server runs.
 */
export function openDatabase(url: string, options: OpenOptions = {}): Database {
  const common: Knex.Config = { acquireConnectionTimeout: options.acquireTimeoutMs ?? DEFAULT_ACQUIRE_TIMEOUT_MS, ...knexLog(options.log) };
  if (url.startsWith("sqlite:")) return openSqlite(url.slice("sqlite:".length), common);
  if (/^postgres(ql)?:\/\//.test(url)) return openPostgres(url, common, options.pgSchema);
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

function openSqlite(path: string, common: Knex.Config): Database {
  const memory = path === ":memory:" || path === "";
  const filename = memory ? ":memory:" : resolve(path);
  if (!memory) mkdirSync(dirname(filename), { recursive: true });
  const knex = knexFactory({
    client: "better-sqlite3",
    connection: { filename },
    useNullAsDefault: true,
    ...common,
    pool: {
      min: 1,
      max: 1,
      afterCreate(conn: SqliteConnection, done: (err: Error | null, conn: unknown) => void) {
        try {
          cachePreparedStatements(conn);
          if (!memory) conn.pragma("journal_mode = WAL");
          // NORMAL in WAL mode survives a process crash; only power loss can drop the last commits.
          conn.pragma("synchronous = NORMAL");
          conn.pragma("foreign_keys = ON");
          conn.pragma("busy_timeout = 5000");
          conn.pragma("cache_size = -65536");
          conn.pragma("temp_store = MEMORY");
          // Let SQLite gather planner statistics where tables changed a lot (recommended at open
          // since 3.46); without them a freshly bulk-loaded directory gets poor plans.
          conn.pragma("optimize = 0x10002");
          done(null, conn);
        } catch (err) {
          done(err instanceof Error ? err : new Error(String(err)), conn);
        }
      },
    },
  });
  return { knex, dialect: "sqlite", description: `sqlite:${filename}`, close: () => knex.destroy() };
}

interface SqliteConnection {
  pragma(sql: string): unknown;
  prepare(sql: string): unknown;
}

/** Distinct statements kept prepared per connection: far more than the server ever issues. */
const STATEMENT_CACHE_SIZE = 500;

/**
 * knex's better-sqlite3 dialect prepares every statement anew (5–10% of server CPU in
 * bench/PROFILE.md). Statements are reusable, and knex runs one at a time per connection, so a
 * bounded cache keyed by SQL text is safe.
 */
function cachePreparedStatements(conn: SqliteConnection, limit = STATEMENT_CACHE_SIZE): void {
  const prepare = conn.prepare.bind(conn);
  const cache = new Map<string, unknown>();
  conn.prepare = (sql: string) => {
    const cached = cache.get(sql);
    if (cached !== undefined) {
      // Refresh its place: the Map's order is the eviction order.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = prepare(sql);
    cache.set(sql, statement);
    if (cache.size > limit) {
      const oldest = cache.keys().next().value;
      if (oldest !== undefined) cache.delete(oldest);
    }
    return statement;
  };
}

function openPostgres(url: string, common: Knex.Config, schema?: string): Database {
  const knex = knexFactory({
    client: "pg",
    connection: url,
    ...common,
    pool: { min: 0, max: 10 },
    ...(schema ? { searchPath: [schema] } : {}),
  });
  const safe = new URL(url);
  safe.password = "";
  return { knex, dialect: "pg", description: safe.toString(), close: () => knex.destroy() };
}

/** A round trip to the database (the health check). */
export async function pingDatabase(db: Database): Promise<void> {
  await db.knex.raw("select 1");
}
