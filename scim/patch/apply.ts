/**
 * Applies PATCH operations (RFC 7644 §3.5.2) to a plain-JSON User, or to a Group without its
 * members (group membership is planned by `planGroupPatch` and applied in SQL by the caller).
 */
import { ScimError, invalidPath, invalidValue, mutability, noTarget } from "../errors";
import { type AttrPath, type FilterNode, type FilterValue, type MatchOptions, filterToString, matchesFilter, parsePatchPath } from "../filter";
import { isObject, type JsonObject } from "../../mapping/json";
import { deleteKey, findKey, getKey, jsonEqual, setKey } from "../json";
import { type AttrDef, ENTERPRISE_USER, type ResourceKind, type ResourceSchemas, type SchemaDef, findAttribute, schemasFor } from "../schemas";
import { coerceMulti, coerceSingle, normaliseManager } from "../values";
import type { PatchOpName, PatchOperation } from "./request";
import { ListIndex } from "./list-index";
import { type Target, resolveTarget } from "./target";

interface Context {
  readonly kind: ResourceKind;
  readonly schemas: ResourceSchemas;
  /** The indexes of the lists this request appends to or changes in place (list-index.ts). */
  readonly lists: WeakMap<unknown[], ListIndex>;
}

type AttributeTarget = {
  readonly schema: SchemaDef;
  readonly attr: AttrDef;
  readonly sub?: AttrDef;
  readonly filter?: FilterNode;
};

interface Write {
  readonly op: PatchOpName;
  /** Undefined when the operation had no value. */
  readonly value: unknown;
  /** An explicit path that targets a read-only attribute is an error; a path-less key is ignored. */
  readonly explicit: boolean;
  readonly label: string;
}

/** Applies `ops` in order and returns a new resource; the input is never mutated. */
export function applyPatch(kind: ResourceKind, resource: JsonObject, ops: readonly PatchOperation[]): JsonObject {
  const ctx: Context = { kind, schemas: schemasFor(kind), lists: new WeakMap() };
  const result = structuredClone(resource);
  for (const op of ops) applyOperation(ctx, result, op);
  return result;
}

function applyOperation(ctx: Context, resource: JsonObject, op: PatchOperation): void {
  if (op.path === undefined) {
    if (op.op === "remove") throw noTarget(`"remove" needs a "path" naming what to remove (RFC 7644 §3.5.2.2).`);
    if (!isObject(op.value)) throw invalidValue(`"${op.op}" without "path" needs an object value.`);
    applyPathless(ctx, resource, op.op, op.value, undefined);
    return;
  }
  const label = op.pathText ?? "path";
  const target = resolveTarget(ctx.schemas, op.path, label);
  const write: Write = { op: op.op, value: op.value, explicit: true, label };
  if (target.kind === "schemaRoot") applySchemaRoot(ctx, resource, target.schema, write);
  else applyAttribute(ctx, resource, target, write);
}

/**
 * RFC 7644 §3.5.2.1/§3.5.2.3: without a path the value's keys are attributes of the resource.
 * Entra (aadOptscim062020) uses dotted and URN-qualified keys here
 * (fixtures/entra/multi-attribute-replace-flag.json), so each key is parsed as a path; Okta puts
 * the read-only `id` in the value on every group update (fixtures/okta/rename-group-oin-patch.json),
 * so read-only keys are skipped rather than rejected.
 */
function applyPathless(ctx: Context, resource: JsonObject, op: "add" | "replace", value: JsonObject, scope: SchemaDef | undefined): void {
  for (const [key, keyValue] of Object.entries(value)) {
    const label = scope !== undefined ? `${scope.id}:${key}` : key;
    const target = valueKeyTarget(ctx, key, label, scope);
    const write: Write = { op, value: keyValue, explicit: false, label };
    if (target.kind === "schemaRoot") applySchemaRoot(ctx, resource, target.schema, write);
    else applyAttribute(ctx, resource, target, write);
  }
}

/**
 * A key of a PATCH value is read like a path, but a key that names nothing is a value that does not
 * fit the schema (`invalidValue`, RFC 7644 §3.12), not a bad `path`: the request's path was fine.
 * So `"schemas"` inside an extension object, copied there from a whole representation, is refused
 * as a value (docs/conformance.md), while `schemas` at the top level is the read-only common
 * attribute and is ignored like Okta's echoed `id`.
 */
