/**
 * What applying a new mapping would do to a whole directory, before anyone commits to it: every
 * member whose permissions change, and warnings about mistakes that validation cannot see because
 * they depend on the directory (rules that match nothing, lock-outs).
 */
import { diffPermissions } from "./diff";
import type { PermissionChange } from "./diff";
import { ruleMatchesGroup } from "./match";
import { compareText, emptyMapping, sortedUnique } from "./normalise";
import { batchResolver, canEditRoles, permissionsEqual } from "./resolve";
import type { EffectivePermissions, GroupRef, Mapping, MappingRule, MemberInput, PlatformOverrides } from "./types";

export interface MemberPlanChange {
  member: { id: string; userName: string; active: boolean };
  before: EffectivePermissions;
  after: EffectivePermissions;
  change: PermissionChange;
}

export type PlanWarning =
  | { code: "rule_matches_no_group"; ruleIndex: number; ruleId: string; message: string }
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
      ...displayNameRules(input.after, input.groups),
      ...rolesNeverReached(input.after, evaluated, input.groups),
      ...lostIdentityManage(changes),
      ...primaryOwnerMissing(input.after, input.members),
      ...noRoleEditor(evaluated),
    ],
  };
}

/** The groups a rule matches in the directory (the console's "groups giving this role"). */
export function matchingGroups(rule: MappingRule, groups: readonly GroupRef[]): GroupRef[] {
  return groups.filter((group) => ruleMatchesGroup(rule.group, group));
}

function rulesMatchingNoGroup(mapping: Mapping, groups: readonly GroupRef[]): PlanWarning[] {
  return mapping.rules
    .filter((rule) => matchingGroups(rule, groups).length === 0)
    .map((rule) => ({
      code: "rule_matches_no_group",
      ruleIndex: rule.index,
      ruleId: rule.id,
      message: `Rule ${rule.index} (${rule.group.kind} '${rule.group.value}') matches no group in the directory, so it grants nothing.`,
    }));
}

/** Matching by displayName breaks when the IdP renames the group: the plan warns of every such rule. */
function displayNameRules(mapping: Mapping, groups: readonly GroupRef[]): PlanWarning[] {
  return mapping.rules
    .filter((rule) => rule.group.kind === "displayName")
    .map((rule) => {
      const matched = matchingGroups(rule, groups);
      const stable = matched.length === 1 && matched[0] !== undefined ? stableMatcherHint(matched[0]) : "";
      const several = matched.length > 1 ? ` It currently matches ${matched.length} groups (${matched.map((group) => `'${group.displayName}'`).join(", ")}).` : "";
      return {
        code: "display_name_rule",
        ruleIndex: rule.index,
        ruleId: rule.id,
        displayName: rule.group.value,
        groupIds: matched.map((group) => group.id).sort(compareText),
        message: `Rule ${rule.index} matches groups by displayName '${rule.group.value}'; it stops matching, and its members lose what it grants, if the group is renamed in the IdP.${several}${stable}`,
      };
    });
}

function stableMatcherHint(group: GroupRef): string {
  return group.externalId !== undefined && group.externalId !== null && group.externalId !== ""
    ? ` Use \`group: { externalId: "${group.externalId}" }\` instead.`
    : ` Use \`group: { id: "${group.id}" }\` instead.`;
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
  if (granting.every((rule) => matchingGroups(rule, groups).length === 0)) return `the rules granting it (${ruleList}) match no group`;
  const holders = evaluated.filter(({ member }) => member.active && member.groups.some((g) => granting.some((rule) => ruleMatchesGroup(rule.group, g))));
  if (holders.length === 0) return `no active member is in a group matched by the rules granting it (${ruleList})`;
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
