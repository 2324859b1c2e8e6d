/**
 * What applying a new mapping would do to a whole directory, before anyone commits to it: every
 * member whose permissions change, and warnings about mistakes that validation cannot see because
 * they depend on the directory (rules that match nothing, lock-outs).
 */
import { diffPermissions } from "./diff";
import type { PermissionChange } from "./diff";
import { ruleMatchesAppRoles, ruleSelectsGroup } from "./match";
import { compareText, emptyMapping, sortedUnique } from "./normalise";
import { closestMatch } from "./suggest";
import { batchResolver, canEditRoles, permissionsEqual } from "./resolve";
import type { EffectivePermissions, GroupMatcher, GroupRef, Mapping, MappingRule, MemberInput, PlatformOverrides } from "./types";

export interface MemberPlanChange {
  member: { id: string; userName: string; active: boolean };
  before: EffectivePermissions;
  after: EffectivePermissions;
  change: PermissionChange;
}

export type PlanWarning =
  | { code: "rule_matches_no_group"; ruleIndex: number; ruleId: string; message: string }
  | { code: "rule_matches_no_app_role"; ruleIndex: number; ruleId: string; appRole: string; message: string }
  | { code: "role_never_reached"; role: string; message: string }
  | { code: "loses_identity_access_manage"; memberId: string; userName: string; message: string }
  | { code: "no_role_editor"; message: string }
  | { code: "primary_owner_not_in_directory"; userName: string; message: string }
  | { code: "display_name_rule"; ruleIndex: number; ruleId: string; displayName: string; groupIds: string[]; message: string };

export interface MappingPlan {
  /** Members whose permissions differ, sorted by userName. */
  changes: MemberPlanChange[];
  unchangedCount: number;
  warnings: PlanWarning[];
  /** Set when the change would leave no active member able to edit roles (the admin API refuses it). */
  lockout: Lockout | null;
}

/** Who would lose the right to edit roles, when no one would keep it. */
export interface Lockout {
  losing: Array<{ id: string; userName: string }>;
  message: string;
}

/**
 * A lock-out: after the change no active member may edit roles (the Primary Owner, an owner, or a
 * custom member with identity_access manage), although someone could before. `losing` are those
 * who could; `remainingEditors` counts who still can after the change (0 = locked out).
 */
export function lockoutOf(
  changes: ReadonlyArray<{ member: { id: string; userName: string }; before: EffectivePermissions; after: EffectivePermissions }>,
  remainingEditors: number,
): Lockout | null {
  if (remainingEditors > 0) return null;
  const losing = changes
    .filter(({ before, after }) => canEditRoles(before) && !canEditRoles(after))
    .map(({ member }) => ({ id: member.id, userName: member.userName }))
    .sort((a, b) => compareText(a.userName, b.userName));
  if (losing.length === 0) return null;
  return {
    losing,
    message: `This change would leave no active member able to edit roles: ${losing.map((m) => m.userName).join(", ")} would lose the right (an active Primary Owner or Owner, or a custom role with identity_access manage, must remain).`,
  };
}

export interface PlanInput {
  members: readonly MemberInput[];
  /** Every group in the directory, including groups with no members. */
  groups: readonly GroupRef[];
  /** The mapping in force; `null` when there is none yet (then `emptyMapping()`: everyone is user). */
  before: Mapping | null;
  after: Mapping;
  platform?: PlatformOverrides;
}

interface Evaluated {
  member: MemberInput;
  before: EffectivePermissions;
  after: EffectivePermissions;
}

export function planMappingChange(input: PlanInput): MappingPlan {
  const resolveBefore = batchResolver(input.before ?? emptyMapping(), input.platform);
  const resolveAfter = batchResolver(input.after, input.platform);
  const evaluated: Evaluated[] = input.members.map((member) => ({
    member,
    before: resolveBefore(member),
    after: resolveAfter(member),
  }));
  const changes = evaluated
    .filter(({ before, after }) => !permissionsEqual(before, after))
    .map(({ member, before, after }) => ({
      member: { id: member.id, userName: member.userName, active: member.active },
      before,
      after,
      change: diffPermissions(before, after),
    }))
    .sort((a, b) => compareText(a.member.userName, b.member.userName) || compareText(a.member.id, b.member.id));
  return {
    changes,
    unchangedCount: evaluated.length - changes.length,
    lockout: lockoutOf(changes, evaluated.filter(({ after }) => canEditRoles(after)).length),
    warnings: [
      ...rulesMatchingNoGroup(input.after, input.groups),
      ...rulesMatchingNoAppRole(input.after, input.members),
      ...displayNameRules(input.after, input.groups),
      ...rolesNeverReached(input.after, evaluated, input.groups),
      ...lostIdentityManage(changes),
      ...primaryOwnerMissing(input.after, input.members),
      ...noRoleEditor(evaluated),
    ],
  };
}

