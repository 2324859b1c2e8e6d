/**
 * What changed between two mappings, part by part, and which admin action each part needs: the
 * admin API checks a proposed mapping part by part against the policy (a role editor who changes
 * a role and a toggle is refused, naming the toggle), and a console shows two versions' difference
 * with the same parts. Rules are compared by their stable id, so reordering them changes nothing.
 */
import { type RoleDocument, type RuleDocument, ruleDocument, roleDocument } from "./document";
import { canonicalJSON } from "./hash";
import { compareText } from "./normalise";
import { type AdminAction, type PolicyRule, RULE_FOR, allowedActions } from "./policy";
import { describeRuleTarget, ruleTargetKey } from "./rules";
import { AREAS } from "./types";
import type { Area, EffectivePermissions, Level, Mapping, MappingRule, RoleDefinition } from "./types";

export type ChangeKind = "added" | "removed" | "changed";

export type MappingChangePart =
  | { readonly part: "primary_owner"; readonly before: string; readonly after: string }
  | { readonly part: "org_toggle"; readonly list: "features" | "connectors"; readonly name: string; readonly before: "on" | "off" | null; readonly after: "on" | "off" | null }
  | { readonly part: "standard_role"; readonly role: "admin" | "user"; readonly area: Area; readonly before: Level; readonly after: Level }
  | { readonly part: "role"; readonly name: string; readonly change: ChangeKind; readonly before: RoleDocument | null; readonly after: RoleDocument | null }
  | { readonly part: "rule"; readonly id: string; readonly change: ChangeKind; readonly before: RuleDocument | null; readonly after: RuleDocument | null };

export interface DescribedChange {
  readonly change: MappingChangePart;
  /** The admin action this part needs (policy.ts). */
  readonly action: AdminAction;
  /** "the toggle org.features.web_search (on → off)": for refusals and version diffs. */
  readonly description: string;
}

/** Every part that differs, in a stable order: primary owner, toggles, standard roles, roles, rules. */
export function mappingChanges(before: Mapping, after: Mapping): DescribedChange[] {
  return [
    ...primaryOwnerChange(before, after),
    ...toggleChanges("features", before, after),
    ...toggleChanges("connectors", before, after),
    ...standardRoleChanges(before, after),
    ...roleChanges(before, after),
    ...ruleChanges(before, after),
  ];
}

export interface ChangeRefusal {
  readonly rule: PolicyRule;
  readonly refused: readonly DescribedChange[];
  readonly message: string;
}

/** null when the member may make every part of the change; otherwise the parts refused, most privileged rule first. */
export function refuseMappingChange(actor: EffectivePermissions, changes: readonly DescribedChange[]): ChangeRefusal | null {
  const allowed = allowedActions(actor);
  const refused = changes.filter((change) => !allowed[change.action]);
  const first = [...refused].sort((a, b) => RANK[b.action] - RANK[a.action])[0];
  if (first === undefined) return null;
  const rule = RULE_FOR[first.action];
  const sameRule = refused.filter((change) => RULE_FOR[change.action] === rule);
  const list = sameRule.slice(0, 5).map((change) => change.description).join("; ") + (sameRule.length > 5 ? `; and ${sameRule.length - 5} more` : "");
  return { rule, refused, message: `${RULE_DESCRIPTION[rule]} Refused: ${list}. Nothing was applied.` };
}

const RANK: Readonly<Record<AdminAction, number>> = {
  read_roles: 0,
  list_members: 0,
  manage_members: 1,
  edit_custom_roles: 1,
  edit_manual_groups: 1,
  edit_group_members: 1,
  manage_scim_tokens: 1,
  create_scim_tokens: 2,
  change_sign_in_settings: 2,
  edit_standard_roles: 2,
  toggle_org: 2,
  transfer_primary_owner: 3,
  change_platform_overrides: 4,
  read_privacy: 0,
  manage_privacy: 1,
  read_analytics: 0,
  configure_analytics: 1,
};

const RULE_DESCRIPTION: Readonly<Record<PolicyRule, string>> = {
  identity_access_view_required: "Reading roles needs Identity & Access at view or manage.",
  identity_access_manage_required: "Custom roles and the rules giving them can be changed only by Owners, the Primary Owner, and members whose custom role has Identity & Access at manage.",
  owner_required: "Rules giving owner or admin, the standard roles' levels, and the organisation's toggles can be changed only by Owners and the Primary Owner.",
  primary_owner_required: "Only the Primary Owner can transfer primary ownership.",
  user_management_view_required: "Listing members needs User Management at view or manage.",
  user_management_manage_required: "Changing who is in a manual group needs User Management at manage, or more.",
  operator_only: "Platform overrides are the operator's.",
  privacy_view_required: "The privacy settings need Privacy at view or manage.",
  privacy_manage_required: "Retention, personal data exports and erasure need Privacy at manage.",
  analytics_view_required: "Reading analytics needs Analytics at view or manage.",
  analytics_manage_required: "Changing what analytics collects needs Analytics at manage.",
};

