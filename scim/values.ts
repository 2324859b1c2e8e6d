/**
 * Turning PATCH values into what the schema says they are, tolerating the shapes real IdPs send.
 * Every function here takes a non-null value: `null` means "not set" and is handled by the caller.
 */
import { invalidPath, invalidValue } from "./errors";
import { findSubAttr, type AttrDef } from "./attribute-path";
import { getKey, isObject, setKey, type JsonObject } from "./json";

const describe = (value: unknown): string => JSON.stringify(value) ?? String(value);

/**
 * Entra (without `aadOptscim062020`) sends `"value": "False"` for `active`, so boolean strings
 * are accepted in any case. Anything else is not a boolean.
 */
export function coerceBoolean(value: unknown, label: string): boolean {
  if (typeof value === "boolean") return value;
  if (typeof value === "string") {
    const lower = value.trim().toLowerCase();
    if (lower === "true") return true;
    if (lower === "false") return false;
  }
  throw invalidValue(`${label} must be a boolean (true or false), but got ${describe(value)}.`);
}

function coerceNumber(value: unknown, integer: boolean, label: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isFinite(n) || (integer && !Number.isInteger(n))) {
    throw invalidValue(`${label} must be ${integer ? "an integer" : "a number"}, but got ${describe(value)}.`);
  }
  return n;
}

function coerceString(value: unknown, def: AttrDef, label: string): string {
  if (typeof value === "string") return value;
  // IdP attribute mappings sometimes type an employee number as a number; the schema says string.
  if (def.type === "string" && typeof value === "number" && Number.isFinite(value)) return String(value);
  throw invalidValue(`${label} must be a string, but got ${describe(value)}.`);
}

/** One value of `def` (one element when `def` is multi-valued). */
export function coerceSingle(def: AttrDef, value: unknown, label: string): unknown {
  switch (def.type) {
    case "boolean":
      return coerceBoolean(value, label);
    case "integer":
      return coerceNumber(value, true, label);
    case "decimal":
      return coerceNumber(value, false, label);
    case "complex":
      return coerceComplex(def, value, label);
    case "string":
    case "reference":
    case "dateTime":
    case "binary":
      return coerceString(value, def, label);
  }
}

/**
 * A complex value with canonical sub-attribute names. Null sub-attributes are "not set"
 * (Entra sends them) and read-only ones are dropped because clients echo them back
 * (RFC 7643 §2.2: the service provider ignores read-only values it receives).
 */
export function coerceComplex(def: AttrDef, value: unknown, label: string): JsonObject {
  if (!isObject(value)) throw invalidValue(`${label} must be an object with sub-attributes of ${def.name}, but got ${describe(value)}.`);
  const out: JsonObject = {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findSubAttr(def, key);
    if (sub === undefined) throw invalidPath(`${label}: ${def.name} has no sub-attribute "${key}".`);
    if (subValue === null || sub.mutability === "readOnly") continue;
    setKey(out, sub.name, coerceSingle(sub, subValue, `${label}.${sub.name}`));
  }
  return out;
}

/** A multi-valued attribute's new values; a lone value is treated as a one-element list. */
export function coerceMulti(def: AttrDef, value: unknown, label: string): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .filter((item) => item !== null)
    .map((item, i) => coerceSingle(def, item, `${label}[${i}]`))
    .filter((item) => !(isObject(item) && Object.keys(item).length === 0));
}

/**
 * The enterprise `manager` (RFC 7643 §4.3) arrives as a bare id string (Entra), an object
 * `{value, $ref?, displayName?}`, or a one-element array of such objects (older Entra tenants).
 * It is always stored as `{ value }` (plus `displayName` when given); `$ref` is derived from the
 * id on output, so it is not stored. Returns null when the value clears the manager.
 */
export function normaliseManager(value: unknown, label: string): JsonObject | null {
  if (value === null || value === "") return null;
  if (typeof value === "string") return { value };
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    if (value.length > 1) throw invalidValue(`${label}: a user has one manager, but ${value.length} were sent.`);
    return normaliseManager(value[0], label);
  }
  if (!isObject(value)) throw invalidValue(`${label} must be a manager id or an object with "value", but got ${describe(value)}.`);
  const id = getKey(value, "value");
  if (id === null || id === "") return null;
  if (typeof id !== "string") throw invalidValue(`${label}.value must be the manager's id as a string, but got ${describe(id)}.`);
  const displayName = getKey(value, "displayName");
  return typeof displayName === "string" ? { value: id, displayName } : { value: id };
}