/** The groups a rule matches in the directory (the console's "groups giving this role"); none for an app-role rule. */
export function matchingGroups(rule: MappingRule, groups: readonly GroupRef[]): GroupRef[] {
  return groups.filter((group) => ruleSelectsGroup(rule, group));
}

/** Whether anything in the directory can match the rule: a group for a group rule, a member holding the app role for an app-role rule. */
function ruleReachesDirectory(rule: MappingRule, groups: readonly GroupRef[], members: readonly MemberInput[]): boolean {
  return rule.source.kind === "group" ? matchingGroups(rule, groups).length > 0 : members.some((member) => ruleMatchesAppRoles(rule, member.appRoles));
}

function ruleMatchesMember(rule: MappingRule, member: MemberInput): boolean {
  return ruleMatchesAppRoles(rule, member.appRoles) || member.groups.some((group) => ruleSelectsGroup(rule, group));
}

function rulesMatchingNoGroup(mapping: Mapping, groups: readonly GroupRef[]): PlanWarning[] {
  return mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "group" || matchingGroups(rule, groups).length > 0) return [];
    return [{
      code: "rule_matches_no_group",
      ruleIndex: rule.index,
      ruleId: rule.id,
      message: `Rule ${rule.index} (${source.matcher.kind} '${source.matcher.value}') matches no group in the directory, so it grants nothing.${externalIdHint(source.matcher, groups)}`,
    }];
  });
}

/**
 * An externalId rule that matches nothing, in a directory with groups Okta pushed: Okta's Push
 * Groups send no externalId (fixtures/okta/push-group.json), so the rule most likely meant one of
 * those groups by its name or id.
 */
function externalIdHint(matcher: GroupMatcher, groups: readonly GroupRef[]): string {
  if (matcher.kind !== "externalId") return "";
  const pushedByOkta = groups.filter((group) => group.provisionedBy === "okta" && (group.externalId ?? null) === null);
  if (pushedByOkta.length === 0) return "";
  const named = pushedByOkta.find((group) => group.id === matcher.value || group.displayName.toLowerCase() === matcher.value.toLowerCase());
  const suggestion = named === undefined ? "" : ` For '${named.displayName}', use \`group: { id: "${named.id}" }\`.`;
  return ` Okta's Push Groups send no externalId, so groups Okta pushed are matched by \`id\` or \`displayName\`.${suggestion}`;
}

/**
 * App-role values are compared exactly, as Entra sends them; a rule naming a value no member holds
 * is most often a typo or a difference of case, so the plan names the closest value it saw.
 */
function rulesMatchingNoAppRole(mapping: Mapping, members: readonly MemberInput[]): PlanWarning[] {
  const held = sortedUnique(members.flatMap((member) => member.appRoles));
  return mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "appRole" || held.includes(source.value)) return [];
    const near = closestMatch(source.value, held);
    const hint =
      near === null ? "" : near.toLowerCase() === source.value.toLowerCase() ? ` Members hold '${near}': app-role values are case-sensitive.` : ` Did you mean '${near}'?`;
    return [{
      code: "rule_matches_no_app_role",
      ruleIndex: rule.index,
      ruleId: rule.id,
      appRole: source.value,
      message: `Rule ${rule.index} (app role '${source.value}') matches no member: no user's SCIM roles carry that value, so it grants nothing.${hint}`,
    }];
  });
}

/** Matching by displayName breaks when the IdP renames the group: the plan warns of every such rule. */
function displayNameRules(mapping: Mapping, groups: readonly GroupRef[]): PlanWarning[] {
  return mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "group" || source.matcher.kind !== "displayName") return [];
    const matched = matchingGroups(rule, groups);
    const stable = matched.length === 1 && matched[0] !== undefined ? stableMatcherHint(matched[0]) : "";
    const several = matched.length > 1 ? ` It currently matches ${matched.length} groups (${matched.map((group) => `'${group.displayName}'`).join(", ")}).` : "";
    return [{
      code: "display_name_rule",
      ruleIndex: rule.index,
      ruleId: rule.id,
      displayName: source.matcher.value,
      groupIds: matched.map((group) => group.id).sort(compareText),
      message: `Rule ${rule.index} matches groups by displayName '${source.matcher.value}'; it stops matching, and its members lose what it grants, if the group is renamed in the IdP.${several}${stable}`,
    }];
  });
}

