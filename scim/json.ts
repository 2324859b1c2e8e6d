/**
 * Plain JSON as the protocol layer handles it: attribute names matched case-insensitively
 * (RFC 7643 §2.1), and structural equality. The object type and its guard are mapping/json.ts's.
 */
import { type JsonObject, isObject } from "../mapping/json";

/** The key of `object` that matches `name` case-insensitively (RFC 7643 §2.1), preferring an exact match. */
export function findKey(object: JsonObject, name: string): string | undefined {
  if (Object.prototype.hasOwnProperty.call(object, name)) return name;
  const lower = name.toLowerCase();
  return Object.keys(object).find((key) => key.toLowerCase() === lower);
}

export function getKey(object: JsonObject, name: string): unknown {
  const key = findKey(object, name);
  return key === undefined ? undefined : object[key];
}

/** Writes `name` in its canonical casing, dropping any differently-cased spelling of it. */
export function setKey(object: JsonObject, name: string, value: unknown): void {
  deleteKey(object, name);
  object[name] = value;
}

export function deleteKey(object: JsonObject, name: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(object)) {
    if (key.toLowerCase() === lower) delete object[key];
  }
}

/** Structural equality of JSON values; object key order is irrelevant. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((item, i) => jsonEqual(item, b[i]));
  }
  if (isObject(a) && isObject(b)) {
    const keys = Object.keys(a);
    return keys.length === Object.keys(b).length && keys.every((k) => k in b && jsonEqual(a[k], b[k]));
  }
  return false;
}

/** A shallow copy of `object` without the listed keys. */
export function withoutKeys(object: JsonObject, keys: ReadonlySet<string>): JsonObject {
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(object)) {
    if (!keys.has(key)) out[key] = value;
  }
  return out;
}

export function isEmptyObject(value: unknown): boolean {
  return isObject(value) && Object.keys(value).length === 0;
}
