import { invalidSyntax, invalidValue } from "./errors";
import { coerceBoolean } from "./values";
import { type JsonObject, isObject } from "./json";
import {
  type AttributeDefinition,
  type ResourceKind,
  CORE_GROUP,
  CORE_USER,
  ENTERPRISE_USER,
  coerce,
  findAttribute,
  schemasOf,
} from "./schemas";

/**
 * Makes what Okta and Entra really send acceptable to schema coercion (IDP-CLIENTS.md, quirks 3, 8, 12):
 * - `null` means "not set" (Entra: `"phoneNumbers": null`, fixtures/entra/create-user.json);
 * - booleans may be strings (`"active": "False"`, Entra without aadOptscim062020);
 * - `manager` may be a bare id string or a one-element array;
 * - unknown schema URNs (Entra's ADSCIM Group schema) are tolerated and dropped;
 * - request-side `id`, `meta`, `groups`, `password` are ignored.
 */
export function normaliseIncoming(kind: ResourceKind, body: unknown): JsonObject {
  if (!isObject(body)) throw invalidSyntax(`The request body must be a JSON object describing a ${kind}`);
  const schemas = schemasOf(kind);
  const out: JsonObject = {};
  for (const [key, raw] of Object.entries(body)) {
    const value = stripNulls(raw);
    if (value === undefined) continue;
    const lower = key.toLowerCase();
    if (lower === "schemas" || lower === "id" || lower === "meta" || lower === "password") continue;
    if (kind === "User" && lower === "groups") continue;
    if (lower.startsWith("urn:")) {
      const extension = schemas.extensions.find((e) => lower === e.id.toLowerCase() || lower.startsWith(`${e.id.toLowerCase()}:`));
      if (!extension) continue;
      if (lower === extension.id.toLowerCase()) {
        if (!isObject(value)) throw invalidValue(`${extension.id} must be an object`);
        out[extension.id] = { ...(isObject(out[extension.id]) ? (out[extension.id] as JsonObject) : {}), ...coerceComplex(extension.attributes, value) };
      } else {
        // `urn:…:User:employeeNumber` written as a top-level key.
        const attr = key.slice(extension.id.length + 1);
        const definition = findAttribute(extension.attributes, attr);
        if (!definition) continue;
        const existing = isObject(out[extension.id]) ? (out[extension.id] as JsonObject) : {};
        out[extension.id] = { ...existing, [definition.name]: coerceValue(definition, value) };
      }
      continue;
    }
    const definition = findAttribute(schemas.core.attributes, key);
    out[definition?.name ?? key] = definition ? coerceValue(definition, value) : value;
  }
  const extension = schemas.extensions[0];
  if (extension && isObject(out[extension.id]) && Object.keys(out[extension.id] as JsonObject).length === 0) delete out[extension.id];
  out.schemas = kind === "User" ? [CORE_USER, ...(out[ENTERPRISE_USER] ? [ENTERPRISE_USER] : [])] : [CORE_GROUP];
  return out;
}

/** Normalises then runs scimmy's schema coercion. */
export function readResource(kind: ResourceKind, body: unknown): JsonObject {
  return coerce(kind, normaliseIncoming(kind, body));
}

export function stripNulls(value: unknown): unknown {
  if (value === null) return undefined;
  if (Array.isArray(value)) return value.map(stripNulls).filter((v) => v !== undefined);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) {
      const stripped = stripNulls(v);
      if (stripped !== undefined) out[k] = stripped;
    }
    return out;
  }
  return value;
}

function coerceComplex(attributes: readonly AttributeDefinition[], value: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [key, v] of Object.entries(value)) {
    const definition = findAttribute(attributes, key);
    if (!definition) {
      out[key] = v;
      continue;
    }
    const coerced = coerceValue(definition, v);
    if (coerced !== undefined) out[definition.name] = coerced;
  }
  return out;
}

function coerceSingle(definition: AttributeDefinition, value: unknown): unknown {
  if (definition.type === "boolean") return coerceBoolean(value, `Attribute '${definition.name}'`);
  if (definition.type === "complex" && isObject(value) && definition.subAttributes) return coerceComplex(definition.subAttributes, value);
  return value;
}

function coerceValue(definition: AttributeDefinition, value: unknown): unknown {
  if (definition.name === "manager" && definition.type === "complex") return coerceManager(value);
  if (definition.multiValued) {
    if (!Array.isArray(value)) {
      return isObject(value) || typeof value !== "object" ? [coerceSingle(definition, value)] : value;
    }
    return value.map((v) => coerceSingle(definition, v));
  }
  return coerceSingle(definition, value);
}

/** Entra sends `manager` as a bare id, older tenants as `[{"$ref":…,"value":…}]`; we keep `{value}`. */
export function coerceManager(value: unknown): JsonObject | undefined {
  const single = Array.isArray(value) ? value[0] : value;
  if (single === undefined || single === null || single === "") return undefined;
  if (typeof single === "string") return { value: single };
  if (isObject(single)) {
    const id = single.value;
    if (id === undefined || id === null || id === "") return undefined;
    if (typeof id !== "string") throw invalidValue("manager.value must be a string id");
    return { value: id, ...(typeof single.displayName === "string" ? { displayName: single.displayName } : {}) };
  }
  throw invalidValue("manager must be a user id or an object with a value");
}
