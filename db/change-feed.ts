/**
 * "Something a cached read returned may have changed": what lets the server answer tokens and
 * permissions from memory without ever answering from before a change it can know of.
 *
 * Changes are counted per table, so that a cache of tokens is not emptied by every SCIM write:
 * - Writes of this process: every statement that is not a read moves its table's count when it
 *   completes (knex's `query-response` / `query-error` on the instance; a statement whose table
 *   is not plain to see moves every count), and the end of every transaction `withAfterCommit`
 *   ran moves the counts of the tables it wrote once more (db/transaction.ts calls
 *   `transactionEnded` once the COMMIT or ROLLBACK returned). A change is therefore announced
 *   before the writing request can answer; announcing it early too costs only a miss.
 * - Writes of other processes on SQLite: `PRAGMA data_version` (it changes when another
 *   connection commits to the file), polled every `pollMs`; which tables is unknown: all move.
 * - Writes of other processes on PostgreSQL: triggers on the tables the caches read (tokens,
 *   orgs, users, member_permissions) NOTIFY `CHANGES_CHANNEL` with the table's name, which
 *   PostgreSQL delivers at commit and never for a rollback; heard on a dedicated LISTEN
 *   connection, reconnected with backoff.
 *
 * While remote changes cannot be heard (the LISTEN connection is down, a poll failed) the feed is
 * not `live`, and a cache must not answer from memory. Readers guard a fill with the generation of
 * their tables taken before the read: a fill whose generation has moved on is dropped, so a read
 * that raced a commit is never kept.
 */
import type { Knex } from "knex";
import type { Database } from "./connection";
import { listenOnChannel, watchDataVersion } from "./outbox-watch";

const feedsOf = new WeakMap<Knex, Set<Feed>>();

/** Every table, for a write whose table is not plain to see (and for another process's commit on SQLite). */
const ALL = "*";

/** The table a statement writes, ALL when it is not plain to see, null for a read. */
function writtenTable(sql: string): string | null {
  if (READ_ONLY.test(sql)) return null;
  const match = /^\s*(?:insert\s+into|update|delete\s+from)\s+[`"]?(\w+)/i.exec(sql);
  return match?.[1] ?? ALL;
}

/** Collects the tables `tx` writes, for `transactionEnded`. */
export function watchWrites(tx: Knex.Transaction): Set<string> {
  const tables = new Set<string>();
  const note = (query: { sql?: unknown }) => {
    const table = typeof query.sql === "string" ? writtenTable(query.sql) : ALL;
    if (table !== null) tables.add(table);
  };
  tx.on("query-response", (_response: unknown, query: { sql?: unknown }) => note(query));
  tx.on("query-error", (_err: unknown, query: { sql?: unknown }) => note(query));
  return tables;
}

/** A transaction on `knex` ended (committed or rolled back): what it wrote to `tables` is now visible. */
export function transactionEnded(knex: Knex, tables: ReadonlySet<string>): void {
  const feeds = feedsOf.get(knex);
  if (feeds) for (const feed of feeds) for (const table of tables) feed.changed(table);
}

/** The PostgreSQL channel the change triggers notify (no payload: "look again"). */
export const CHANGES_CHANNEL = "scim_changed";

export interface ChangeFeed {
  /** Grows at every change to one of `tables` (or of a table not known). */
  generation(tables: readonly string[]): number;
  /** Whether changes by other processes are heard right now and the handle is open; when not, serve nothing from memory. */
  readonly live: boolean;
  /** Whether changes by other processes are heard right now (the handle may have been closed). */
  readonly listening: boolean;
  close(): Promise<void>;
}

export interface ChangeFeedOptions {
  /** SQLite: how often another process's commits are looked for. */
  readonly pollMs?: number;
  /** A failure worth a log line (a lost LISTEN connection). */
  readonly warn?: (err: unknown, message: string) => void;
}

/** Statements that cannot change anything a cache holds. The data_version poll itself is one. */
const READ_ONLY = /^\s*(select\b|pragma\s+data_version\b|listen\b)/i;

class Feed implements ChangeFeed {
  private heard: boolean;
  /** Changes of a table not known, counted in every table's generation. */
  private everything = 0;
  private readonly counts = new Map<string, number>();
  private readonly stops: (() => Promise<void> | void)[] = [];

  constructor(
    heard: boolean,
    private readonly open: () => boolean,
  ) {
    this.heard = heard;
  }

  generation(tables: readonly string[]): number {
    let sum = this.everything;
    for (const table of tables) sum += this.counts.get(table) ?? 0;
    return sum;
  }

  changed(table: string): void {
    if (table === ALL) this.everything += 1;
    else this.counts.set(table, (this.counts.get(table) ?? 0) + 1);
  }

  setLive(live: boolean): void {
    // Whatever happened while nothing was heard is unknown: start over either way.
    this.heard = live;
    this.changed(ALL);
  }

  /** Other processes are heard, and the handle is open: a closed one answers nothing, nor may a cache in front of it. */
  get live(): boolean {
    return this.heard && this.open();
  }

  get listening(): boolean {
    return this.heard;
  }

  onClose(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async close(): Promise<void> {
    this.heard = false;
    this.changed(ALL);
    for (const stop of this.stops.splice(0)) await stop();
  }
}

export function watchChanges(db: Database, options: ChangeFeedOptions = {}): ChangeFeed {
  const remote = db.dialect === "pg" ? "listen" : db.description === "sqlite::memory:" ? "none" : "poll";
  // An in-memory SQLite database has no other process: it is live from the start.
  // knex drops its pool when the handle is destroyed.
  const client: { pool?: unknown } = db.knex.client;
  const feed = new Feed(remote === "none", () => client.pool !== undefined && client.pool !== null);
  const onStatement = (query: { sql?: unknown }) => {
    const table = typeof query.sql === "string" ? writtenTable(query.sql) : ALL;
    if (table !== null) feed.changed(table);
  };
  const onResponse = (_response: unknown, query: { sql?: unknown }) => onStatement(query);
  const onError = (_err: unknown, query: { sql?: unknown }) => onStatement(query);
  db.knex.on("query-response", onResponse);
  db.knex.on("query-error", onError);
  const feeds = feedsOf.get(db.knex) ?? new Set<Feed>();
  feeds.add(feed);
  feedsOf.set(db.knex, feeds);
  feed.onClose(() => {
    feeds.delete(feed);
    db.knex.off("query-response", onResponse);
    db.knex.off("query-error", onError);
  });
  if (remote === "listen") listen(db, feed, options);
  if (remote === "poll") poll(db, feed, options.pollMs ?? 20);
  return feed;
}

function listen(db: Database, feed: Feed, options: ChangeFeedOptions): void {
  const close = listenOnChannel(db, CHANGES_CHANNEL, {
    notified: (payload) => feed.changed(payload ? payload : ALL),
    connected: () => feed.setLive(true),
    lost: (err) => {
      feed.setLive(false);
      options.warn?.(err, "change notifications lost; caches off until reconnected");
    },
  });
  feed.onClose(close);
}

function poll(db: Database, feed: Feed, pollMs: number): void {
  let last: number | null = null;
  const stop = watchDataVersion(db, pollMs, (version) => {
    if (version === null) {
      if (feed.live) feed.setLive(false);
    } else if (last === null || !feed.live) {
      // A first look, or a new connection (after the file came back) with its own count.
      feed.setLive(true);
    } else if (version !== last) {
      feed.changed(ALL);
    }
    last = version;
  });
  feed.onClose(() => stop());
}
