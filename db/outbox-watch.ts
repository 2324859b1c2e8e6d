/**
 * Noticing outbox rows committed by other processes. The notification is only a wake-up; the
 * outbox is the truth, so a missed one costs latency, never an event.
 * - PostgreSQL: LISTEN on a dedicated connection outside knex's pool (a pooled connection would be
 *   handed to queries and its notifications lost), reconnecting with backoff; after a reconnect
 *   every reader is woken, since notifications sent meanwhile are gone.
 * - SQLite: `PRAGMA data_version` changes when another connection (the CLI, another server on
 *   the same file) committed; polled on the pool's connection, which costs a few microseconds.
 */
import { Client } from "pg";
import type { Database } from "./connection";
import { OUTBOX_CHANNEL } from "./outbox";

export interface OutboxWatchHandlers {
  /** An organisation has new events; null: some organisation may have (look at all). */
  changed(orgId: string | null): void;
  /** A failure worth a log line (a lost LISTEN connection). */
  warn(err: unknown, message: string): void;
}

export interface OutboxWatch {
  close(): Promise<void>;
}

export function watchOutbox(db: Database, handlers: OutboxWatchHandlers, options: { pollMs?: number } = {}): OutboxWatch {
  if (db.dialect === "pg") return listen(db, handlers);
  if (db.description === "sqlite::memory:") return { close: async () => undefined };
  return pollDataVersion(db, handlers, options.pollMs ?? 250);
}

function listen(db: Database, handlers: OutboxWatchHandlers): OutboxWatch {
  const close = listenOnChannel(db, OUTBOX_CHANNEL, {
    notified: (payload) => {
      const orgId = payload?.split(":")[0];
      handlers.changed(orgId ? orgId : null);
    },
    // Whatever was committed while no one listened.
    connected: () => handlers.changed(null),
    lost: (err) => handlers.warn(err, "event notifications lost; reconnecting"),
  });
  return { close };
}

export interface ChannelHandlers {
  notified(payload: string | undefined): void;
  /** Listening (again): notifications sent while no one listened are gone. */
  connected(): void;
  /** The connection failed or ended; a reconnection is scheduled. */
  lost(err: unknown): void;
}

/**
 * LISTEN on `channel` over a dedicated connection outside knex's pool (a pooled connection would be
 * handed to queries and its notifications lost), reconnecting with backoff (250 ms doubling to 5 s).
 * Returns the function that stops listening.
 */
export function listenOnChannel(db: Database, channel: string, handlers: ChannelHandlers): () => Promise<void> {
  let client: Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | null = null;
  let delay = 250;

  const schedule = () => {
    if (closed || retry) return;
    retry = setTimeout(() => {
      retry = null;
      void connect();
    }, delay);
    retry.unref();
    delay = Math.min(delay * 2, 5_000);
  };

  const connect = async () => {
    const config = connectionConfig(db);
    const next = new Client(typeof config === "string" ? { connectionString: config, keepAlive: true } : { ...config, keepAlive: true });
    next.on("notification", (message) => {
      if (message.channel === channel) handlers.notified(message.payload);
    });
    const lost = (err: unknown) => {
      if (client !== next) return;
      client = null;
      next.removeAllListeners("notification");
      void next.end().catch(() => undefined);
      if (!closed) handlers.lost(err);
      schedule();
    };
    next.on("error", lost);
    next.on("end", () => lost(new Error(`the ${channel} notification connection ended`)));
    try {
      await next.connect();
      await next.query(`LISTEN ${channel}`);
    } catch {
      next.removeAllListeners();
      next.on("error", () => undefined);
      await next.end().catch(() => undefined);
      if (!closed) schedule();
      return;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    delay = 250;
    handlers.connected();
  };

  void connect();
  return async () => {
    closed = true;
    if (retry) clearTimeout(retry);
    const current = client;
    client = null;
    if (current) {
      current.removeAllListeners();
      current.on("error", () => undefined);
      await current.end().catch(() => undefined);
    }
  };
}

function connectionConfig(db: Database): string | Record<string, unknown> {
  const config: unknown = db.knex.client.config.connection;
  if (typeof config === "string") return config;
  if (typeof config === "object" && config !== null) return { ...config };
  throw new Error("the PostgreSQL connection settings are not readable");
}

function pollDataVersion(db: Database, handlers: OutboxWatchHandlers, pollMs: number): OutboxWatch {
  let last: number | null = null;
  const stop = watchDataVersion(db, pollMs, (version) => {
    if (version !== null && last !== null && version !== last) handlers.changed(null);
    // A new connection (after the file came back) has its own count: remember, and look once.
    if (version !== null && last === null) handlers.changed(null);
    last = version;
  });
  return {
    close: async () => {
      stop();
    },
  };
}

/**
 * Polls SQLite's `PRAGMA data_version`, which changes when another connection (another process,
 * the CLI) commits: the way SQLite lets a process notice others' writes. `seen` gets `null` when
 * it cannot be read (the file is gone or locked). Returns the function that stops polling.
 */
export function watchDataVersion(db: Database, pollMs: number, seen: (version: number | null) => void): () => void {
  let busy = false;
  const timer = setInterval(() => {
    if (busy) return;
    busy = true;
    db.knex
      .raw("PRAGMA data_version")
      .then((rows: unknown) => {
        const first: unknown = Array.isArray(rows) ? rows[0] : undefined;
        seen(typeof first === "object" && first !== null && "data_version" in first ? Number(first.data_version) : null);
      })
      .catch(() => seen(null))
      .finally(() => {
        busy = false;
      });
  }, pollMs);
  timer.unref();
  return () => clearInterval(timer);
}
