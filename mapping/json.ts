/**
 * The one JSON object type and the one guard for it. A leaf that imports nothing: every layer may
 * use it (db/ for stored columns, scim/ for resources, mapping/ for parsed files, server/ for a
 * worker's answers) and so may the console, whose bundle takes this file alone.
 */

export type JsonObject = { [key: string]: unknown };

/** A JSON object: not null, not an array (as jose keeps `isObject`, once). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
