/**
 * Resolves a parsed SCIM filter (or a `sortBy` path) against the resource schema and our storage
 * layout, producing a StorageFilter that db/filter-sql.ts compiles to SQL. Indexed columns serve
 * the attributes IdPs query (userName, externalId, displayName, id, manager, active:
 * fixtures/entra/filter-attributes.json, fixtures/okta/user-exists-found.json); the rest is read
 * from JSON.
 */
import type { CompareOp as SqlCompareOp, SqlTarget, StorageFilter, ValueType } from "../../db/filter-sql";
import { ScimError, invalidFilter } from "../errors";
import { isPathProblem, resolveAttrPath } from "../attribute-path";
import { type AttrDef, type ResourceKind, type ResourceSchemas, findAttribute, schemasFor } from "../schemas";
import type { AttrPath, FilterNode } from "./ast";

/** A filter names an attribute the resource type does not have (root search skips that type). */
export class UnknownAttributeError extends ScimError {
  constructor(attr: string) {
    super(400, "invalidFilter", `Unknown attribute "${attr}" in filter`);
  }
}

type ColumnMap = Record<string, SqlTarget & { kind: "column" }>;

const USER_COLUMNS: ColumnMap = {
  id: { kind: "column", column: "id", type: "string" },
  username: { kind: "column", column: "user_name_ci", type: "string", lowered: true },
  externalid: { kind: "column", column: "external_id", type: "string" },
  displayname: { kind: "column", column: "display_name", type: "string" },
  active: { kind: "column", column: "active", type: "boolean" },
  "meta.created": { kind: "column", column: "created_at", type: "dateTime" },
  "meta.lastmodified": { kind: "column", column: "updated_at", type: "dateTime" },
  "manager.value": { kind: "column", column: "manager_id", type: "string" },
  manager: { kind: "column", column: "manager_id", type: "string" },
};

const GROUP_COLUMNS: ColumnMap = {
  id: { kind: "column", column: "id", type: "string" },
  displayname: { kind: "column", column: "display_name_ci", type: "string", lowered: true },
  externalid: { kind: "column", column: "external_id", type: "string" },
  "meta.created": { kind: "column", column: "created_at", type: "dateTime" },
  "meta.lastmodified": { kind: "column", column: "updated_at", type: "dateTime" },
};

/** Attributes whose comparison is case-sensitive although they live in a column (RFC 7643 §3.1, §8.7.1). */
const CASE_EXACT_COLUMNS = new Set(["id", "external_id", "manager_id", "created_at", "updated_at"]);

function valueType(definition: AttrDef): ValueType {
  switch (definition.type) {
    case "boolean":
      return "boolean";
    case "integer":
    case "decimal":
      return "number";
    case "dateTime":
      return "dateTime";
    default:
      return "string";
  }
}

interface Resolved {
  /** Path inside `data`, e.g. ["name","familyName"] or ["urn:…:User","employeeNumber"]. */
  readonly jsonPath: string[];
  readonly definition: AttrDef;
  readonly sub: AttrDef | null;
  /** Key for the column map: "username", "meta.created", "manager.value". */
  readonly columnKey: string;
}

function resolvePath(schemas: ResourceSchemas, path: AttrPath): Resolved {
  const resolved = resolveAttrPath(schemas, path);
  if (isPathProblem(resolved)) {
    switch (resolved.kind) {
      case "unknownSchema":
        throw invalidFilter(`Unknown schema "${resolved.urn}" in filter`);
      case "unknownAttribute":
        throw new UnknownAttributeError(resolved.name);
      case "unknownSubAttribute":
        throw invalidFilter(`Unknown sub-attribute "${path.attr}.${resolved.name}" in filter`);
    }
  }
  if (resolved.kind === "schemaRoot") throw invalidFilter(`"${resolved.schema.id}" names a schema; filter on one of its attributes`);
  const { schema, attr: definition, sub } = resolved;
  const prefix = schema.extension ? [schema.id] : [];
  const columnKey = (schema.extension && definition.name !== "manager" ? "ext:" : "") + (sub ? `${definition.name}.${sub.name}` : definition.name).toLowerCase();
  return { jsonPath: [...prefix, definition.name], definition, sub: sub ?? null, columnKey };
}

export function toStorageFilter(kind: ResourceKind, node: FilterNode): StorageFilter {
  return new Resolver(kind).node(node);
}

