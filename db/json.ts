/**
 * Column values as the drivers hand them back. JSON columns are jsonb on PostgreSQL (the driver
 * parses them) and text on SQLite; what they hold is `unknown` until a decoder says otherwise
 * (here for the shapes db/ owns, in mapping/ for the role-mapping values).
 */
import { type JsonObject, isObject } from "../mapping/json";

export function readJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

/** A JSON column that must hold an object (a resource's attributes). */
export function readJsonObject(value: unknown, column: string): JsonObject {
  const parsed = readJson(value);
  if (!isObject(parsed)) throw new Error(`stored ${column} is not a JSON object`);
  return parsed;
}

/** A JSON column that must hold a list. */
export function readJsonArray(value: unknown, column: string): unknown[] {
  const parsed = readJson(value);
  if (!Array.isArray(parsed)) throw new Error(`stored ${column} is not a JSON array`);
  const list: unknown[] = parsed;
  return list;
}

export function writeJson(value: unknown): string {
  return JSON.stringify(value);
}

/**
 * `writeJson` for one write of many rows where many rows hold the same (unchanging) object — every
 * member of a group given the same permissions: each object is serialised once.
 */
export function jsonWriter(): (value: unknown) => string {
  const written = new WeakMap<object, string>();
  return (value) => {
    if (typeof value !== "object" || value === null) return writeJson(value);
    let json = written.get(value);
    if (json === undefined) {
      json = writeJson(value);
      written.set(value, json);
    }
    return json;
  };
}

export function readBoolean(value: boolean | number | string): boolean {
  return value === true || value === 1 || value === "1" || value === "t";
}

export function nowIso(): string {
  return new Date().toISOString();
}
