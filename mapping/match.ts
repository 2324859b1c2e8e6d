/** Which rules match a member: by one of the member's groups, or by one of the member's app roles. */
import { compareText } from "./normalise";
import type { GroupMatcher, GroupRef, GroupSource, MappingRule, MatcherKind, MemberInput, StandardOrgRole } from "./types";

interface MatchGrant {
  ruleIndex: number;
  ruleId: string;
  roles: string[];
  orgRole: StandardOrgRole | null;
}

/** One rule matching a member, and through what: a group (and how the rule named it) or an app role. */
export type RuleMatch = MatchGrant &
  (
    | {
        kind: "group";
        group: { id: string; externalId: string | null; displayName: string; source: GroupSource };
        matchedBy: MatcherKind;
        /** The value the rule names, as written in the file. */
        matcherValue: string;
      }
    | { kind: "appRole"; appRole: string }
  );

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

/** Whether `rule` is a group rule that picks `group`. */
export function ruleSelectsGroup(rule: Pick<MappingRule, "source">, group: GroupRef): boolean {
  return rule.source.kind === "group" && ruleMatchesGroup(rule.source.matcher, group);
}

/** Whether `rule` is an app-role rule naming one of `appRoles`, exactly (Entra's values are case-sensitive). */
export function ruleMatchesAppRoles(rule: Pick<MappingRule, "source">, appRoles: readonly string[]): boolean {
  return rule.source.kind === "appRole" && appRoles.includes(rule.source.value);
}

export function foldName(name: string): string {
  return name.normalize("NFC").toLowerCase();
}

/** Every (rule, group) and (rule, app role) pair that matches, sorted so input order is irrelevant. */
export function matchRules(member: Pick<MemberInput, "groups" | "appRoles">, rules: readonly MappingRule[]): RuleMatch[] {
  const matches: RuleMatch[] = [];
  for (const rule of rules) {
    const grant: MatchGrant = { ruleIndex: rule.index, ruleId: rule.id, roles: [...rule.roles], orgRole: rule.orgRole };
    if (rule.source.kind === "appRole") {
      if (member.appRoles.includes(rule.source.value)) matches.push({ ...grant, kind: "appRole", appRole: rule.source.value });
      continue;
    }
    const { matcher } = rule.source;
    // A SCIM payload can list the same group twice; count it once.
    const seen = new Set<string>();
    for (const group of member.groups) {
      if (seen.has(group.id) || !ruleMatchesGroup(matcher, group)) continue;
      seen.add(group.id);
      matches.push({
        ...grant,
        kind: "group",
        group: { id: group.id, externalId: group.externalId ?? null, displayName: group.displayName, source: group.source ?? "scim" },
        matchedBy: matcher.kind,
        matcherValue: matcher.value,
      });
    }
  }
  return matches.sort((a, b) => a.ruleIndex - b.ruleIndex || compareText(matchKey(a), matchKey(b)));
}

function matchKey(match: RuleMatch): string {
  return match.kind === "group" ? match.group.id : match.appRole;
}

/**
 * "rule 2 (group 'IT Admins', matched by displayName 'IT Admins')",
 * "rule 4 (manual group 'Contractors', matched by manual 'Contractors')", "rule 3 (app role 'BillingAdmins')"
 */
export function describeMatch(match: RuleMatch): string {
  if (match.kind === "appRole") return `rule ${match.ruleIndex} (app role '${match.appRole}')`;
  const kind = match.group.source === "manual" ? "manual group" : "group";
  return `rule ${match.ruleIndex} (${kind} '${match.group.displayName}', matched by ${match.matchedBy} '${match.matcherValue}')`;
}
