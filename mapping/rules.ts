/**
 * What a rule targets, and its stable id. Every reading of a rule's source outside matching goes
 * through here, so a change to how rules name what they match has one place to land.
 */
import { createHash } from "node:crypto";
import type { MappingRule } from "./types";

type Targeted = Pick<MappingRule, "source">;

/**
 * A text that is equal for two rules exactly when they target the same thing. A group rule's key is
 * its matcher's kind and value, as it was before rules could name app roles, so derived ids of group
 * rules did not move when app-role rules arrived; no matcher kind is called `appRole`.
 */
export function ruleTargetKey(rule: Targeted): string {
  const { source } = rule;
  return source.kind === "group" ? `${source.matcher.kind}\u0000${source.matcher.value}` : `appRole\u0000${source.value}`;
}

/** "group externalId '00g1finance'", "manual group 'Contractors'", "app role 'BillingAdmins'": for messages. */
export function describeRuleTarget(rule: Targeted): string {
  const { source } = rule;
  if (source.kind === "appRole") return `app role '${source.value}'`;
  const { kind, value } = source.matcher;
  return kind === "manual" ? `manual group '${value}'` : `group ${kind} '${value}'`;
}

/** The file's way of naming what a rule matches: `{ group: { externalId: "00g1finance" } }` or `{ appRole: { value: "BillingAdmins" } }`. */
export function ruleTargetDocument(rule: Targeted): { group: Record<string, string> } | { appRole: { value: string } } {
  const { source } = rule;
  return source.kind === "group" ? { group: { [source.matcher.kind]: source.matcher.value } } : { appRole: { value: source.value } };
}

/**
 * Ids for rules, in file order: an explicit id is kept; any other rule gets `r_` and ten hex digits
 * of the hash of what it targets and how many earlier rules target the same, so the same file always
 * yields the same ids and editing one rule leaves the others' ids alone. A derived id that an
 * explicit one already took moves on to the next free one. Explicit duplicates are the validator's
 * to report; here the later one is renamed so every stored id is unique.
 */
export function assignRuleIds(rules: ReadonlyArray<{ readonly id: string | null; readonly targetKey: string }>): string[] {
  const taken = new Set(rules.flatMap((rule) => (rule.id === null ? [] : [rule.id])));
  const seenTargets = new Map<string, number>();
  const assigned = new Set<string>();
  return rules.map((rule) => {
    const occurrence = seenTargets.get(rule.targetKey) ?? 0;
    seenTargets.set(rule.targetKey, occurrence + 1);
    if (rule.id !== null && !assigned.has(rule.id)) {
      assigned.add(rule.id);
      return rule.id;
    }
    let salt = occurrence;
    let id = derivedRuleId(rule.targetKey, salt);
    while (taken.has(id) || assigned.has(id)) id = derivedRuleId(rule.targetKey, ++salt);
    assigned.add(id);
    return id;
  });
}

function derivedRuleId(targetKey: string, salt: number): string {
  return `r_${createHash("sha256").update(`${targetKey}\u0000${salt}`).digest("hex").slice(0, 10)}`;
}
