/**
 * The hot reads on SQLite, answered on the event loop's thread. Every other statement is a message
 * round trip to the database thread (db/sqlite-worker-client.ts), and for a read by primary key
 * the trip, knex's query building and its pool cost several times the read itself. So the reads
 * that almost every request makes (a token, a user by id or userName, a first page of users, a
 * member's permissions, the organisation's revision) run here, on a read-only connection of their
 * own, each statement prepared once.
 *
 * Only bounded work runs here, because it holds the event loop while it runs: a point read by a
 * unique key, or a page of at most `HOT_ROWS_MAX` rows walked along an index. A read that could
 * return more (a user in more groups than that) is answered on the database thread instead.
 * Writes, and every other read, stay there too.
 *
 * Never stale: each statement here is its own read transaction, and a WAL read transaction sees
 * every transaction committed before it began, by this process's writer or by another process.
 * Inside a write transaction a read takes the transaction's connection (a `Knex.Transaction` is
 * never looked up here), so it sees the transaction's own writes and reads under its lock.
 *
 * Whenever this connection cannot answer (an in-memory database, which has no second connection;
 * the file removed or replaced; a lock held by a checkpoint; a table not yet created) the caller's
 * knex path answers, with its errors and its outage handling.
 */
import Database from "better-sqlite3";
import type { Executor } from "./connection";
import { USER_COLUMNS, qualified } from "./tables";

/** The most rows one statement here may read (a page, a user's groups): more is the database thread's work. */
export const HOT_ROWS_MAX = 1000;

/** A statement text; its identity keys the prepared statement. */
export interface HotStatement {
  readonly sql: string;
}

const statement = (sql: string): HotStatement => ({ sql });

const USER_SELECT = qualified("users", USER_COLUMNS).join(", ");
const MEMBER_SELECT = "u.id, u.user_name, u.active, EXISTS (SELECT 1 FROM member_suspensions s WHERE s.user_id = u.id) AS suspended, p.permissions";

/** What db/filter-sql.ts compiles `userName eq "…"` on users to (test/db/hot-reads.test.ts checks it still does). */
export const USERS_WHERE_USER_NAME = "(users.user_name_ci = ?)";

/** The statements, with the same rows as the knex queries they stand in for (test/db/hot-reads.test.ts compares them). */
export const HOT = {
  tokenByHash: statement("SELECT * FROM tokens WHERE token_hash = ? LIMIT 1"),
  userById: statement("SELECT * FROM users WHERE org_id = ? AND id = ? LIMIT 1"),
  userByUserName: statement("SELECT * FROM users WHERE org_id = ? AND user_name_ci = ? LIMIT 1"),
  userIdByUserName: statement("SELECT id FROM users WHERE org_id = ? AND user_name_ci = ? LIMIT 1"),
  /** A user and its SCIM groups, one row per group; the limit is HOT_ROWS_MAX + 1 so that a longer list is noticed. */
  userWithGroups: statement(
    `SELECT ${qualified("u", USER_COLUMNS).join(", ")}, g.id AS g_id, g.display_name AS g_display_name, g.external_id AS g_external_id
      FROM users AS u LEFT JOIN group_members AS gm ON gm.member_id = u.id LEFT JOIN groups AS g ON g.id = gm.group_id AND g.source = ?
      WHERE u.org_id = ? AND u.id = ? ORDER BY g.seq LIMIT ${HOT_ROWS_MAX + 1}`,
  ),
  /** `filter=userName eq "…"`: unique per organisation, so at most one row. */
  usersWhereUserName: statement(`SELECT ${USER_SELECT} FROM users WHERE users.org_id = ? AND ${USERS_WHERE_USER_NAME} ORDER BY users.seq ASC LIMIT ?`),
  /** The first page of the unfiltered list, with the organisation's counters of the same snapshot (db/list.ts). */
  usersFirstPage: statement(
    `SELECT (SELECT users FROM resource_counters WHERE resource_counters.org_id = ?) AS counted_total,
      (SELECT users_changes FROM resource_counters WHERE resource_counters.org_id = ?) AS counted_changes, ${USER_SELECT}
      FROM users WHERE users.org_id = ? ORDER BY users.seq ASC LIMIT ?`,
  ),
  memberById: statement(`SELECT ${MEMBER_SELECT} FROM users AS u LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE u.org_id = ? AND u.id = ? LIMIT 2`),
  memberByUserName: statement(`SELECT ${MEMBER_SELECT} FROM users AS u LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE u.org_id = ? AND u.user_name_ci = ? LIMIT 2`),
  memberByEither: statement(
    `SELECT ${MEMBER_SELECT} FROM users AS u LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE u.org_id = ? AND (u.id = ? OR u.user_name_ci = ?) LIMIT 2`,
  ),
  memberAtById: statement(
    `SELECT (SELECT last_id FROM event_counters WHERE org_id = ?) AS revision, ${MEMBER_SELECT}
      FROM orgs AS o LEFT JOIN users AS u ON u.org_id = o.id AND u.id = ? LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE o.id = ? LIMIT 2`,
  ),
  memberAtByUserName: statement(
    `SELECT (SELECT last_id FROM event_counters WHERE org_id = ?) AS revision, ${MEMBER_SELECT}
      FROM orgs AS o LEFT JOIN users AS u ON u.org_id = o.id AND u.user_name_ci = ? LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE o.id = ? LIMIT 2`,
  ),
  memberAtByEither: statement(
    `SELECT (SELECT last_id FROM event_counters WHERE org_id = ?) AS revision, ${MEMBER_SELECT}
      FROM orgs AS o LEFT JOIN users AS u ON u.org_id = o.id AND (u.id = ? OR u.user_name_ci = ?) LEFT JOIN member_permissions AS p ON p.user_id = u.id WHERE o.id = ? LIMIT 2`,
  ),
  revision: statement("SELECT last_id FROM event_counters WHERE org_id = ? LIMIT 1"),
} as const;

