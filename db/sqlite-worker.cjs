"use strict";
/**
 * The SQLite database thread: it owns the better-sqlite3 connection, whose calls are synchronous,
 * so that a long statement holds this thread rather than the server's event loop
 * (db/sqlite-worker-client.ts is its other half, and says why). Plain JavaScript, so that it loads
 * the same way under `node --import tsx`, the CLI and the test runner: a worker does not inherit
 * the main thread's TypeScript hooks.
 *
 * A second, read-only connection (`readonly`) answers the health check while the writer is busy.
 *
 * Messages in: { id, sql, bindings } for a statement, { id, close: true } to close.
 * Answers: { id, ok: true, reader: true, rows } | { id, ok: true, reader: false, changes, lastInsertRowid }
 * | { id, ok: false, error: { name, message, code } }. Answer 0 says whether the database opened.
 */
// CommonJS by design: the worker is loaded by Node itself, without the TypeScript hooks.
/* eslint-disable @typescript-eslint/no-require-imports */
const { parentPort, workerData } = require("node:worker_threads");
const Database = require("better-sqlite3");
/* eslint-enable @typescript-eslint/no-require-imports */

const { filename, memory, readonly, busyTimeoutMs, statementCacheSize } = workerData;

/** What crosses back to the main thread: the driver's code (SQLITE_BUSY, …) is what db/errors.ts reads. */
function describe(err) {
  if (err instanceof Error) return { name: err.name, message: err.message, code: typeof err.code === "string" ? err.code : undefined };
  return { name: "Error", message: String(err), code: undefined };
}

function open() {
  if (readonly) {
    // The health check's connection: it reads what the writer committed (WAL) and writes nothing.
    const reader = new Database(filename, { readonly: true, fileMustExist: true });
    reader.pragma(`busy_timeout = ${busyTimeoutMs}`);
    return reader;
  }
  const db = new Database(filename);
  if (!memory) db.pragma("journal_mode = WAL");
  // NORMAL in WAL mode survives a process crash; only power loss can drop the last commits.
  db.pragma("synchronous = NORMAL");
  db.pragma("foreign_keys = ON");
  // The driver waits for another process's lock synchronously (on this thread now, but the one
  // connection is held meanwhile): briefly, and a write transaction that finds the file locked
  // retries its BEGIN IMMEDIATE asynchronously for up to DB_TIMEOUT_MS (db/transaction.ts).
  db.pragma(`busy_timeout = ${busyTimeoutMs}`);
  db.pragma("cache_size = -65536");
  db.pragma("temp_store = MEMORY");
  // Let SQLite gather planner statistics where tables changed a lot (recommended at open since
  // 3.46); without them a freshly bulk-loaded directory gets poor plans.
  db.pragma("optimize = 0x10002");
  return db;
}

/**
 * Statements are prepared once and kept, keyed by SQL text, in a bounded cache (preparing anew was
 * 5–10% of server CPU in bench/PROFILE.md); one statement runs at a time here, so reuse is safe.
 *
 * Every transaction this code base opens writes (db/transaction.ts), so knex's deferred `BEGIN;`
 * becomes `BEGIN IMMEDIATE`: it takes the write lock at once. A deferred transaction reads first
 * and asks for the lock at its first write; if another process committed meanwhile, its snapshot
 * is stale and SQLite refuses at once (SQLITE_BUSY_SNAPSHOT) without waiting: the CLI applying a
 * mapping failed concurrent SCIM writes that way.
 */
function statementCache(db) {
  const cache = new Map();
  return (text) => {
    const sql = text === "BEGIN;" ? "BEGIN IMMEDIATE;" : text;
    const cached = cache.get(sql);
    if (cached !== undefined) {
      // Refresh its place: the Map's order is the eviction order.
      cache.delete(sql);
      cache.set(sql, cached);
      return cached;
    }
    const statement = db.prepare(sql);
    cache.set(sql, statement);
    if (cache.size > statementCacheSize) cache.delete(cache.keys().next().value);
    return statement;
  };
}

/** Structured cloning turns a Buffer into a Uint8Array; the driver binds Buffers. */
function binding(value) {
  return value instanceof Uint8Array && !Buffer.isBuffer(value) ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

let db;
let prepare;
try {
  db = open();
  prepare = statementCache(db);
  parentPort.postMessage({ id: 0, ok: true });
} catch (err) {
  parentPort.postMessage({ id: 0, ok: false, error: describe(err) });
}

parentPort.on("message", (message) => {
  const { id } = message;
  if (message.close) {
    try {
      if (db !== undefined && db.open) db.close();
      parentPort.postMessage({ id, ok: true });
    } catch (err) {
      parentPort.postMessage({ id, ok: false, error: describe(err) });
    }
    parentPort.close();
    return;
  }
  try {
    if (db === undefined || !db.open) throw new TypeError("The database connection is not open");
    const statement = prepare(message.sql);
    const bindings = message.bindings.map(binding);
    if (statement.reader) {
      parentPort.postMessage({ id, ok: true, reader: true, rows: statement.all(bindings) });
    } else {
      const { changes, lastInsertRowid } = statement.run(bindings);
      parentPort.postMessage({ id, ok: true, reader: false, changes, lastInsertRowid });
    }
  } catch (err) {
    parentPort.postMessage({ id, ok: false, error: describe(err) });
  }
});
