/**
 * Group PATCH planning: membership operations become set operations the caller runs in SQL,
 * so a PATCH never loads a group's member list; everything else stays a PATCH op for applyPatch.
 */
import { invalidFilter, invalidPath, mutability } from "../errors";
import { type FilterNode, type PatchPath, filterToString, parsePatchPath } from "../filter";
import { type JsonObject, isObject } from "../../mapping/json";
import { readMemberIds } from "../members";
import type { PatchOperation } from "./request";
import { CORE_GROUP } from "../schemas";
import { ITEMS_PER_STEP, type Stepwise, runAtOnce, runInTurns } from "../../http/turns";

export type GroupPatchStep =
  | { kind: "addMembers"; ids: string[] }
  | { kind: "removeMembers"; ids: string[] }
  | { kind: "removeAllMembers" }
  | { kind: "replaceMembers"; ids: string[] }
  /** Consecutive non-member operations, to apply with `applyPatch("Group", …)`. */
  | { kind: "attributes"; ops: PatchOperation[] };

function targetsMembers(path: PatchPath): boolean {
  const { schema, attr } = path.path;
  return attr.toLowerCase() === "members" && (schema === undefined || schema.toLowerCase() === CORE_GROUP.toLowerCase());
}

/**
 * `members[value eq "a" or value eq "b"]` — the only member filters that map onto a set of ids.
 * The `or` tree is walked with an explicit stack into one list, so a long chain costs its terms.
 */
function memberIdsFromFilter(root: FilterNode, label: string): string[] {
  const ids: string[] = [];
  const pending: FilterNode[] = [root];
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (node.kind === "or") pending.push(node.right, node.left);
    else ids.push(memberIdFromTerm(node, label));
  }
  return ids;
}

function memberIdFromTerm(node: FilterNode, label: string): string {
  const isIdEquality =
    node.kind === "compare" &&
    node.op === "eq" &&
    typeof node.value === "string" &&
    node.path.schema === undefined &&
    node.path.subAttr === undefined &&
    node.path.attr.toLowerCase() === "value";
  if (!isIdEquality) {
    throw invalidFilter(
      `"${label}": inside members[…] only value eq "<id>" is supported (several may be joined with "or"), but found ${filterToString(node)}.`,
    );
  }
  return node.value;
}

function* memberStep(op: PatchOperation, path: PatchPath, label: string): Stepwise<GroupPatchStep | undefined> {
  if (path.path.subAttr !== undefined || path.subAttr !== undefined) {
    // RFC 7644 §3.5.2: an operation the attribute's mutability forbids is a `mutability` error.
    throw mutability(`"${label}": a member's value, $ref and type are immutable and its display is read-only (the server derives it); add or remove whole members instead.`);
  }
  if (path.valueFilter !== undefined) {
    if (op.op !== "remove") throw invalidPath(`"${label}": a members[…] filter can only be used to remove members.`);
    return { kind: "removeMembers", ids: memberIdsFromFilter(path.valueFilter, label) };
  }
  return yield* memberValueStep(op.op, op.value, label);
}

function* memberValueStep(op: PatchOperation["op"], value: unknown, label: string): Stepwise<GroupPatchStep | undefined> {
  switch (op) {
    case "remove":
      // Entra's `Remove members` WITH a value removes only the listed members (quirk 4,
      // fixtures/entra/remove-members.json). An RFC-literal reading removes everyone and has
      // wiped real customers' groups.
      if (value === undefined || value === null) return { kind: "removeAllMembers" };
      return { kind: "removeMembers", ids: yield* readMemberIds(value, label) };
    case "add":
      // Adding nothing (an empty list, or null) is not a reason to touch the membership.
      if (value === undefined || value === null) return undefined;
      return { kind: "addMembers", ids: yield* readMemberIds(value, label) };
    case "replace":
      return { kind: "replaceMembers", ids: yield* readMemberIds(value, label) };
  }
}

/** Splits a path-less value into its `members` part and the remaining attributes. */
function splitPathless(value: JsonObject): { members?: { label: string; value: unknown }; rest: JsonObject } {
  const rest: JsonObject = {};
  let members: { label: string; value: unknown } | undefined;
  for (const [key, keyValue] of Object.entries(value)) {
    if (isMembersKey(key)) members = { label: key, value: keyValue };
    else rest[key] = keyValue;
  }
  return { ...(members !== undefined ? { members } : {}), rest };
}