/**
 * The matcher that survives a rename of this group, by the IdP that created it: Okta's Push Groups
 * send no externalId, so the id this server gave the group (fixtures/okta/push-group.json); Entra
 * sends the group's object id as externalId (fixtures/entra/create-group.json). Unknown: both.
 */
function stableMatcherHint(group: GroupRef): string {
  const byId = `\`group: { id: "${group.id}" }\``;
  const externalId = group.externalId ?? "";
  const byExternalId = `\`group: { externalId: "${externalId}" }\``;
  switch (group.provisionedBy) {
    case "okta":
      return ` Okta pushed this group and sends no externalId for it: use ${byId} instead, the id this server gave it.`;
    case "entra":
      return externalId !== "" ? ` Entra created this group: use ${byExternalId} instead, its object id in Entra.` : ` Use ${byId} instead.`;
    default:
      return externalId !== ""
        ? ` Use ${byExternalId} (the IdP's id for it, as Entra sends) or ${byId} (the id this server gave it, the stable choice for groups Okta pushes) instead.`
        : ` Use ${byId} instead.`;
  }
}

function rolesNeverReached(mapping: Mapping, evaluated: readonly Evaluated[], groups: readonly GroupRef[]): PlanWarning[] {
  const reached = new Set(evaluated.flatMap(({ after }) => after.roles));
  return mapping.roles
    .filter((role) => !reached.has(role.name))
    .map((role) => ({ code: "role_never_reached", role: role.name, message: `Role '${role.name}' would apply to no member: ${unreachedBecause(role.name, mapping, evaluated, groups)}.` }));
}

function unreachedBecause(role: string, mapping: Mapping, evaluated: readonly Evaluated[], groups: readonly GroupRef[]): string {
  const granting = mapping.rules.filter((rule) => rule.roles.includes(role));
  if (granting.length === 0) return "no rule grants it";
  const ruleList = granting.map((rule) => rule.index).join(", ");
  const members = evaluated.map(({ member }) => member);
  if (granting.every((rule) => !ruleReachesDirectory(rule, groups, members))) return `the rules granting it (${ruleList}) match no group or app role in the directory`;
  const holders = evaluated.filter(({ member }) => member.active && granting.some((rule) => ruleMatchesMember(rule, member)));
  if (holders.length === 0) return `no active member is matched by the rules granting it (${ruleList})`;
  const standardRoles = sortedUnique(holders.map(({ after }) => after.orgRole));
  return `every active member it is mapped to has a standard role (${standardRoles.join(", ")}), and custom roles apply only to custom members`;
}

function lostIdentityManage(changes: readonly MemberPlanChange[]): PlanWarning[] {
  return changes
    .filter(({ before, after }) => before.admin.identity_access === "manage" && after.admin.identity_access !== "manage")
    .map(({ member, after }) => ({
      code: "loses_identity_access_manage",
      memberId: member.id,
      userName: member.userName,
      message: `${member.userName} would lose identity_access: manage (now ${after.admin.identity_access}) and with it the ability to manage SSO, SCIM and roles.`,
    }));
}

function primaryOwnerMissing(mapping: Mapping, members: readonly MemberInput[]): PlanWarning[] {
  const owner = mapping.primaryOwner.toLowerCase();
  if (members.some((member) => member.active && member.userName.toLowerCase() === owner)) return [];
  return [{
    code: "primary_owner_not_in_directory",
    userName: mapping.primaryOwner,
    message: `No active member has the userName '${mapping.primaryOwner}' named by \`primaryOwner\`, so the organisation would have no Primary Owner.`,
  }];
}

/** A mapping that leaves only the Primary Owner able to fix it is one typo away from a lock-out. */
function noRoleEditor(evaluated: readonly Evaluated[]): PlanWarning[] {
  const editors = evaluated.filter(({ after }) => after.orgRole !== "primary_owner" && canEditRoles(after));
  if (editors.length > 0) return [];
  return [{
    code: "no_role_editor",
    message: "No one besides the Primary Owner could edit roles: no active member would be an owner or a custom member with identity_access: manage.",
  }];
}
