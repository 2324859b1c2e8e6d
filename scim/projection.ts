/**
 * `attributes` / `excludedAttributes` (RFC 7644 §3.4.2.5 and §3.9): which attributes a response
 * carries. Paths are parsed by the filter grammar and resolved by the one attribute-path resolver,
 * so `NAME.givenname` and `urn:…:enterprise:2.0:User:employeeNumber` work; a name the schema does
 * not know selects nothing. `id` and `schemas` are always returned, and `attributes` keeps
 * `meta.resourceType`.
 */
import { resolveAttrPath } from "./attribute-path";
import { invalidValue } from "./errors";
import { type AttrPath, parseAttrPath } from "./filter";
import { type JsonObject, isObject } from "../mapping/json";
import { type ResourceKind, type ResourceSchemas, schemasFor } from "./schemas";

export interface Projection {
  readonly include: readonly ProjectedPath[] | null;
  readonly exclude: readonly ProjectedPath[];
}

/** `container` is the extension URN for extension attributes, else null. */
interface ProjectedPath {
  readonly container: string | null;
  readonly attr: string;
  readonly sub: string | null;
}

const ALWAYS = new Set(["id", "schemas"]);

export const NO_PROJECTION: Projection = { include: null, exclude: [] };

/**
 * Characters allowed per attribute path of the limit: the longest path a schema of ours has (an
 * extension URN, an attribute and a sub-attribute) is under 90, so a list of the maximum number of
 * paths fits with room for value filters and spaces.
 */
export const CHARS_PER_ATTRIBUTE_PATH = 256;

/**
 * `maxPaths` bounds the work a request can ask for (SCIM_MAX_ATTRIBUTE_PATHS): a list longer than
 * `maxPaths` paths, or than `maxPaths × CHARS_PER_ATTRIBUTE_PATH` characters, is refused before it
 * is read further.
 */
export function parseProjection(kind: ResourceKind, attributes: unknown, excluded: unknown, maxPaths: number): Projection {
  const include = typeof attributes === "string" && attributes.trim() !== "" ? parseList(kind, attributes, "attributes", maxPaths) : null;
  const exclude = typeof excluded === "string" && excluded.trim() !== "" ? parseList(kind, excluded, "excludedAttributes", maxPaths) : [];
  return include === null && exclude.length === 0 ? NO_PROJECTION : { include, exclude };
}

function parseList(kind: ResourceKind, text: string, parameter: string, maxPaths: number): ProjectedPath[] {
  // RFC 7644 §3.12: a parameter value the server cannot take is invalidValue.
  if (text.length > maxPaths * CHARS_PER_ATTRIBUTE_PATH) {
    throw invalidValue(`${parameter} is ${text.length} characters long; at most ${maxPaths * CHARS_PER_ATTRIBUTE_PATH} are accepted.`);
  }
  const paths = splitAttributeList(text);
  if (paths.length > maxPaths) throw invalidValue(`${parameter} names ${paths.length} attributes; at most ${maxPaths} are accepted.`);
  const schemas = schemasFor(kind);
  return paths.map((p) => project(schemas, parsePath(p, parameter), p));
}

/**
 * The comma-separated paths of an `attributes` list, in one pass. `attributes` names attributes
 * (RFC 7644 §3.4.2.5); a value filter such as `emails[type eq "work"]` is read as the attribute it
 * filters (Microsoft's SCIM validator sends one; no IdP fixture records it, test/scim/projection.test.ts
 * does), so a `[…]` is dropped up to the next `]`. An unclosed `[` is kept, and the path holding it
 * fails to parse.
 */
export function splitAttributeList(text: string): string[] {
  let kept = "";
  let from = 0;
  for (;;) {
    const open = text.indexOf("[", from);
    if (open < 0) break;
    const close = text.indexOf("]", open + 1);
    if (close < 0) break;
    kept += text.slice(from, open);
    from = close + 1;
  }
  kept += text.slice(from);
  return kept.split(",").map((p) => p.trim()).filter((p) => p !== "");
}

function parsePath(text: string, parameter: string): AttrPath {
  try {
    return parseAttrPath(text);
  } catch {
    // A query parameter, like `sortBy`, not a PATCH path: its problems are invalidValue.
    throw invalidValue(`${parameter}: "${text}" is not an attribute path`);
  }
}

