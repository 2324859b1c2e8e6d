/**
 * The one coercion of attribute values into what the schema says they are, for resources that
 * arrive by POST or PUT (`ingress.ts`) and for PATCH values (`patch/apply.ts`), tolerating the
 * shapes Okta and Entra really send:
 * - `null` means "not set" (RFC 7643 §2.5), at any depth; Entra sends `"title": null`
 *   (fixtures/entra/create-user.json);
 * - booleans may be strings in any case, as Entra sends `"active": "False"` without the
 *   aadOptscim062020 flag (fixtures/entra/disable-enable-user.json);
 * - a lone value of a multi-valued attribute is a one-element list;
 * - a number is accepted for a string attribute (its decimal text);
 * - read-only sub-attributes that clients echo back are dropped (RFC 7643 §2.2);
 * - `manager` is a bare id (fixtures/entra/manager.json), an object, or a one-element array
 *   (fixtures/entra/manager-legacy-array.json), kept as `{ value }`; a user has one manager.
 * Values that are none of these are `invalidValue`, and so is a string longer than the server
 * stores in one attribute (SCIM_MAX_STRING_BYTES) or one that is not Unicode, at any depth.
 */
import { COLUMN_LENGTH } from "../db/tables";
import { invalidValue } from "./errors";
import { type JsonObject, isObject } from "../mapping/json";
import { getKey, setKey } from "./json";
import { type AttrDef, findAttribute } from "./schemas";

/**
 * What to do with a name the schema does not know. A PATCH names what it changes, so an unknown
 * sub-attribute in its value is the client's mistake: `invalidValue`, since the value, not the
 * path, does not fit the schema (RFC 7644 §3.12). A POST or PUT carries a whole representation,
 * from IdP mappings that may hold more than our schema: unknown names are dropped there, as they
 * are at the top level (docs/idp-clients.md#quirk-12-extras-are-tolerated).
 */
export type UnknownNames = "reject" | "drop";

/** How a value is read: what to do with unknown names, and the longest string kept. */
export interface Coercion {
  readonly unknown: UnknownNames;
  /** In UTF-8 bytes, as the value is stored and sent (SCIM_MAX_STRING_BYTES). */
  readonly maxStringBytes: number;
}

/**
 * PATCH values: an unknown sub-attribute is the client's mistake. Their strings are not measured
 * here because the patched resource is read again by `readResource`, which bounds every string
 * of every representation before it is stored.
 */
const PATCH_VALUE: Coercion = { unknown: "reject", maxStringBytes: Number.POSITIVE_INFINITY };

/** Echoes enough of a rejected value to recognise it; the body it came from may be megabytes. */
const ECHO_CHARS = 200;

const describe = (value: unknown): string => {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > ECHO_CHARS ? `${text.slice(0, ECHO_CHARS)}… (${text.length} characters)` : text;
};

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

function coerceString(value: unknown, def: AttrDef, label: string, maxBytes: number): string {
  if (typeof value === "string") return bounded(value, label, maxBytes);
  if (def.type === "string" && typeof value === "number" && Number.isFinite(value)) return String(value);
  throw invalidValue(`${label} must be a string, but got ${describe(value)}.`);
}

/**
 * An unpaired UTF-16 surrogate: JSON can carry one as an escape (`"\ud800"`), but it is no
 * character, UTF-8 cannot encode it, and PostgreSQL's jsonb refuses it.
 */
const LONE_SURROGATE = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

function bounded(value: string, label: string, maxBytes: number): string {
  if (LONE_SURROGATE.test(value)) throw invalidValue(`${label} is not valid Unicode: it holds an unpaired surrogate, which UTF-8 cannot encode.`);
  // A UTF-16 code unit is at most 3 UTF-8 bytes: almost every value needs no count.
  if (value.length * 3 <= maxBytes) return value;
  const bytes = Buffer.byteLength(value, "utf8");
  if (bytes > maxBytes) throw invalidValue(`${label} is ${bytes} bytes long; an attribute value may be at most ${maxBytes} bytes.`);
  return value;
}

/**
 * A whole attribute value: a list for a multi-valued attribute, `{ value }` for `manager`, else
 * one value. Undefined when the value says "not set".
 */
export function coerceValue(def: AttrDef, value: unknown, label: string, how: Coercion): unknown {
  if (value === null || value === undefined) return undefined;
  if (isManager(def)) return normaliseManager(value, label, how.maxStringBytes) ?? undefined;
  if (def.multiValued) return coerceMulti(def, value, label, how);
  return coerceSingle(def, value, label, how);
}

/** One non-null value of `def` (one element when `def` is multi-valued). */
export function coerceSingle(def: AttrDef, value: unknown, label: string, how: Coercion = PATCH_VALUE): unknown {
  switch (def.type) {
    case "boolean":
      return coerceBoolean(value, label);
    case "integer":
      return coerceNumber(value, true, label);
    case "decimal":
      return coerceNumber(value, false, label);
    case "complex":
      if (!isObject(value)) throw invalidValue(`${label} must be an object with sub-attributes of ${def.name}, but got ${describe(value)}.`);
      return coerceAttributes(def.subAttributes, value, label, def.name, how);
    case "string":
    case "reference":
    case "dateTime":
    case "binary":
      return coerceString(value, def, label, how.maxStringBytes);
  }
}

