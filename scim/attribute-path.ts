/**
 * The one resolver of attribute paths (RFC 7644 §3.10) against a resource type's schemas, behind
 * PATCH targets, filters, `sortBy` and `attributes`/`excludedAttributes`. It answers what a path
 * names — a whole schema, or an attribute with an optional sub-attribute, in canonical casing —
 * or what is wrong with it; each caller turns a problem into its own error (`invalidPath` for
 * PATCH, `invalidFilter` for filters), since RFC 7644 §3.12 gives them different scimTypes.
 */
import type { AttrPath } from "./filter/ast";
import { type AttrDef, type ResourceSchemas, type SchemaDef, findAttribute } from "./schemas";

export type ResolvedPath =
  /** The path is the URN of a whole schema, e.g. the enterprise extension used as a key. */
  | { readonly kind: "schemaRoot"; readonly schema: SchemaDef }
  | { readonly kind: "attribute"; readonly schema: SchemaDef; readonly attr: AttrDef; readonly sub?: AttrDef };

export type PathProblem =
  | { readonly kind: "unknownSchema"; readonly urn: string }
  /** `schema` is set when the path named the schema it should be in. */
  | { readonly kind: "unknownAttribute"; readonly name: string; readonly schema?: SchemaDef }
  | { readonly kind: "unknownSubAttribute"; readonly schema: SchemaDef; readonly attr: AttrDef; readonly name: string };

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

/**
 * Resolves `path` among the resource's schemas, or only within `scope` (the keys of an extension's
 * object value). A URN prefix names the schema; without one, core attributes win and the
 * extensions are tried next, because clients send `employeeNumber` unqualified.
 */
export function resolveAttrPath(schemas: ResourceSchemas, path: AttrPath, scope?: SchemaDef): ResolvedPath | PathProblem {
  const candidates = scope !== undefined ? [scope] : [schemas.core, ...schemas.extensions];
  let owner: SchemaDef | undefined;
  let attr: AttrDef | undefined;
  if (path.schema !== undefined) {
    const urn = path.schema;
    // The grammar splits `urn:…:enterprise:2.0:User` into schema `urn:…:2.0` and attribute `User`.
    const root = path.subAttr === undefined ? candidates.find((s) => sameName(s.id, `${urn}:${path.attr}`)) : undefined;
    if (root !== undefined) return { kind: "schemaRoot", schema: root };
    owner = candidates.find((s) => sameName(s.id, urn));
    if (owner === undefined) return { kind: "unknownSchema", urn };
    attr = findAttribute(owner.attributes, path.attr);
    if (attr === undefined) return { kind: "unknownAttribute", name: path.attr, schema: owner };
  } else {
    for (const schema of candidates) {
      attr = findAttribute(schema.attributes, path.attr);
      owner = schema;
      if (attr !== undefined) break;
    }
    if (attr === undefined || owner === undefined) return { kind: "unknownAttribute", name: path.attr };
  }
  if (path.subAttr === undefined) return { kind: "attribute", schema: owner, attr };
  const sub = findAttribute(attr.subAttributes, path.subAttr);
  if (sub === undefined) return { kind: "unknownSubAttribute", schema: owner, attr, name: path.subAttr };
  return { kind: "attribute", schema: owner, attr, sub };
}

export function isPathProblem(resolved: ResolvedPath | PathProblem): resolved is PathProblem {
  return resolved.kind !== "schemaRoot" && resolved.kind !== "attribute";
}
