/**
 * Attribute metadata for the PATCH engine, read once from scimmy's schema *definitions*
 * (RFC 7643 §4 User/Group, §4.3 enterprise extension) plus the common attributes of §3.1,
 * which scimmy keeps outside the schema definitions.
 */
import { invalidPath } from "./errors";
import { type AttrPath, type FilterNode, type PatchPath, attrPathToString } from "./filter";

import { type AttrDef, type ResourceSchemas, type SchemaDef } from "./schemas";

export { CORE_GROUP, CORE_USER, ENTERPRISE_USER, schemasFor } from "./schemas";
export type { AttrDef, AttrType, Mutability, ResourceKind, ResourceSchemas, SchemaDef } from "./schemas";

const sameName = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();

export function findAttr(schema: SchemaDef, name: string): AttrDef | undefined {
  return schema.attributes.find((a) => sameName(a.name, name));
}

export function findSubAttr(attr: AttrDef, name: string): AttrDef | undefined {
  return attr.subAttributes.find((a) => sameName(a.name, name));
}

function allSchemas(schemas: ResourceSchemas): readonly SchemaDef[] {
  return [schemas.core, ...schemas.extensions];
}

export type Target =
  /** The path names a whole schema, e.g. the enterprise extension URN used as a key. */
  | { readonly kind: "schemaRoot"; readonly schema: SchemaDef }
  | {
      readonly kind: "attribute";
      readonly schema: SchemaDef;
      readonly attr: AttrDef;
      /** From `name.familyName` or from `emails[…].value`. */
      readonly sub?: AttrDef;
      readonly filter?: FilterNode;
    };

/**
 * Resolves a parsed PATCH path against the resource's schemas. Unknown schemas, attributes and
 * sub-attributes are `invalidPath` (RFC 7644 §3.5.2). Without a URN, core attributes win and the
 * extensions are tried next, because some clients send `employeeNumber` unqualified.
 */
export function resolveTarget(schemas: ResourceSchemas, patchPath: PatchPath, label: string, scope?: SchemaDef): Target {
  const { schema: urn, attr: attrName, subAttr: dottedSub } = patchPath.path;
  const candidates = scope !== undefined ? [scope] : allSchemas(schemas);
  let attr: AttrDef | undefined;
  let owner: SchemaDef | undefined;

  if (urn !== undefined) {
    const whole = `${urn}:${attrName}`;
    const root = candidates.find((s) => sameName(s.id, whole));
    if (root !== undefined && dottedSub === undefined && patchPath.valueFilter === undefined && patchPath.subAttr === undefined) {
      return { kind: "schemaRoot", schema: root };
    }
    owner = candidates.find((s) => sameName(s.id, urn));
    if (owner === undefined) throw invalidPath(`"${label}" names the schema "${urn}", which this resource does not use.`);
    attr = findAttr(owner, attrName);
  } else {
    for (const schema of candidates) {
      attr = findAttr(schema, attrName);
      if (attr !== undefined) {
        owner = schema;
        break;
      }
    }
  }
  if (attr === undefined || owner === undefined) {
    throw invalidPath(`"${label}" does not name an attribute of this resource ("${attrName}" is unknown).`);
  }

  const subName = dottedSub ?? patchPath.subAttr;
  const sub = subName !== undefined ? resolveSub(attr, subName, label) : undefined;
  const filter = patchPath.valueFilter;
  if (filter !== undefined) checkValueFilter(attr, filter, label);
  return {
    kind: "attribute",
    schema: owner,
    attr,
    ...(sub !== undefined ? { sub } : {}),
    ...(filter !== undefined ? { filter } : {}),
  };
}

function resolveSub(attr: AttrDef, name: string, label: string): AttrDef {
  if (attr.type !== "complex") throw invalidPath(`"${label}": ${attr.name} is not complex, so it has no sub-attribute "${name}".`);
  const sub = findSubAttr(attr, name);
  if (sub === undefined) throw invalidPath(`"${label}": ${attr.name} has no sub-attribute "${name}".`);
  return sub;
}

/** RFC 7644 §3.5.2: a valuePath selects elements of a multi-valued attribute by their sub-attributes. */
function checkValueFilter(attr: AttrDef, filter: FilterNode, label: string): void {
  if (!attr.multiValued || attr.type !== "complex") {
    throw invalidPath(`"${label}": a [filter] can only select values of a multi-valued complex attribute, and ${attr.name} is not one.`);
  }
  for (const path of filterPaths(filter)) {
    if (findSubAttr(attr, path.attr) === undefined) {
      throw invalidPath(`"${label}": the filter refers to "${attrPathToString(path)}", which is not a sub-attribute of ${attr.name}.`);
    }
  }
}

function filterPaths(node: FilterNode): AttrPath[] {
  switch (node.kind) {
    case "compare":
    case "present":
      return [node.path];
    case "and":
    case "or":
      return [...filterPaths(node.left), ...filterPaths(node.right)];
    case "not":
      return filterPaths(node.expr);
    case "valuePath":
      return [node.path];
  }
}