class Resolver {
  private readonly schemas: ResourceSchemas;
  private readonly columns: ColumnMap;

  constructor(private readonly kind: ResourceKind) {
    this.schemas = schemasFor(kind);
    this.columns = kind === "User" ? USER_COLUMNS : GROUP_COLUMNS;
  }

  node(node: FilterNode): StorageFilter {
    switch (node.kind) {
      case "and":
      case "or":
        return { kind: node.kind, left: this.node(node.left), right: this.node(node.right) };
      case "not":
        return { kind: "not", expr: this.node(node.expr) };
      case "present":
        return this.leaf(node.path, "pr", null);
      case "compare":
        return this.leaf(node.path, node.op, node.value);
      case "valuePath":
        return this.valuePath(node.path, node.filter);
    }
  }

  private relation(resolved: Resolved): "groupsOfUser" | "membersOfGroup" | null {
    if (this.kind === "User" && resolved.definition.name === "groups") return "groupsOfUser";
    if (this.kind === "Group" && resolved.definition.name === "members") return "membersOfGroup";
    return null;
  }

  private leaf(path: AttrPath, op: SqlCompareOp | "pr", value: string | number | boolean | null): StorageFilter {
    const resolved = resolvePath(this.schemas, path);
    const { definition, sub } = resolved;
    if (resolved.columnKey === "meta.resourcetype") {
      if (op === "pr") return { kind: "constant", value: true };
      const same = typeof value === "string" && value.toLowerCase() === this.kind.toLowerCase();
      return { kind: "constant", value: op === "eq" ? same : op === "ne" ? !same : false };
    }
    const relation = this.relation(resolved);
    if (relation) {
      if (sub !== null && sub.name !== "value") throw invalidFilter(`Filtering on ${definition.name}.${sub.name} is not supported; use ${definition.name}.value`);
      if (op !== "pr" && op !== "eq" && op !== "ne") throw invalidFilter(`Only eq, ne and pr are supported on ${definition.name}`);
      return { kind: "related", relation, op, value };
    }
    const column = this.columns[resolved.columnKey];
    if (column) {
      if (op === "pr") return { kind: "present", target: column };
      return { kind: "compare", target: column, op, value, caseExact: CASE_EXACT_COLUMNS.has(column.column) };
    }
    if (definition.name === "meta") throw invalidFilter(`Filtering on meta.${sub?.name ?? ""} is not supported`);
    if (definition.multiValued) {
      // `emails co "@x"` tests each element's `value` (RFC 7644 §3.4.2.2, multi-valued attributes).
      const elementAttr = sub ?? (definition.subAttributes ? findAttribute(definition.subAttributes, "value") ?? null : null);
      if (op === "pr" && sub === null) return { kind: "present", target: { kind: "json", path: resolved.jsonPath, type: "string" }, container: true };
      const target: SqlTarget = { kind: "element", path: elementAttr && definition.type === "complex" ? [elementAttr.name] : [], type: valueType(elementAttr ?? definition) };
      const inner: StorageFilter = op === "pr" ? { kind: "present", target } : { kind: "compare", target, op, value, caseExact: (elementAttr ?? definition).caseExact === true };
      return { kind: "any", array: resolved.jsonPath, filter: inner };
    }
    if (definition.type === "complex" && sub === null) {
      if (op === "pr") return { kind: "present", target: { kind: "json", path: resolved.jsonPath, type: "string" }, container: true };
      throw invalidFilter(`"${definition.name}" is complex: compare one of its sub-attributes, e.g. ${definition.name}.${definition.subAttributes?.[0]?.name ?? "value"}`);
    }
    const attr = sub ?? definition;
    const target: SqlTarget = { kind: "json", path: sub ? [...resolved.jsonPath, sub.name] : resolved.jsonPath, type: valueType(attr) };
    if (op === "pr") return { kind: "present", target };
    return { kind: "compare", target, op, value, caseExact: attr.caseExact === true };
  }