/** What the reader needs to know of the database file (db/connection.ts keeps it). */
export interface HotReaderFile {
  /** The file's identity (device and inode) as last checked, null when there is none at the path. */
  current(): string | null;
  /** Whether the database serves from that file now: its writing connection is open on it (so it is in WAL mode), and it is not closed. */
  serving(): boolean;
  /** A read failed here: check the file again now rather than at the next tick. */
  trouble(): void;
}

/** A read-only connection on the event loop's thread, holding the hot statements prepared. */
export class SqliteHotReader {
  private connection: { readonly db: Database; readonly identity: string; readonly statements: Map<HotStatement, Database.Statement> } | null = null;
  private closed = false;

  constructor(
    private readonly filename: string,
    private readonly file: HotReaderFile,
  ) {}

  /** The statement's rows, or null when the caller must ask its knex path. */
  rows(which: HotStatement, params: readonly unknown[]): unknown[] | null {
    const connection = this.opened();
    if (connection === null) return null;
    let prepared = connection.statements.get(which);
    try {
      if (prepared === undefined) {
        prepared = connection.db.prepare(which.sql);
        connection.statements.set(which, prepared);
      }
      return prepared.all(...params);
    } catch {
      // The knex path meets the same cause and answers it (a 503 for a missing file, the error a
      // missing table deserves); a lock held for a moment passes there as well.
      this.file.trouble();
      return null;
    }
  }

  /** For good: a read after this asks the knex path, which is closing too. */
  close(): void {
    this.closed = true;
    this.release();
  }

  private release(): void {
    const connection = this.connection;
    this.connection = null;
    if (connection?.db.open === true) connection.db.close();
  }

  private opened(): SqliteHotReader["connection"] {
    if (this.closed || !this.file.serving()) return null;
    const identity = this.file.current();
    if (identity === null) return null;
    if (this.connection !== null && this.connection.identity === identity) return this.connection;
    // Another file is at the path now (restored from a backup): its own connection, once the writer opened it.
    this.release();
    try {
      // No busy timeout: the event loop never waits for a lock here; the knex path does, off it.
      const db = new Database(this.filename, { readonly: true, fileMustExist: true, timeout: 0 });
      this.connection = { db, identity, statements: new Map() };
    } catch {
      this.file.trouble();
      return null;
    }
    return this.connection;
  }
}

const readers = new WeakMap<object, SqliteHotReader>();

/** Makes `reader` answer the hot reads asked of `knex` itself (never of one of its transactions). */
export function attachHotReader(knex: Executor, reader: SqliteHotReader): void {
  readers.set(knex, reader);
}

/**
 * The rows of a hot statement read on this thread, or null when `tx` must run its own query: a
 * transaction, a database without a hot reader (PostgreSQL, in memory), or one that cannot answer now.
 * `Row` is what the statement selects, trusted as knex's `tx<Row>()` is.
 */
export function hotRows<Row>(tx: Executor, which: HotStatement, params: readonly unknown[]): Row[] | null {
  const reader = readers.get(tx);
  return reader === undefined ? null : (reader.rows(which, params) as Row[] | null);
}