function valueKeyTarget(ctx: Context, key: string, label: string, scope: SchemaDef | undefined): Target {
  try {
    return resolveTarget(ctx.schemas, parsePatchPath(key), label, scope);
  } catch (err) {
    if (err instanceof ScimError && err.scimType === "invalidPath") throw invalidValue(`${err.detail} It is a key of the PATCH value.`);
    throw err;
  }
}

/** The whole extension, e.g. `{"urn:…:enterprise:2.0:User": {"employeeNumber": "7"}}`. */
function applySchemaRoot(ctx: Context, resource: JsonObject, schema: SchemaDef, write: Write): void {
  const clears = write.op === "remove" || write.value === null;
  if (clears) {
    if (!schema.extension) throw invalidPath(`"${write.label}" names the core schema; a resource cannot remove itself.`);
    deleteKey(resource, schema.id);
    syncSchemasList(resource, schema);
    return;
  }
  if (!isObject(write.value)) {
    throw invalidValue(`"${write.label}" must be an object of ${schema.id} attributes.`);
  }
  const op = write.op === "add" ? "add" : "replace";
  applyPathless(ctx, resource, op, write.value, schema);
}

function isReadOnly(target: AttributeTarget): boolean {
  return target.attr.mutability === "readOnly" || target.sub?.mutability === "readOnly";
}

function applyAttribute(ctx: Context, resource: JsonObject, target: AttributeTarget, write: Write): void {
  if (ctx.kind === "Group" && target.attr.name === "members" && !target.schema.extension) {
    // A programming error, not a client error: membership must never be loaded into memory.
    throw new Error("Group members are applied by planGroupPatch steps, not by applyPatch");
  }
  if (isReadOnly(target)) {
    // RFC 7644 §3.5.2: modifying a read-only attribute is a `mutability` error; inside a
    // path-less value clients merely echo what they read (Okta's `id`,
    // fixtures/okta/rename-group-oin-patch.json), so it is ignored.
    if (write.explicit) throw mutability(`"${write.label}" is read-only and cannot be modified.`);
    return;
  }
  const container = containerFor(resource, target.schema, write.op !== "remove" && write.value !== null);
  if (container === undefined) return;
  applyToContainer(ctx, container, target, write);
  if (target.schema.extension && Object.keys(container).length === 0) {
    deleteKey(resource, target.schema.id);
  }
  if (target.schema.extension) syncSchemasList(resource, target.schema);
}

function applyToContainer(ctx: Context, container: JsonObject, target: AttributeTarget, write: Write): void {
  const { schema, attr, sub, filter } = target;
  if (schema.id === ENTERPRISE_USER && attr.name === "manager") return applyManager(container, attr, sub, write);
  if (filter !== undefined) return applyFiltered(ctx, container, attr, filter, sub, write);
  if (attr.multiValued && sub !== undefined) return applyEverySub(container, attr, sub, write);
  if (attr.multiValued) return applyMulti(ctx, container, attr, write);
  if (sub !== undefined) return applyComplexSub(container, attr, sub, write);
  return applySingle(container, attr, write);
}

// ---------------------------------------------------------------------------------------------
// Containers: core attributes live on the resource, extension attributes under the schema URN.

function containerFor(resource: JsonObject, schema: SchemaDef, create: boolean): JsonObject | undefined {
  if (!schema.extension) return resource;
  const existing = getKey(resource, schema.id);
  if (isObject(existing)) {
    setKey(resource, schema.id, existing);
    return existing;
  }
  if (!create) return undefined;
  const created: JsonObject = {};
  setKey(resource, schema.id, created);
  return created;
}

/** RFC 7643 §3: `schemas` lists the extensions the resource carries; keep it in step. */
function syncSchemasList(resource: JsonObject, extension: SchemaDef): void {
  const key = findKey(resource, "schemas");
  const list = key !== undefined ? resource[key] : undefined;
  if (key === undefined || !Array.isArray(list)) return;
  const isExtension = (s: unknown): boolean => typeof s === "string" && s.toLowerCase() === extension.id.toLowerCase();
  const present = isObject(getKey(resource, extension.id));
  const listed = list.some(isExtension);
  if (present && !listed) resource[key] = [...list, extension.id];
  if (!present && listed) resource[key] = list.filter((s) => !isExtension(s));
}

