/**
 * Reads a User or Group representation from a POST or PUT body (or a patched resource) into the
 * shape scimmy's schema coercion accepts, then runs it. Values are coerced by `values.ts`, as
 * PATCH values are; what is particular to a whole representation is handled here
 * (docs/idp-clients.md#quirk-12-extras-are-tolerated):
 * - unknown attributes and unknown schema URNs (Entra's ADSCIM Group schema,
 *   fixtures/entra/create-group.json) are tolerated and dropped;
 * - request-side `id`, `meta`, `schemas`, `password` (Okta sends a placeholder,
 *   fixtures/okta/create-user.json) and, on a User, `groups` are ignored;
 * - an extension attribute may be written as a top-level `urn:…:User:employeeNumber` key.
 * Every string kept is bounded by `maxStringBytes`, whether it arrived by POST, PUT or PATCH.
 */
import { invalidSyntax, invalidValue } from "./errors";
import { type JsonObject, isObject } from "../mapping/json";
import { type ResourceKind, type SchemaDef, CORE_GROUP, CORE_USER, ENTERPRISE_USER, coerce, findAttribute, schemasFor } from "./schemas";
import { type Coercion, coerceAttributes, coerceValue } from "./values";

const IGNORED: ReadonlySet<string> = new Set(["schemas", "id", "meta", "password"]);

/** What a representation may hold (server/config.ts's limits). */
export interface ResourceLimits {
  readonly maxStringBytes: number;
}

export function normaliseIncoming(kind: ResourceKind, body: unknown, limits: ResourceLimits): JsonObject {
  const how: Coercion = { unknown: "drop", maxStringBytes: limits.maxStringBytes };
  if (!isObject(body)) throw invalidSyntax(`The request body must be a JSON object describing a ${kind}`);
  const schemas = schemasFor(kind);
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(body)) {
    const lower = key.toLowerCase();
    if (IGNORED.has(lower) || (kind === "User" && lower === "groups")) continue;
    if (lower.startsWith("urn:")) {
      const extension = schemas.extensions.find((e) => lower === e.id.toLowerCase() || lower.startsWith(`${e.id.toLowerCase()}:`));
      if (extension !== undefined) readExtensionKey(out, extension, key, value, how);
      continue;
    }
    const definition = findAttribute(schemas.core.attributes, key);
    if (definition === undefined) continue;
    const coerced = coerceValue(definition, value, definition.name, how);
    if (coerced !== undefined) out[definition.name] = coerced;
  }
  const extension = schemas.extensions[0];
  if (extension && isObject(out[extension.id]) && Object.keys(out[extension.id] as JsonObject).length === 0) delete out[extension.id];
  out.schemas = kind === "User" ? [CORE_USER, ...(out[ENTERPRISE_USER] ? [ENTERPRISE_USER] : [])] : [CORE_GROUP];
  return out;
}

/** The extension's object (`"urn:…:enterprise:2.0:User": {…}`), or one of its attributes as a top-level key. */
function readExtensionKey(out: JsonObject, extension: SchemaDef, key: string, value: unknown, how: Coercion): void {
  const existing = out[extension.id];
  const merged: JsonObject = isObject(existing) ? existing : {};
  if (key.length === extension.id.length) {
    if (value === null) return;
    if (!isObject(value)) throw invalidValue(`${extension.id} must be an object`);
    Object.assign(merged, coerceAttributes(extension.attributes, value, extension.id, extension.id, how));
  } else {
    const definition = findAttribute(extension.attributes, key.slice(extension.id.length + 1));
    if (definition === undefined) return;
    const coerced = coerceValue(definition, value, `${extension.id}:${definition.name}`, how);
    if (coerced === undefined) return;
    merged[definition.name] = coerced;
  }
  out[extension.id] = merged;
}

/** Normalises then runs scimmy's schema coercion (types, required attributes, read-only attributes). */
export function readResource(kind: ResourceKind, body: unknown, limits: ResourceLimits): JsonObject {
  return coerce(kind, normaliseIncoming(kind, body, limits));
}