  private valuePath(path: AttrPath, filter: FilterNode): StorageFilter {
    const resolved = resolvePath(this.schemas, path);
    const relation = this.relation(resolved);
    if (relation) {
      // members[value eq "…"] / groups[value eq "…"]: only value comparisons make sense here.
      return this.relatedValueFilter(relation, filter);
    }
    if (!resolved.definition.subAttributes || resolved.definition.type !== "complex") {
      throw invalidFilter(`"${resolved.definition.name}" has no sub-attributes to filter on`);
    }
    const subAttributes = resolved.definition.subAttributes;
    const inner = this.elementFilter(subAttributes, filter, resolved.definition.name);
    if (resolved.definition.multiValued) return { kind: "any", array: resolved.jsonPath, filter: inner };
    // A singular complex attribute: its sub-attributes are plain JSON paths.
    return this.rebaseToJson(inner, resolved.jsonPath);
  }

  private relatedValueFilter(relation: "groupsOfUser" | "membersOfGroup", filter: FilterNode): StorageFilter {
    switch (filter.kind) {
      case "and":
      case "or":
        return { kind: filter.kind, left: this.relatedValueFilter(relation, filter.left), right: this.relatedValueFilter(relation, filter.right) };
      case "not":
        return { kind: "not", expr: this.relatedValueFilter(relation, filter.expr) };
      case "compare":
        if (filter.path.attr.toLowerCase() === "value" && (filter.op === "eq" || filter.op === "ne")) {
          return { kind: "related", relation, op: filter.op, value: filter.value };
        }
        break;
      case "present":
        if (filter.path.attr.toLowerCase() === "value") return { kind: "related", relation, op: "pr", value: null };
        break;
      case "valuePath":
        break;
    }
    throw invalidFilter("Only value eq/ne/pr can be used inside a members or groups value filter");
  }

  private elementFilter(subAttributes: readonly AttrDef[], filter: FilterNode, parent: string): StorageFilter {
    switch (filter.kind) {
      case "and":
      case "or":
        return { kind: filter.kind, left: this.elementFilter(subAttributes, filter.left, parent), right: this.elementFilter(subAttributes, filter.right, parent) };
      case "not":
        return { kind: "not", expr: this.elementFilter(subAttributes, filter.expr, parent) };
      case "valuePath":
        throw invalidFilter("Value filters cannot be nested");
      case "present":
      case "compare": {
        if (filter.path.schema !== undefined || filter.path.subAttr !== undefined) throw invalidFilter(`Inside ${parent}[…] only sub-attribute names are allowed`);
        const definition = findAttribute(subAttributes, filter.path.attr);
        if (!definition) throw invalidFilter(`Unknown sub-attribute "${parent}.${filter.path.attr}" in filter`);
        const target: SqlTarget = { kind: "element", path: [definition.name], type: valueType(definition) };
        if (filter.kind === "present") return { kind: "present", target };
        return { kind: "compare", target, op: filter.op, value: filter.value, caseExact: definition.caseExact === true };
      }
    }
  }

  private rebaseToJson(filter: StorageFilter, base: readonly string[]): StorageFilter {
    switch (filter.kind) {
      case "and":
      case "or":
        return { kind: filter.kind, left: this.rebaseToJson(filter.left, base), right: this.rebaseToJson(filter.right, base) };
      case "not":
        return { kind: "not", expr: this.rebaseToJson(filter.expr, base) };
      case "compare":
      case "present":
        if (filter.target.kind !== "element") return filter;
        return { ...filter, target: { kind: "json", path: [...base, ...filter.target.path], type: filter.target.type } };
      default:
        return filter;
    }
  }
}

/** Resolves a `sortBy` attribute to an ORDER BY target (RFC 7644 §3.4.2.3). */
export function toSortTarget(kind: ResourceKind, path: AttrPath): SqlTarget {
  const schemas = schemasFor(kind);
  let resolved: Resolved;
  try {
    resolved = resolvePath(schemas, path);
  } catch {
    throw invalidFilter(`Cannot sort by unknown attribute "${path.attr}"`);
  }
  const columns = kind === "User" ? USER_COLUMNS : GROUP_COLUMNS;
  const column = columns[resolved.columnKey];
  if (column) return column;
  const { definition, sub } = resolved;
  if (definition.multiValued) {
    // Multi-valued: sort by the first element's value (the RFC asks for the primary; close enough and stable).
    const inner = sub?.name ?? "value";
    return { kind: "json", path: [...resolved.jsonPath, "0", inner], type: "string" };
  }
  if (definition.type === "complex" && !sub) throw invalidFilter(`Cannot sort by complex attribute "${definition.name}"`);
  return { kind: "json", path: sub ? [...resolved.jsonPath, sub.name] : resolved.jsonPath, type: valueType(sub ?? definition) };
}