// ---------------------------------------------------------------------------------------------
// Single-valued attributes

/**
 * RFC 7644 §3.5.2.1: `add` on a single-valued attribute replaces it (Entra's `Add nickName`,
 * fixtures/entra/single-value-add.json);
 * for a complex attribute add and replace both merge sub-attributes (§3.5.2.3: "sub-attributes
 * that are not specified in the value parameter are left unchanged").
 */
function applySingle(container: JsonObject, attr: AttrDef, write: Write): void {
  const existing = getKey(container, attr.name);
  if (write.op === "remove" || write.value === null) {
    deleteKey(container, attr.name);
    return;
  }
  const next = attr.type === "complex" ? mergeComplex(existing, attr, write.value, write.label) : coerceSingle(attr, write.value, write.label);
  // RFC 7643 §7: an immutable attribute may be written once, and re-sending the same value is fine.
  if (attr.mutability === "immutable" && existing !== undefined && existing !== null && !jsonEqual(existing, next)) {
    throw mutability(`"${write.label}" is immutable and already has a different value.`);
  }
  setOrDelete(container, attr.name, next);
}

function mergeComplex(existing: unknown, attr: AttrDef, value: unknown, label: string): JsonObject {
  if (!isObject(value)) throw invalidValue(`${label} must be an object with sub-attributes of ${attr.name}.`);
  const merged: JsonObject = isObject(existing) ? { ...existing } : {};
  for (const [key, subValue] of Object.entries(value)) {
    const sub = findAttribute(attr.subAttributes, key);
    if (sub === undefined) throw invalidValue(`${label}: ${attr.name} has no sub-attribute "${key}".`);
    if (sub.mutability === "readOnly") continue;
    if (subValue === null) deleteKey(merged, sub.name);
    else setKey(merged, sub.name, coerceSingle(sub, subValue, `${label}.${sub.name}`));
  }
  return merged;
}

function applyComplexSub(container: JsonObject, attr: AttrDef, sub: AttrDef, write: Write): void {
  const existing = getKey(container, attr.name);
  const object: JsonObject = isObject(existing) ? { ...existing } : {};
  if (write.op === "remove" || write.value === null) deleteKey(object, sub.name);
  else setKey(object, sub.name, coerceSingle(sub, write.value, write.label));
  setOrDelete(container, attr.name, object);
}

/**
 * `manager` is stored as `{ value }` whatever shape Entra sent (quirk 8: a bare id in
 * fixtures/entra/manager.json, an array in fixtures/entra/manager-legacy-array.json).
 */
function applyManager(container: JsonObject, attr: AttrDef, sub: AttrDef | undefined, write: Write): void {
  if (write.op === "remove") {
    if (sub === undefined || sub.name === "value") deleteKey(container, attr.name);
    return;
  }
  if (sub === undefined) {
    setOrDelete(container, attr.name, normaliseManager(write.value, write.label));
    return;
  }
  // `$ref` is derived from the id when the user is rendered, so it is never stored.
  if (sub.name !== "value") return;
  const current = getKey(container, attr.name);
  const next = normaliseManager(write.value, write.label);
  const sameManager = isObject(current) && next !== null && getKey(current, "value") === next["value"];
  // A new id makes the old manager's displayName wrong, so only an unchanged id keeps it.
  setOrDelete(container, attr.name, sameManager ? { ...current, value: next["value"] } : next);
}

// ---------------------------------------------------------------------------------------------
// Multi-valued attributes

function currentList(container: JsonObject, attr: AttrDef): unknown[] {
  const existing = getKey(container, attr.name);
  if (Array.isArray(existing)) return [...existing];
  return existing === undefined || existing === null ? [] : [existing];
}

/**
 * The attribute's list, to append to or change in place, with its index: the stored array itself
 * (the resource is this request's own copy), so the next operation on it finds the same index.
 */
