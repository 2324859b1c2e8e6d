/**
 * Long id lists and multi-row writes go to the database in chunks of {@link CHUNK_SIZE}. knex
 * writes a multi-row INSERT on SQLite as one compound SELECT, which SQLite caps at 500 terms; the
 * same size keeps `IN (…)` lists well inside every driver's parameter limit.
 */
export const CHUNK_SIZE = 500;

export function* chunks<T>(items: readonly T[], size = CHUNK_SIZE): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}
