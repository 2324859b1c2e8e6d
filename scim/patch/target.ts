/**
 * What a PATCH path targets (RFC 7644 §3.5.2): the one attribute-path resolver's answer, with
 * problems reported as `invalidPath` and the value filter checked against the attribute it selects.
 */
import { type PathProblem, isPathProblem, resolveAttrPath } from "../attribute-path";
import { invalidPath } from "../errors";
import { type AttrPath, type FilterNode, type PatchPath, attrPathToString } from "../filter";
import { type AttrDef, type ResourceSchemas, type SchemaDef, findAttribute } from "../schemas";

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

/** Resolves a parsed PATCH path; unknown schemas, attributes and sub-attributes are `invalidPath`. */
export function resolveTarget(schemas: ResourceSchemas, patchPath: PatchPath, label: string, scope?: SchemaDef): Target {
  const { path, valueFilter: filter } = patchPath;
  const subAttr = path.subAttr ?? patchPath.subAttr;
  const resolved = resolveAttrPath(schemas, { ...path, ...(subAttr !== undefined ? { subAttr } : {}) }, scope);
  if (isPathProblem(resolved)) throw invalidPath(describe(resolved, label));
  if (resolved.kind === "schemaRoot") {
    if (filter === undefined) return resolved;
    throw invalidPath(`"${label}": a [filter] selects values of an attribute, and ${resolved.schema.id} is a schema.`);
  }
  if (filter !== undefined) checkValueFilter(resolved.attr, filter, label);
  return { ...resolved, ...(filter !== undefined ? { filter } : {}) };
}

function describe(problem: PathProblem, label: string): string {
  switch (problem.kind) {
    case "unknownSchema":
      return `"${label}" names the schema "${problem.urn}", which this resource does not use.`;
    case "unknownAttribute":
      return `"${label}" does not name an attribute of this resource ("${problem.name}" is unknown).`;
    case "unknownSubAttribute":
      return problem.attr.type === "complex"
        ? `"${label}": ${problem.attr.name} has no sub-attribute "${problem.name}".`
        : `"${label}": ${problem.attr.name} is not complex, so it has no sub-attribute "${problem.name}".`;
  }
}

/** RFC 7644 §3.5.2: a valuePath selects elements of a multi-valued attribute by their sub-attributes. */
function checkValueFilter(attr: AttrDef, filter: FilterNode, label: string): void {
  if (!attr.multiValued || attr.type !== "complex") {
    throw invalidPath(`"${label}": a [filter] can only select values of a multi-valued complex attribute, and ${attr.name} is not one.`);
  }
  for (const path of filterPaths(filter)) {
    if (findAttribute(attr.subAttributes, path.attr) === undefined) {
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