function indexedList(ctx: Context, container: JsonObject, attr: AttrDef): ListIndex {
  const existing = getKey(container, attr.name);
  if (Array.isArray(existing)) {
    const known = ctx.lists.get(existing);
    if (known !== undefined) return known;
  }
  const items = Array.isArray(existing) ? existing : currentList(container, attr);
  const index = new ListIndex(items);
  ctx.lists.set(items, index);
  return index;
}

/**
 * RFC 7644 §3.5.2.1: add appends (an exact duplicate is not added twice, so a repeated request
 * changes nothing, docs/idp-clients.md#quirk-15-repeats-are-idempotent); §3.5.2.3: replace
 * without a filter replaces the whole list.
 */
function applyMulti(ctx: Context, container: JsonObject, attr: AttrDef, write: Write): void {
  if (write.op === "remove") {
    if (write.value === undefined || write.value === null) deleteKey(container, attr.name);
    else setOrDelete(container, attr.name, withoutListed(currentList(container, attr), attr, write.value));
    return;
  }
  if (write.value === null) {
    deleteKey(container, attr.name);
    return;
  }
  const incoming = coerceMulti(attr, write.value, write.label);
  if (write.op === "replace") {
    enforceSinglePrimary(attr, incoming, incoming);
    setOrDelete(container, attr.name, incoming);
    return;
  }
  const list = indexedList(ctx, container, attr);
  const added = incoming.filter((item) => !list.has(item));
  for (const item of added) list.append(item);
  enforceSinglePrimaryIndexed(attr, list, added);
  setOrDelete(container, attr.name, list.items);
}

/**
 * Remove with a value lists the values to drop. The RFC leaves this undefined, but Entra sends
 * exactly this for group members and means "only these" (fixtures/entra/remove-members.json);
 * the same reading is applied everywhere because removing everything would be the destructive
 * interpretation.
 */
function withoutListed(list: readonly unknown[], attr: AttrDef, value: unknown): unknown[] {
  const listed = Array.isArray(value) ? value : [value];
  const valueDef = attr.type === "complex" ? findAttribute(attr.subAttributes, "value") : attr;
  const caseExact = valueDef?.caseExact ?? false;
  const keyOf = (item: unknown): unknown => (isObject(item) ? getKey(item, "value") : item);
  const same = (a: unknown, b: unknown): boolean =>
    typeof a === "string" && typeof b === "string" && !caseExact ? a.toLowerCase() === b.toLowerCase() : jsonEqual(a, b);
  return list.filter((element) => !listed.some((item) => same(keyOf(element), keyOf(item)) || jsonEqual(element, item)));
}

/** `emails.value` with no filter addresses that sub-attribute of every element. */
function applyEverySub(container: JsonObject, attr: AttrDef, sub: AttrDef, write: Write): void {
  const list = currentList(container, attr).filter(isObject).map((e) => ({ ...e }));
  if (write.op === "remove" || write.value === null) {
    for (const element of list) deleteKey(element, sub.name);
    setOrDelete(container, attr.name, list.filter((e) => Object.keys(e).length > 0));
    return;
  }
  const value = coerceSingle(sub, write.value, write.label);
  if (list.length === 0) list.push({});
  for (const element of list) setKey(element, sub.name, value);
  enforceSinglePrimary(attr, list, list);
  setOrDelete(container, attr.name, list);
}

/**
 * `emails[type eq "work"].value` and friends (RFC 7644 §3.5.2). Deviations, both for IdPs:
 * - add/replace with no matching element creates one from the filter's equalities (Entra's
 *   upsert: `Add phoneNumbers[type eq "mobile"].value` on a user without a mobile number,
 *   fixtures/entra/upsert-phone-number.json);
 * - remove with no matching element succeeds unchanged, as a repeated removal must (quirk 15;
 *   fixtures/entra/remove-non-member.json shows Entra repeating one for members).
 * Without a sub-attribute, add/replace merge the value object into each matching element.
 */
