/**
 * A multi-valued attribute's list as one PATCH request works on it. Entra may send one operation
 * per value (`add emails`, or `emails[type eq "work"].value` for each type), and answering each
 * operation by scanning the whole list made a request quadratic in its operations. This index is
 * built at most once per list and request and kept up to date by the operations that append to the
 * list or change its elements in place, so each of those costs the values it names.
 *
 * Operations that rewrite the list (replace, remove, a sub-attribute of every element) build a new
 * array: its index, if one is needed, is built afresh.
 */
import { type AttrPath, type FilterNode, type FilterValue } from "../filter";
import { isObject, type JsonObject } from "../../mapping/json";
import { getKey } from "../json";

export class ListIndex {
  /** Canonical JSON of each element → how many elements have it (RFC 7644 §3.5.2.1 add skips exact duplicates). */
  private readonly counts = new Map<string, number>();
  private readonly keyOf = new Map<unknown, string>();
  /** Elements' positions, to return filter candidates in list order. */
  private readonly position = new Map<unknown, number>();
  /** Sub-attribute, as the filter spells it → equality key → the elements holding it. Built per sub-attribute on first use. */
  private readonly bySub = new Map<string, Map<string, Set<JsonObject>>>();
  /** Elements with `primary: true` (RFC 7643 §2.4). */
  private readonly primary = new Set<JsonObject>();

  constructor(readonly items: unknown[]) {
    items.forEach((item, i) => this.enter(item, i));
  }

  has(item: unknown): boolean {
    return (this.counts.get(canonical(item)) ?? 0) > 0;
  }

  append(item: unknown): void {
    this.items.push(item);
    this.enter(item, this.items.length - 1);
    if (isObject(item)) for (const [sub, entries] of this.bySub) addEntries(entries, sub, item);
  }

  /** Changes `element` (an element of the list) in place, keeping the index in step. */
  update(element: JsonObject, change: (element: JsonObject) => void): void {
    const position = this.position.get(element);
    if (position === undefined) throw new Error("ListIndex.update: not an element of this list");
    this.leave(element);
    for (const [sub, entries] of this.bySub) removeEntries(entries, sub, element);
    change(element);
    this.enter(element, position);
    for (const [sub, entries] of this.bySub) addEntries(entries, sub, element);
  }

  /** The elements that hold `primary: true`, in list order. */
  primaries(): JsonObject[] {
    return this.inOrder(this.primary);
  }

  /**
   * The elements that may match `filter`, in list order: for a filter made of `eq` terms joined by
   * `and`, those equal on its first term (compared case-insensitively, a superset of a case-exact
   * match); for any other filter, every element. The caller still matches each candidate.
   */
  candidates(filter: FilterNode): unknown[] {
    const term = firstEquality(filter);
    if (term === undefined) return [...this.items];
    const sub = term.path.attr;
    let entries = this.bySub.get(sub);
    if (entries === undefined) {
      entries = new Map();
      for (const item of this.items) if (isObject(item)) addEntries(entries, sub, item);
      this.bySub.set(sub, entries);
    }
    const key = equalityKey(term.value);
    return key === undefined ? [...this.items] : this.inOrder(entries.get(key) ?? new Set());
  }

  private inOrder(elements: ReadonlySet<JsonObject>): JsonObject[] {
    return [...elements].sort((a, b) => (this.position.get(a) ?? 0) - (this.position.get(b) ?? 0));
  }

  private enter(item: unknown, position: number): void {
    const key = canonical(item);
    this.keyOf.set(item, key);
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.position.set(item, position);
    if (isObject(item) && getKey(item, "primary") === true) this.primary.add(item);
  }

  private leave(item: unknown): void {
    const key = this.keyOf.get(item);
    if (key !== undefined) this.counts.set(key, (this.counts.get(key) ?? 1) - 1);
    if (isObject(item)) this.primary.delete(item);
  }
}

/** The first `eq` term (on a plain sub-attribute) of a filter made only of `eq` terms joined by `and`. */
function firstEquality(node: FilterNode): { path: AttrPath; value: Exclude<FilterValue, null> } | undefined {
  if (node.kind === "and") return onlyEqualities(node.right) ? firstEquality(node.left) : undefined;
  if (node.kind !== "compare" || node.op !== "eq" || node.value === null) return undefined;
  if (node.path.schema !== undefined || node.path.subAttr !== undefined) return undefined;
  return { path: node.path, value: node.value };
}

function onlyEqualities(node: FilterNode): boolean {
  if (node.kind === "and") return onlyEqualities(node.left) && onlyEqualities(node.right);
  return node.kind === "compare" && node.op === "eq";
}

/** What filter/match.ts's `eq` compares: strings (case-insensitively here), numbers and booleans by value. */
function equalityKey(value: unknown): string | undefined {
  if (typeof value === "string") return `s${value.toLowerCase()}`;
  if (typeof value === "number") return `n${value}`;
  if (typeof value === "boolean") return `b${value}`;
  return undefined;
}

function valuesOf(element: JsonObject, sub: string): unknown[] {
  const value = getKey(element, sub);
  return Array.isArray(value) ? value : [value];
}

function addEntries(entries: Map<string, Set<JsonObject>>, sub: string, element: JsonObject): void {
  for (const value of valuesOf(element, sub)) {
    const key = equalityKey(value);
    if (key === undefined) continue;
    let holders = entries.get(key);
    if (holders === undefined) entries.set(key, (holders = new Set()));
    holders.add(element);
  }
}

function removeEntries(entries: Map<string, Set<JsonObject>>, sub: string, element: JsonObject): void {
  for (const value of valuesOf(element, sub)) {
    const key = equalityKey(value);
    if (key !== undefined) entries.get(key)?.delete(element);
  }
}

/** One string per JSON value such that two values are `jsonEqual` exactly when their strings are equal. */
export function canonical(value: unknown): string {
  if (value === undefined) return "u";
  if (Array.isArray(value)) return `[${value.map(canonical).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical(value[k])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "u";
}
