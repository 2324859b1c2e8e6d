/**
 * What a rule targets, and its stable id. Every reading of a rule's group outside matching goes
 * through here, so a change to how rules name what they match has one place to land.
 */
import { createHash } from "node:crypto";
import type { GroupMatcher, MappingRule } from "./types";

/** The group matcher a rule targets. */
export function ruleTarget(rule: Pick<MappingRule, "group">): GroupMatcher {
  return rule.group;
}

/** A text that is equal for two rules exactly when they target the same thing. */
export function ruleTargetKey(rule: Pick<MappingRule, "group">): string {
  const { kind, value } = ruleTarget(rule);
  return `${kind}\u0000${value}`;
}

/** "group externalId '00g1finance'", "manual group 'Contractors'": for messages. */
export function describeRuleTarget(rule: Pick<MappingRule, "group">): string {
  const { kind, value } = ruleTarget(rule);
  return kind === "manual" ? `manual group '${value}'` : `group ${kind} '${value}'`;
}

/** The file's `group:` block of a rule: `{ externalId: "00g1finance" }`. */
export function ruleTargetDocument(rule: Pick<MappingRule, "group">): Record<string, string> {
  const { kind, value } = ruleTarget(rule);
  return { [kind]: value };
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
