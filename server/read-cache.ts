/**
 * Answers kept in memory that are never older than a change this server can know of: verified
 * tokens and members' materialised permissions (the authorize API), so that the hot paths skip a
 * statement, or all of them, when the same token or member comes again.
 *
 * An entry is served only while
 * - the change feed (db/change-feed.ts) is live, i.e. other processes' commits are being heard;
 * - nothing was written to the tables it was read from since it was read: by this process (known before the writing request
 *   answers, so a write followed by a read on the same server always sees the write), or by
 *   another process or replica (heard within the feed's delay: a poll of 20 ms on SQLite, a
 *   NOTIFY at commit on PostgreSQL);
 * - it was read less than `maxAgeMs` ago (1 s): the bound that holds even if a notification were
 *   lost without the connection failing, so a token revoked anywhere stops working within 1 s.
 * A read that raced a write is not kept: the fill is dropped when the feed's generation moved on
 * while it ran. Only hits are kept (an unknown token or member is asked for again), at most
 * `maxEntries` of them, the oldest forgotten first.
 */
import type { ChangeFeed } from "../db/change-feed";

export const CACHE_MAX_AGE_MS = 1000;
export const CACHE_MAX_ENTRIES = 10_000;

/** What a verified token depends on (an organisation's deletion takes its tokens with it). */
export const TOKEN_TABLES = ["tokens", "orgs"] as const;
/** What authorize's answer about a member depends on. */
export const MEMBER_TABLES = ["users", "member_permissions"] as const;

interface Entry<V> {
  readonly value: V;
  readonly generation: number;
  readonly at: number;
}

export class ReadCache<V> {
  private readonly entries = new Map<string, Entry<V>>();

  constructor(
    private readonly feed: ChangeFeed | null,
    /** The tables whose changes may alter what is kept. */
    private readonly tables: readonly string[],
    private readonly options: {
      maxAgeMs?: number;
      maxEntries?: number;
      now?: () => number;
      /**
       * Still answer once the database handle is closed (nothing can change what is held then):
       * for verified tokens, so that the request fails in its handler as one whose token was
       * checked a moment before would. Answers that are the response itself do not.
       */
      whileClosed?: boolean;
    } = {},
  ) {}

  /** The value for `key`, from memory when it is still known to be current, else from `load`. */
  async get(key: string, load: () => Promise<V | null>): Promise<V | null> {
    return this.peek(key) ?? this.load(key, load);
  }

  /** The value held for `key` while it is still known to be current; null when it must be read. */
  peek(key: string): V | null {
    const feed = this.feed;
    if (feed === null || !this.serving(feed)) return null;
    const entry = this.entries.get(key);
    if (entry === undefined) return null;
    if (entry.generation === feed.generation(this.tables) && this.now() - entry.at < this.maxAgeMs) return entry.value;
    this.entries.delete(key);
    return null;
  }

  /** Reads `key` with `load`, and keeps what it found unless a change may have raced the read. */
  async load(key: string, load: () => Promise<V | null>): Promise<V | null> {
    const feed = this.feed;
    if (feed === null || !this.serving(feed)) return load();
    const now = this.now();
    const generation = feed.generation(this.tables);
    const value = await load();
    if (value !== null && feed.listening && feed.generation(this.tables) === generation) this.remember(key, { value, generation, at: now });
    return value;
  }

  private serving(feed: ChangeFeed): boolean {
    return this.options.whileClosed ? feed.listening : feed.live;
  }

  /** How many entries are held (for tests of the bound). */
  get size(): number {
    return this.entries.size;
  }

  private remember(key: string, entry: Entry<V>): void {
    if (this.entries.size >= (this.options.maxEntries ?? CACHE_MAX_ENTRIES)) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, entry);
  }

  private get maxAgeMs(): number {
    return this.options.maxAgeMs ?? CACHE_MAX_AGE_MS;
  }

  private now(): number {
    return this.options.now ? this.options.now() : Date.now();
  }
}