function isMembersKey(key: string): boolean {
  try {
    const path = parsePatchPath(key);
    return targetsMembers(path) && path.valueFilter === undefined && path.path.subAttr === undefined;
  } catch {
    // Not a valid path: leave it in the attributes part, where applyPatch reports it properly.
    return false;
  }
}

/**
 * The membership steps planned so far. `named` holds the ids of the last step when it adds or
 * removes members, so merging one more operation into it costs the ids that operation names, not
 * the ids merged before: a client that sends one operation per member is planned in time linear in
 * the request.
 */
class Plan {
  readonly steps: GroupPatchStep[] = [];
  /** Every non-member operation, in order: they become one `attributes` step, run first. */
  readonly attributes: PatchOperation[] = [];
  private named = new Set<string>();

  *push(step: GroupPatchStep | undefined): Stepwise<void> {
    if (step === undefined) return;
    if (step.kind === "attributes") {
      for (const op of step.ops) this.attributes.push(op);
      return;
    }
    // Adding or removing nobody is a no-op; replacing with nobody is not (it empties the group).
    if (step.kind === "addMembers" && step.ids.length === 0) return;
    if (step.kind === "removeMembers" && step.ids.length === 0) return;
    const last = this.steps[this.steps.length - 1];
    if ((last?.kind === "addMembers" && step.kind === "addMembers") || (last?.kind === "removeMembers" && step.kind === "removeMembers")) {
      let named = 0;
      for (const id of step.ids) {
        this.name(last.ids, id);
        if (++named % ITEMS_PER_STEP === 0) yield;
      }
    } else {
      this.named = new Set(step.kind === "addMembers" || step.kind === "removeMembers" ? step.ids : []);
      this.steps.push(step);
    }
  }

  result(): GroupPatchStep[] {
    return this.attributes.length > 0 ? [{ kind: "attributes", ops: this.attributes }, ...this.steps] : this.steps;
  }

  private name(ids: string[], id: string): void {
    if (this.named.has(id)) return;
    this.named.add(id);
    ids.push(id);
  }
}

/**
 * Orders a Group PATCH into steps. Operations on the group's own attributes and operations on its
 * members commute (no attribute is computed from the members, nor a member from an attribute), so
 * the attribute operations become one step, applied first, in their order, and the group's identity
 * is written once: a request alternating "add members" and "rename" wrote and re-evaluated the
 * group's name once per rename, each time recomputing every member added so far, in time quadratic
 * in the request. Consecutive membership steps of the same kind are merged (a client may send one
 * `add members` op per member), but the order of different kinds is kept, because "remove a, then
 * add a" must end with a as a member.
 */
export function planGroupPatch(ops: readonly PatchOperation[]): GroupPatchStep[] {
  return runAtOnce(planSteps(ops));
}

/** planGroupPatch in turns: a 32 MiB PATCH names 600k members, read one by one. */
export function planGroupPatchInTurns(ops: readonly PatchOperation[]): Promise<GroupPatchStep[]> {
  return runInTurns(planSteps(ops));
}

function* planSteps(ops: readonly PatchOperation[]): Stepwise<GroupPatchStep[]> {
  const plan = new Plan();
  for (const op of ops) {
    if (op.path !== undefined) {
      const label = op.pathText ?? "members";
      yield* plan.push(targetsMembers(op.path) ? yield* memberStep(op, op.path, label) : { kind: "attributes", ops: [op] });
      continue;
    }
    if (op.op === "remove" || !isObject(op.value)) {
      // parsePatchRequest rejects these; keep them as attribute ops so applyPatch reports them.
      yield* plan.push({ kind: "attributes", ops: [op] });
      continue;
    }
    // Okta repeats `replace {"id", "displayName"}` with every membership change
    // (fixtures/okta/membership-oin-patch.json); it lands here as a harmless attributes step
    // (applyPatch ignores the read-only id).
    const { members, rest } = splitPathless(op.value);
    if (Object.keys(rest).length > 0) yield* plan.push({ kind: "attributes", ops: [{ op: op.op, value: rest }] });
    if (members !== undefined) yield* plan.push(yield* memberValueStep(op.op, members.value, members.label));
  }
  return plan.result();
}