function primaryOwnerChange(before: Mapping, after: Mapping): DescribedChange[] {
  if (before.primaryOwner.toLowerCase() === after.primaryOwner.toLowerCase()) return [];
  return [{
    change: { part: "primary_owner", before: before.primaryOwner, after: after.primaryOwner },
    action: "transfer_primary_owner",
    description: `primaryOwner (${before.primaryOwner || "nobody"} → ${after.primaryOwner})`,
  }];
}

function toggleChanges(list: "features" | "connectors", before: Mapping, after: Mapping): DescribedChange[] {
  const setting = (mapping: Mapping, name: string): "on" | "off" | null => {
    const toggles = mapping.org[list];
    if (!Object.prototype.hasOwnProperty.call(toggles, name)) return null;
    return toggles[name] === true ? "on" : "off";
  };
  const names = [...new Set([...Object.keys(before.org[list]), ...Object.keys(after.org[list])])].sort(compareText);
  return names.flatMap((name) => {
    const was = setting(before, name);
    const now = setting(after, name);
    if (was === now) return [];
    return [{
      change: { part: "org_toggle", list, name, before: was, after: now },
      action: "toggle_org",
      description: `the toggle org.${list}.${name} (${was ?? "unset"} → ${now ?? "unset"})`,
    }];
  });
}

function standardRoleChanges(before: Mapping, after: Mapping): DescribedChange[] {
  return (["admin", "user"] as const).flatMap((role) =>
    AREAS.filter((area) => before.standardRoles[role][area] !== after.standardRoles[role][area]).map((area): DescribedChange => ({
      change: { part: "standard_role", role, area, before: before.standardRoles[role][area], after: after.standardRoles[role][area] },
      action: "edit_standard_roles",
      description: `standardRoles.${role}.${area} (${before.standardRoles[role][area]} → ${after.standardRoles[role][area]})`,
    })),
  );
}

function roleChanges(before: Mapping, after: Mapping): DescribedChange[] {
  const byName = (mapping: Mapping) => new Map(mapping.roles.map((role) => [role.name, role]));
  const was = byName(before);
  const now = byName(after);
  const names = [...new Set([...was.keys(), ...now.keys()])].sort(compareText);
  return names.flatMap((name) => {
    const a = was.get(name);
    const b = now.get(name);
    const change = kindOf(a, b, sameRole);
    if (change === null) return [];
    return [{
      change: { part: "role", name, change, before: a ? roleDocument(a) : null, after: b ? roleDocument(b) : null },
      action: "edit_custom_roles",
      description: `custom role '${name}' (${change})`,
    }];
  });
}

/**
 * A rule that gives owner or admin, before or after, is an owner's to change when what decides who
 * gets that role changes (added, removed, retargeted, or its orgRole changed); otherwise a change of
 * a rule is a change of who holds custom roles.
 */
function ruleChanges(before: Mapping, after: Mapping): DescribedChange[] {
  const byId = (mapping: Mapping) => new Map(mapping.rules.map((rule) => [rule.id, rule]));
  const was = byId(before);
  const now = byId(after);
  const ids = [...new Set([...was.keys(), ...now.keys()])];
  return ids.flatMap((id) => {
    const a = was.get(id);
    const b = now.get(id);
    const change = kindOf(a, b, sameRule);
    if (change === null) return [];
    const standardTouched = [a, b].some((rule) => rule !== undefined && givesStandardRole(rule))
      && (a === undefined || b === undefined || a.orgRole !== b.orgRole || ruleTargetKey(a) !== ruleTargetKey(b));
    const shown = b ?? a;
    return [{
      change: { part: "rule", id, change, before: a ? ruleDocument(a) : null, after: b ? ruleDocument(b) : null },
      action: standardTouched ? "edit_standard_roles" : "edit_custom_roles",
      description: `rule ${id}${shown ? ` (${describeRuleTarget(shown)}${standardTouched ? `, orgRole ${[a?.orgRole, b?.orgRole].filter((r) => r !== null && r !== undefined).join(" → ")}` : ""})` : ""} (${change})`,
    }];
  });
}

function givesStandardRole(rule: MappingRule): boolean {
  return rule.orgRole === "owner" || rule.orgRole === "admin";
}

function kindOf<T>(before: T | undefined, after: T | undefined, same: (a: T, b: T) => boolean): ChangeKind | null {
  if (before === undefined && after === undefined) return null;
  if (before === undefined) return "added";
  if (after === undefined) return "removed";
  return same(before, after) ? null : "changed";
}

function sameRole(a: RoleDefinition, b: RoleDefinition): boolean {
  return canonicalJSON(a) === canonicalJSON(b);
}

function sameRule(a: MappingRule, b: MappingRule): boolean {
  return canonicalJSON(ruleDocument(a)) === canonicalJSON(ruleDocument(b));
}
