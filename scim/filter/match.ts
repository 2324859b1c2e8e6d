/**
 * Evaluates a parsed filter against plain JSON in memory. Only PATCH value filters
 * (`emails[type eq "work"]`) are matched here; list filters always run in the database.
 */
import { isObject } from "../../mapping/json";
import { getKey } from "../json";
import type { AttrPath, CompareOp, FilterNode, FilterValue } from "./ast";

export interface MatchOptions {
  /** Whether string comparisons on `path` are case-sensitive (RFC 7643 §2.2 caseExact). Default: no. */
  readonly caseExact?: (path: AttrPath) => boolean;
}

/** Multi-valued attributes are searched element by element (RFC 7644 §3.4.2.2); null means absent. */
function asList(value: unknown): unknown[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.filter((v) => v !== undefined && v !== null);
  return [value];
}

function valuesAt(resource: unknown, path: AttrPath): unknown[] {
  if (!isObject(resource)) return [];
  const extension = path.schema !== undefined ? getKey(resource, path.schema) : undefined;
  const container = isObject(extension) ? extension : resource;
  const values = asList(getKey(container, path.attr));
  const subAttr = path.subAttr;
  if (subAttr === undefined) return values;
  return values.flatMap((v) => (isObject(v) ? asList(getKey(v, subAttr)) : []));
}

/** RFC 7644 §3.4.2.2 `pr`: a non-empty value, or a complex value with at least one non-empty node. */
function isPresentValue(value: unknown): boolean {
  if (value === undefined || value === null) return false;
  if (typeof value === "string") return value !== "";
  if (Array.isArray(value)) return value.some(isPresentValue);
  if (isObject(value)) return Object.values(value).some(isPresentValue);
  return true;
}

function compareOne(actual: unknown, op: CompareOp, expected: FilterValue, caseExact: boolean): boolean {
  if (expected === null) return false;
  if (typeof expected === "boolean") {
    // RFC 7644 §3.4.2.2: booleans support only eq and ne; ordering was rejected by the parser.
    return op === "eq" && actual === expected;
  }
  if (typeof expected === "number") {
    if (typeof actual !== "number") return false;
    return compareOrdered(op, actual, expected);
  }
  if (typeof actual !== "string") return false;
  const a = caseExact ? actual : actual.toLowerCase();
  const e = caseExact ? expected : expected.toLowerCase();
  switch (op) {
    case "co":
      return a.includes(e);
    case "sw":
      return a.startsWith(e);
    case "ew":
      return a.endsWith(e);
    default:
      // Strings and ISO 8601 dateTimes both order lexicographically.
      return compareOrdered(op, a, e);
  }
}

function compareOrdered<T extends string | number>(op: CompareOp, a: T, e: T): boolean {
  switch (op) {
    case "eq":
      return a === e;
    case "gt":
      return a > e;
    case "ge":
      return a >= e;
    case "lt":
      return a < e;
    case "le":
      return a <= e;
    default:
      return false;
  }
}

function matchesCompare(node: Extract<FilterNode, { kind: "compare" }>, resource: unknown, options: MatchOptions): boolean {
  const values = valuesAt(resource, node.path);
  if (node.op === "ne") {
    // `ne` is the negation of `eq`, so an absent attribute is "not equal" to any value.
    return !matchesCompare({ ...node, op: "eq" }, resource, options);
  }
  if (node.value === null) {
    // `attr eq null` asks whether the attribute is unset; other operators never match null.
    return node.op === "eq" && values.length === 0;
  }
  const caseExact = options.caseExact?.(node.path) ?? false;
  const expected = node.value;
  return values.some((v) => compareOne(v, node.op, expected, caseExact));
}

/**
 * Evaluates a filter against one plain-JSON object (a resource, or one element of a multi-valued
 * attribute for PATCH value filters). Attribute names are case-insensitive; strings compare
 * case-insensitively unless `options.caseExact` says otherwise.
 */
export function matchesFilter(node: FilterNode, resource: unknown, options: MatchOptions = {}): boolean {
  switch (node.kind) {
    case "compare":
      return matchesCompare(node, resource, options);
    case "present":
      return valuesAt(resource, node.path).some(isPresentValue);
    case "and":
      return matchesFilter(node.left, resource, options) && matchesFilter(node.right, resource, options);
    case "or":
      return matchesFilter(node.left, resource, options) || matchesFilter(node.right, resource, options);
    case "not":
      return !matchesFilter(node.expr, resource, options);
    case "valuePath": {
      const elements = valuesAt(resource, { ...node.path, subAttr: undefined });
      const relative: MatchOptions = {
        caseExact: (p) => options.caseExact?.({ ...node.path, subAttr: p.attr }) ?? false,
      };
      return elements.some((element) => matchesFilter(node.filter, element, relative));
    }
  }
}