function applyFiltered(ctx: Context, container: JsonObject, attr: AttrDef, filter: FilterNode, sub: AttrDef | undefined, write: Write): void {
  const options = matchOptionsFor(attr);
  if (write.op === "remove" || write.value === null) {
    const list = currentList(container, attr).map((e) => (isObject(e) ? { ...e } : e));
    const matches = list.filter((e): e is JsonObject => isObject(e) && matchesFilter(filter, e, options));
    if (sub === undefined) {
      const removed: ReadonlySet<unknown> = new Set(matches);
      setOrDelete(container, attr.name, list.filter((e) => !removed.has(e)));
      return;
    }
    for (const element of matches) deleteKey(element, sub.name);
    setOrDelete(container, attr.name, list.filter((e) => !(isObject(e) && Object.keys(e).length === 0)));
    return;
  }

  const list = indexedList(ctx, container, attr);
  const matches = list.candidates(filter).filter((e): e is JsonObject => isObject(e) && matchesFilter(filter, e, options));
  if (matches.length === 0) {
    const created = elementFromFilter(attr, filter, write.label);
    list.append(created);
    matches.push(created);
  }
  for (const element of matches) {
    if (sub !== undefined) list.update(element, (e) => setKey(e, sub.name, coerceSingle(sub, write.value, write.label)));
    else list.update(element, (e) => Object.assign(e, mergeComplex(e, attr, write.value, write.label)));
  }
  enforceSinglePrimaryIndexed(attr, list, matches);
  setOrDelete(container, attr.name, list.items);
}

function matchOptionsFor(attr: AttrDef): MatchOptions {
  return { caseExact: (path: AttrPath) => findAttribute(attr.subAttributes, path.attr)?.caseExact ?? false };
}

/** The `eq` terms of a filter made only of `eq` joined by `and`; undefined for anything else. */
function equalities(node: FilterNode): Array<{ path: AttrPath; value: Exclude<FilterValue, null> }> | undefined {
  if (node.kind === "compare" && node.op === "eq" && node.value !== null) return [{ path: node.path, value: node.value }];
  if (node.kind !== "and") return undefined;
  const left = equalities(node.left);
  const right = equalities(node.right);
  return left !== undefined && right !== undefined ? [...left, ...right] : undefined;
}

function elementFromFilter(attr: AttrDef, filter: FilterNode, label: string): JsonObject {
  const terms = equalities(filter);
  const element: JsonObject = {};
  for (const { path, value } of terms ?? []) {
    const sub = findAttribute(attr.subAttributes, path.attr);
    if (sub !== undefined) setKey(element, sub.name, coerceSingle(sub, value, `${label} (filter)`));
  }
  // RFC 7644 §3.5.2.3: replace with an unmatched filter is noTarget; we only create when the
  // filter pins the new element down exactly, and the element really matches it.
  if (terms === undefined || !matchesFilter(filter, element, matchOptionsFor(attr))) {
    throw noTarget(
      `"${label}": no ${attr.name} value matches [${filterToString(filter)}], and only a filter of "eq" terms joined by "and" can create one.`,
    );
  }
  return element;
}

/**
 * RFC 7643 §2.4: at most one value may be primary. When an operation writes a primary value,
 * the others lose the flag; the last written primary wins.
 */
function enforceSinglePrimary(attr: AttrDef, list: readonly unknown[], written: readonly unknown[]): void {
  if (findAttribute(attr.subAttributes, "primary") === undefined) return;
  const winner = [...written].reverse().find((e) => isObject(e) && getKey(e, "primary") === true);
  if (winner === undefined) return;
  for (const element of list) {
    if (element !== winner && isObject(element) && getKey(element, "primary") === true) setKey(element, "primary", false);
  }
}

/** enforceSinglePrimary on an indexed list: only the elements that hold the flag are visited. */
function enforceSinglePrimaryIndexed(attr: AttrDef, list: ListIndex, written: readonly unknown[]): void {
  if (findAttribute(attr.subAttributes, "primary") === undefined) return;
  const winner = [...written].reverse().find((e) => isObject(e) && getKey(e, "primary") === true);
  if (winner === undefined) return;
  for (const element of list.primaries()) {
    if (element !== winner) list.update(element, (e) => setKey(e, "primary", false));
  }
}

// ---------------------------------------------------------------------------------------------

/** "null means not set" (RFC 7643 §2.5): empty lists and objects are removed, not stored. */
function setOrDelete(container: JsonObject, name: string, value: unknown): void {
  const empty =
    value === null ||
    value === undefined ||
    (Array.isArray(value) && value.length === 0) ||
    (isObject(value) && Object.keys(value).length === 0);
  if (empty) deleteKey(container, name);
  else setKey(container, name, value);
}