/** A multi-valued attribute's values, without the ones that say "not set" (null, `{}`). */
export function coerceMulti(def: AttrDef, value: unknown, label: string, how: Coercion = PATCH_VALUE): unknown[] {
  const items = Array.isArray(value) ? value : [value];
  return items
    .filter((item) => item !== null)
    .map((item, i) => coerceSingle(def, item, `${label}[${i}]`, how))
    .filter((item) => !(isObject(item) && Object.keys(item).length === 0));
}

/**
 * The members of an object value — a complex attribute's sub-attributes, or an extension's
 * attributes — in canonical casing, each coerced by its definition.
 */
export function coerceAttributes(attributes: readonly AttrDef[], value: JsonObject, label: string, owner: string, how: Coercion): JsonObject {
  const out: JsonObject = {};
  for (const [key, member] of Object.entries(value)) {
    const def = findAttribute(attributes, key);
    if (def === undefined) {
      if (how.unknown === "reject") throw invalidValue(`${label}: ${owner} has no sub-attribute ${describe(key)}.`);
      continue;
    }
    if (def.mutability === "readOnly") continue;
    const coerced = coerceValue(def, member, `${label}.${def.name}`, how);
    if (coerced !== undefined) setKey(out, def.name, coerced);
  }
  return out;
}

function isManager(def: AttrDef): boolean {
  return def.name === "manager" && def.type === "complex" && !def.multiValued;
}

/**
 * The enterprise `manager` (RFC 7643 §4.3) as `{ value }` (plus `displayName` when given); `$ref`
 * is derived from the id on output, so it is not stored. Null when the value clears the manager.
 * A list of several managers is refused rather than reduced to its first: picking one would store
 * a manager the IdP did not choose. The value is kept as the IdP sent it, whether or not it names a
 * user here: RFC 7643 §4.3 asks for no referential integrity, an IdP's attribute mapping may fill it
 * with its own identifier, and Microsoft's SCIM test collection creates a user whose manager is
 * `"SuzzyQ"`. Nothing is derived from a manager, so a dangling one harms nothing.
 */
/** The longest manager reference stored (the `users.manager_id` column). */
export const MAX_MANAGER_REFERENCE = COLUMN_LENGTH.managerId;

export function normaliseManager(value: unknown, label: string, maxStringBytes = PATCH_VALUE.maxStringBytes): JsonObject | null {
  if (value === null || value === "") return null;
  if (typeof value === "string") return { value: managerReference(value, label) };
  if (Array.isArray(value)) {
    if (value.length === 0) return null;
    if (value.length > 1) throw invalidValue(`${label}: a user has one manager, but ${value.length} were sent.`);
    return normaliseManager(value[0], label, maxStringBytes);
  }
  if (!isObject(value)) throw invalidValue(`${label} must be a manager id or an object with "value", but got ${describe(value)}.`);
  const id = getKey(value, "value");
  if (id === null || id === "") return null;
  if (typeof id !== "string") throw invalidValue(`${label}.value must be the manager's id as a string, but got ${describe(id)}.`);
  const displayName = getKey(value, "displayName");
  const reference = managerReference(id, `${label}.value`);
  return typeof displayName === "string" ? { value: reference, displayName: bounded(displayName, `${label}.displayName`, maxStringBytes) } : { value: reference };
}

function managerReference(id: string, label: string): string {
  if (id.length > MAX_MANAGER_REFERENCE) throw invalidValue(`${label} is ${id.length} characters long; a manager reference has at most ${MAX_MANAGER_REFERENCE}.`);
  return id;
}

/**
 * A value bound for an indexed column no longer than `max` characters, counted as PostgreSQL counts
 * them (code points) and after lower-casing too, since the case-insensitive copy is stored beside it
 * (a few letters, such as "İ", grow when lower-cased). Past it: invalidValue naming the attribute,
 * the same on SQLite, which would store it, as on PostgreSQL, which would refuse it.
 */
export function checkColumnLength(value: string, attribute: string, max: number): string {
  const length = Math.max(codePoints(value), codePoints(value.toLowerCase()));
  if (length > max) throw invalidValue(`${attribute} is ${length} characters long; this server stores at most ${max}.`);
  return value;
}

function codePoints(text: string): number {
  let count = 0;
  for (let i = 0; i < text.length; i += 1) {
    const unit = text.charCodeAt(i);
    // A high surrogate followed by a low one is one code point.
    if (unit >= 0xd800 && unit <= 0xdbff && i + 1 < text.length) {
      const next = text.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i += 1;
    }
    count += 1;
  }
  return count;
}