function project(schemas: ResourceSchemas, path: AttrPath, text: string): ProjectedPath {
  const resolved = resolveAttrPath(schemas, path);
  const containerOf = (schema: { readonly id: string; readonly extension: boolean } | undefined): string | null => (schema?.extension ? schema.id : null);
  switch (resolved.kind) {
    case "schemaRoot":
      return { container: null, attr: resolved.schema.id, sub: null };
    case "attribute":
      return { container: containerOf(resolved.schema), attr: resolved.attr.name, sub: resolved.sub?.name ?? null };
    case "unknownSchema":
      throw invalidValue(`Unknown schema in attribute path "${text}"`);
    case "unknownAttribute":
      return { container: containerOf(resolved.schema), attr: resolved.name, sub: path.subAttr ?? null };
    case "unknownSubAttribute":
      return { container: containerOf(resolved.schema), attr: resolved.attr.name, sub: resolved.name };
  }
}

export function wantsAttribute(projection: Projection, attr: string): boolean {
  const lower = attr.toLowerCase();
  if (projection.exclude.some((p) => p.container === null && p.sub === null && p.attr.toLowerCase() === lower)) return false;
  if (projection.include === null) return true;
  return projection.include.some((p) => p.container === null && p.attr.toLowerCase() === lower);
}

export function isIdentity(projection: Projection): boolean {
  return projection.include === null && projection.exclude.length === 0;
}

function pick(value: unknown, sub: string): unknown {
  if (Array.isArray(value)) {
    const picked = value.filter(isObject).map((v) => (sub in v ? { [sub]: v[sub] } : null)).filter((v) => v !== null);
    return picked.length > 0 ? picked : undefined;
  }
  if (isObject(value)) return sub in value ? { [sub]: value[sub] } : undefined;
  return undefined;
}

function merge(target: JsonObject, key: string, value: unknown): void {
  const existing = target[key];
  if (isObject(existing) && isObject(value)) target[key] = { ...existing, ...value };
  else target[key] = value;
}

export function applyProjection(resource: JsonObject, projection: Projection): JsonObject {
  if (isIdentity(projection)) return resource;
  let out: JsonObject;
  if (projection.include !== null) {
    out = {};
    for (const key of Object.keys(resource)) if (ALWAYS.has(key)) out[key] = resource[key];
    out.meta = isObject(resource.meta) ? { resourceType: resource.meta.resourceType } : undefined;
    for (const p of projection.include) {
      if (p.attr === "meta") {
        out.meta = p.sub === null ? resource.meta : { ...(isObject(out.meta) ? out.meta : {}), ...(pick(resource.meta, p.sub) as JsonObject) };
        continue;
      }
      const source = p.container ? resource[p.container] : resource;
      if (!isObject(source)) continue;
      const key = Object.keys(source).find((k) => k.toLowerCase() === p.attr.toLowerCase());
      if (key === undefined) {
        if (p.container === null && resource[p.attr] !== undefined) out[p.attr] = resource[p.attr];
        continue;
      }
      const value = p.sub === null ? source[key] : pick(source[key], p.sub);
      if (value === undefined) continue;
      if (p.container) merge(out, p.container, { [key]: value });
      else merge(out, key, value);
    }
    if (out.meta === undefined) delete out.meta;
  } else {
    out = { ...resource };
  }
  for (const p of projection.exclude) {
    if (ALWAYS.has(p.attr)) continue;
    const target = p.container ? out[p.container] : out;
    if (!isObject(target)) continue;
    const key = Object.keys(target).find((k) => k.toLowerCase() === p.attr.toLowerCase());
    if (key === undefined) continue;
    if (p.sub === null) {
      const copy = { ...target };
      delete copy[key];
      if (p.container) out[p.container] = copy;
      else out = copy;
    } else if (isObject(target[key])) {
      const inner = { ...(target[key] as JsonObject) };
      delete inner[p.sub];
      if (p.container) out[p.container] = { ...target, [key]: inner };
      else out[key] = inner;
    }
  }
  return out;
}
