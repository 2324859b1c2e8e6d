/**
 * Long id lists and multi-row writes go to the database in chunks of {@link CHUNK_SIZE}. knex
 * writes a multi-row INSERT on SQLite as one compound SELECT, which SQLite caps at 500 terms; the
 * same size keeps `IN (…)` lists well inside every driver's parameter limit.
 */
export const CHUNK_SIZE = 500;

export function* chunks<T>(items: readonly T[], size = CHUNK_SIZE): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/**
 * About how much text one statement carries when its rows hold JSON documents: a member's
 * permissions with thousands of roles are tens of kilobytes, and serialising (and, on SQLite,
 * handing to the worker) 500 of them at once holds the event loop for a few hundred milliseconds.
 */
export const CHUNK_BYTES = 2_000_000;

/**
 * Rows built from `items` as they are needed, in chunks of at most {@link CHUNK_SIZE} rows and about
 * `maxBytes` of text (as told by `bytes`, whose figure for a row may be approximate).
 */
export function* chunksBySize<T, R>(items: readonly T[], toRow: (item: T) => R, bytes: (row: R) => number, maxBytes = CHUNK_BYTES): Generator<R[]> {
  let chunk: R[] = [];
  let size = 0;
  for (const item of items) {
    const row = toRow(item);
    chunk.push(row);
    size += bytes(row);
    if (chunk.length >= CHUNK_SIZE || size >= maxBytes) {
      yield chunk;
      chunk = [];
      size = 0;
    }
  }
  if (chunk.length > 0) yield chunk;
}
