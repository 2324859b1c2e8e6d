/** Which rules match which of a member's groups. */
import { compareText } from "./normalise";
import type { GroupMatcher, GroupRef, GroupSource, MappingRule, MatcherKind, StandardOrgRole } from "./types";

export interface RuleMatch {
  ruleIndex: number;
  ruleId: string;
  group: { id: string; externalId: string | null; displayName: string; source: GroupSource };
  matchedBy: MatcherKind;
  /** The value the rule names, as written in the file. */
  matcherValue: string;
  roles: string[];
  orgRole: StandardOrgRole | null;
}

/**
 * `id` and `externalId` are exact (IdP identifiers are case-sensitive); `displayName` and `manual`
 * are case-insensitive, as the mapping contract specifies, because admins type them by hand.
 * `externalId` and `displayName` see only the IdP's groups and `manual` only manual ones, so a
 * rule never matches a group of the other kind by a name that happens to be the same.
 */
export function ruleMatchesGroup(matcher: GroupMatcher, group: GroupRef): boolean {
  const manual = group.source === "manual";
  switch (matcher.kind) {
    case "id":
      return group.id === matcher.value;
    case "externalId":
      return !manual && group.externalId !== undefined && group.externalId !== null && group.externalId === matcher.value;
    case "displayName":
      return !manual && foldName(group.displayName) === foldName(matcher.value);
    case "manual":
      return manual && foldName(group.displayName) === foldName(matcher.value);
  }
}

/** Whether the rule matches this group. */
export function ruleMatches(rule: Pick<MappingRule, "group">, group: GroupRef): boolean {
  return ruleMatchesGroup(rule.group, group);
}

function foldName(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** Every (rule, group) pair that matches, sorted so the input order of groups and rules is irrelevant. */
export function matchRules(groups: readonly GroupRef[], rules: readonly MappingRule[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  const seen = new Set<string>();
  for (const rule of rules) {
    for (const group of groups) {
      // A SCIM payload can list the same group twice; count it once.
      const key = `${rule.index}\u0000${group.id}`;
      if (seen.has(key) || !ruleMatchesGroup(rule.group, group)) continue;
      seen.add(key);
      matches.push({
        ruleIndex: rule.index,
        ruleId: rule.id,
        group: { id: group.id, externalId: group.externalId ?? null, displayName: group.displayName, source: group.source ?? "scim" },
        matchedBy: rule.group.kind,
        matcherValue: rule.group.value,
        roles: [...rule.roles],
        orgRole: rule.orgRole,
      });
    }
  }
  return matches.sort((a, b) => a.ruleIndex - b.ruleIndex || compareText(a.group.id, b.group.id));
}

/** "rule 2 (group 'IT Admins', matched by displayName)" */
export function describeMatch(match: RuleMatch): string {
  const kind = match.group.source === "manual" ? "manual group" : "group";
  return `rule ${match.ruleIndex} (${kind} '${match.group.displayName}', matched by ${match.matchedBy} '${match.matcherValue}')`;
}
