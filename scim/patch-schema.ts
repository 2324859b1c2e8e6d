/**
 * Attribute metadata for the PATCH engine, read once from scimmy's schema *definitions*
 * (RFC 7643 §4 User/Group, §4.3 enterprise extension) plus the common attributes of §3.1,
 * which scimmy keeps outside the schema definitions.
 */
import SCIMMY from "scimmy";
import { invalidPath } from "./errors";
import type { AttrPath, FilterNode, PatchPath } from "./filter-ast";
import { attrPathToString } from "./filter";
import { isJsonObject } from "./patch-json";

export type ResourceKind = "User" | "Group";
export type AttrType = "string" | "boolean" | "complex" | "reference" | "dateTime" | "integer" | "decimal" | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";

export interface AttrDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly mutability: Mutability;
  readonly caseExact: boolean;
  readonly subAttributes: readonly AttrDef[];
}

export interface SchemaDef {
  readonly id: string;
  readonly extension: boolean;
  readonly attributes: readonly AttrDef[];
}

export interface ResourceSchemas {
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const ATTR_TYPES: ReadonlySet<string> = new Set([
  "string",
  "boolean",
  "complex",
  "reference",
  "dateTime",
  "integer",
  "decimal",
  "binary",
]);
const MUTABILITIES: ReadonlySet<string> = new Set(["readOnly", "readWrite", "immutable", "writeOnly"]);

function simple(name: string, mutability: Mutability, caseExact: boolean, type: AttrType = "string"): AttrDef {
  return { name, type, multiValued: false, mutability, caseExact, subAttributes: [] };
}

/**
 * RFC 7643 §3.1 common attributes. `schemas` is treated as read-only here: the engine maintains
 * it when an extension appears or disappears, and clients only ever echo it back.
 */
const COMMON_ATTRIBUTES: readonly AttrDef[] = [
  simple("id", "readOnly", true),
  simple("externalId", "readWrite", true),
  { ...simple("schemas", "readOnly", true, "reference"), multiValued: true },
  {
    ...simple("meta", "readOnly", false, "complex"),
    subAttributes: [
      simple("resourceType", "readOnly", true),
      simple("created", "readOnly", false, "dateTime"),
      simple("lastModified", "readOnly", false, "dateTime"),
      simple("location", "readOnly", true, "reference"),
      simple("version", "readOnly", true),
    ],
  },
];

function toAttrDef(raw: unknown, where: string): AttrDef {
  if (!isJsonObject(raw) || typeof raw["name"] !== "string" || typeof raw["type"] !== "string") {
    throw new Error(`scimmy schema definition ${where} has an attribute without a name or type`);
  }
  const name = raw["name"];
  const type = raw["type"];
  const mutability = raw["mutability"] ?? "readWrite";
  if (!ATTR_TYPES.has(type) || typeof mutability !== "string" || !MUTABILITIES.has(mutability)) {
    throw new Error(`scimmy schema definition ${where}.${name} has an unexpected type or mutability`);
  }
  const subs = Array.isArray(raw["subAttributes"]) ? raw["subAttributes"] : [];
  return {
    name,
    type: type as AttrType,
    multiValued: raw["multiValued"] === true,
    mutability: mutability as Mutability,
    caseExact: raw["caseExact"] === true,
    subAttributes: subs.map((s) => toAttrDef(s, `${where}.${name}`)),
  };
}

/** scimmy's Attribute objects only expose their metadata through toJSON, hence the round trip. */
function loadSchema(definition: { describe(): unknown }, extension: boolean, extra: readonly AttrDef[]): SchemaDef {
  const described: unknown = JSON.parse(JSON.stringify(definition.describe()));
  if (!isJsonObject(described) || typeof described["id"] !== "string" || !Array.isArray(described["attributes"])) {
    throw new Error("scimmy returned a schema description without id or attributes");
  }
  const id = described["id"];
  const attributes = described["attributes"]
    .map((a) => toAttrDef(a, id))
    // An extended scimmy definition may list its extensions as URN-named attributes; we model them separately.
    .filter((a) => !a.name.toLowerCase().startsWith("urn:"));
  return { id, extension, attributes: [...extra, ...attributes] };
}

const cache = new Map<ResourceKind, ResourceSchemas>();

export function schemasFor(kind: ResourceKind): ResourceSchemas {
  const cached = cache.get(kind);
  if (cached !== undefined) return cached;
  const loaded: ResourceSchemas =
    kind === "User"
      ? {
          core: loadSchema(SCIMMY.Schemas.User.definition, false, COMMON_ATTRIBUTES),
          extensions: [loadSchema(SCIMMY.Schemas.EnterpriseUser.definition, true, [])],
        }
      : { core: loadSchema(SCIMMY.Schemas.Group.definition, false, COMMON_ATTRIBUTES), extensions: [] };
  cache.set(kind, loaded);
  return loaded;
}

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
