/** A JSON Web Key Set read from configuration or storage is used only if it has the shape of one. */
import type { JSONWebKeySet } from "jose";

/** RFC 7517 §5: an object with a `keys` list of objects. */
export function isJsonWebKeySet(value: unknown): value is JSONWebKeySet {
  if (typeof value !== "object" || value === null || !("keys" in value)) return false;
  const keys: unknown = value.keys;
  return Array.isArray(keys) && keys.every((key: unknown) => typeof key === "object" && key !== null);
}
