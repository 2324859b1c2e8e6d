/**
 * The product's trust rule as one pure function: nobody can come to hold, hand to anyone, or take
 * from anyone a right beyond what their own level may grant. Every admin write describes its change
 * — a mapping before and after; a manual group's membership, name or existence, with the mapping
 * whose rules say what the group gives and what each affected member holds before and after; a SCIM
 * token; the sign-in settings — and asks `judgeGrant` before it writes. A model-based property test
 * (test/mapping/grant-model.test.ts) drives random organisations, actors and sequences of admin
 * actions through it and checks, after every accepted action, that nothing changed beyond the
 * actor's grant.
 *
 * What each level may grant and take (its reach), from the least:
 * | reach          | who                                        | may grant and take                                        |
 * | features       | User Management at manage                  | membership of feature-only manual groups (their rules give no admin area and no standard role above User), never moving a member's admin areas |
 * | custom_roles   | custom members with Identity & Access at manage (`canEditRoles`) | custom roles, the rules giving them, manual groups (members, names, existence) whose rules give no owner or admin |
 * | standard       | Owners                                     | everything but primary ownership                          |
 * | primary        | the Primary Owner                          | everything                                                |
 * Removals are judged like gains: taking a right needs the same reach as giving it.
 */
import { refuseMappingChange, mappingChanges } from "./changes";
import { ruleSelectsGroup } from "./match";
import { type AdminAction, type PolicyRule, judgeAction } from "./policy";
import { canEditRoles, permissionsEqual } from "./resolve";
import { describeRuleTarget } from "./rules";
import { AREAS } from "./types";
import type { EffectivePermissions, GroupRef, Mapping, MappingRule } from "./types";

export const REACHES = ["nothing", "features", "custom_roles", "standard", "primary"] as const;
export type Reach = (typeof REACHES)[number];

/** What one member holds before and after a change. */
export interface MemberChange {
  readonly userName: string;
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
}

export type GrantChange =
  /** A mapping edit (a whole document, a role, a rule, toggles, standard roles, primary owner, a rollback). */
  | {
      readonly kind: "mapping";
      readonly before: Mapping;
      readonly after: Mapping;
      /** Whether `after.primaryOwner` names an active member now (only asked when it changes). */
      readonly successor: "active_member" | "not_a_member";
    }
  /** Members added to or removed from a manual group: granting or taking what the group's rules give. */
  | { readonly kind: "group_members"; readonly mapping: Mapping; readonly group: GroupRef; readonly members: readonly MemberChange[] }
  /**
   * A manual group created, renamed or deleted: a rule may name it (`manual: "Vault"`) before it
   * exists or after it is gone, so its existence and name decide who holds that rule's rights.
   */
  | {
      readonly kind: "manual_group";
      readonly op: "create" | "rename" | "delete";
      readonly mapping: Mapping;
      readonly before: GroupRef | null;
      readonly after: GroupRef | null;
      readonly members: readonly MemberChange[];
    }
  /** A member suspended or reactivated. */
  | { readonly kind: "member_status"; readonly member: MemberChange }
  /** A SCIM token: whoever holds one can make anyone an Owner, so minting one is an Owner's. */
  | { readonly kind: "scim_token"; readonly op: "create" | "rotate" | "revoke" }
  /** The organisation's OIDC issuer and client: whoever controls the issuer can sign in as anyone. */
  | { readonly kind: "sign_in_settings" }
  /** Retention settings, a personal data export of another member, an erasure: no one's rights move, Privacy at manage decides. */
  | { readonly kind: "privacy"; readonly op: "retention" | "export" | "erasure" }
  /** What usage analytics collects: gives and takes no one's rights. */
  | { readonly kind: "analytics_settings" };

export type GrantRule = PolicyRule | "primary_owner_not_member";

export type GrantDecision =
  | { readonly allowed: true }
  | { readonly allowed: false; readonly rule: GrantRule; readonly message: string; readonly refused: readonly string[] };

const RANK: Readonly<Record<Reach, number>> = { nothing: 0, features: 1, custom_roles: 2, standard: 3, primary: 4 };

/** The refusal's code when a change needs `reach` and the actor has less. */
const RULE_NEEDING: Readonly<Record<Exclude<Reach, "nothing">, PolicyRule>> = {
  features: "user_management_manage_required",
  custom_roles: "identity_access_manage_required",
  standard: "owner_required",
  primary: "primary_owner_required",
};

const NEEDS: Readonly<Record<Exclude<Reach, "nothing">, string>> = {
  features: "Only Owners, the Primary Owner, members whose custom role has Identity & Access at manage, and members with User Management at manage",
  custom_roles: "Only Owners, the Primary Owner and members whose custom role has Identity & Access at manage",
  standard: "Only Owners and the Primary Owner",
  primary: "Only the Primary Owner",
};

/** How far an actor's grant reaches; inactive members resolve to no access, so to nothing. */
export function reachOf(actor: EffectivePermissions): Reach {
  if (actor.orgRole === "primary_owner") return "primary";
  if (actor.orgRole === "owner") return "standard";
  if (canEditRoles(actor)) return "custom_roles";
  if (actor.admin.user_management === "manage") return "features";
  return "nothing";
}

/**
 * The reach a rule's rights need: owner or admin, an Owner's; a custom role with any admin area, an
 * Identity & Access manager's; features and connectors alone (or `orgRole: user`, the floor), User
 * Management's. Judged with the role definitions of `mapping`.
 */
export function ruleReach(rule: MappingRule, mapping: Mapping): Exclude<Reach, "nothing"> {
  if (rule.orgRole === "owner" || rule.orgRole === "admin") return "standard";
  const definitions = new Map(mapping.roles.map((role) => [role.name, role]));
  const areas = rule.roles.some((name) => {
    const role = definitions.get(name);
    return role !== undefined && AREAS.some((area) => role.admin[area] !== "none");
  });
  return areas ? "custom_roles" : "features";
}

/**
 * The reach a member's change needs: becoming or ceasing to be Primary Owner, the Primary Owner's;
 * any change while owner or admin on either side, an Owner's (their levels are the standard roles');
 * a change of admin areas, an Identity & Access manager's; features, connectors and feature-only
 * roles, User Management's.
 */
export function memberChangeReach(change: MemberChange): Reach {
  const { before, after } = change;
  if (permissionsEqual(before, after)) return "nothing";
  if (before.orgRole !== after.orgRole && (before.orgRole === "primary_owner" || after.orgRole === "primary_owner")) return "primary";
  const standard = (role: string) => role === "primary_owner" || role === "owner" || role === "admin";
  if (standard(before.orgRole) || standard(after.orgRole)) return "standard";
  if (AREAS.some((area) => before.admin[area] !== after.admin[area])) return "custom_roles";
  return "features";
}

/** Whether `actor` may make `change`: allowed, or the rule it breaks, why, and the parts beyond the actor. */
export function judgeGrant(actor: EffectivePermissions, change: GrantChange): GrantDecision {
  switch (change.kind) {
    case "mapping":
      return judgeMapping(actor, change);
    case "group_members":
      return first(
        needAction(actor, "edit_group_members"),
        judgeGroupGift(actor, change.mapping, [change.group], "who is in"),
        judgeMembers(actor, change.members),
      );
    case "manual_group":
      return first(
        needAction(actor, "edit_manual_groups"),
        judgeGroupGift(actor, change.mapping, [change.before, change.after].filter((g): g is GroupRef => g !== null), change.op === "rename" ? "the name of" : "the existence of"),
        judgeMembers(actor, change.members),
      );
    case "member_status":
      return first(reachAtLeast(actor, "features", [`${change.member.userName}'s status`]), judgeMembers(actor, [change.member]));
    case "scim_token":
      return needAction(actor, change.op === "revoke" ? "manage_scim_tokens" : "create_scim_tokens");
    case "sign_in_settings":
      return needAction(actor, "change_sign_in_settings");
    case "privacy":
      return needAction(actor, "manage_privacy");
    case "analytics_settings":
      return needAction(actor, "configure_analytics");
  }
}

const ALLOWED: GrantDecision = { allowed: true };

function first(...decisions: GrantDecision[]): GrantDecision {
  return decisions.find((decision) => !decision.allowed) ?? ALLOWED;
}

function needAction(actor: EffectivePermissions, action: AdminAction): GrantDecision {
  const decision = judgeAction(actor, action);
  return decision.allowed ? ALLOWED : { ...decision, refused: [] };
}

function reachAtLeast(actor: EffectivePermissions, needed: Exclude<Reach, "nothing">, refused: readonly string[]): GrantDecision {
  if (RANK[reachOf(actor)] >= RANK[needed]) return ALLOWED;
  const rule = RULE_NEEDING[needed];
  return { allowed: false, rule, message: `${NEEDS[needed]} may change ${refused.join("; ")}. Nothing was applied.`, refused };
}

/** Changing who is in a group, or its name or existence, grants or takes every right its rules give. */
function judgeGroupGift(actor: EffectivePermissions, mapping: Mapping, groups: readonly GroupRef[], what: string): GrantDecision {
  const rules = mapping.rules.filter((rule) => groups.some((group) => ruleSelectsGroup(rule, group)));
  let needed: Exclude<Reach, "nothing"> = "features";
  for (const rule of rules) if (RANK[ruleReach(rule, mapping)] > RANK[needed]) needed = ruleReach(rule, mapping);
  if (RANK[reachOf(actor)] >= RANK[needed]) return ALLOWED;
  const names = [...new Set(groups.map((group) => `'${group.displayName}'`))].join(" or ");
  const beyond = rules.filter((rule) => RANK[ruleReach(rule, mapping)] > RANK[reachOf(actor)]).map(describeRule);
  const rule = RULE_NEEDING[needed];
  return {
    allowed: false,
    rule,
    message: `${NEEDS[needed]} may change ${what} manual group ${names}, since its rules give ${beyond.join("; ")}. Nothing was applied.`,
    refused: beyond,
  };
}

function describeRule(rule: MappingRule): string {
  const gives = [...(rule.orgRole === null ? [] : [`orgRole ${rule.orgRole}`]), ...(rule.roles.length === 0 ? [] : [`roles ${rule.roles.join(", ")}`])].join(", ");
  return `rule ${rule.id} (${describeRuleTarget(rule)}: ${gives})`;
}

function judgeMembers(actor: EffectivePermissions, members: readonly MemberChange[]): GrantDecision {
  const reach = RANK[reachOf(actor)];
  let needed: Reach = "nothing";
  const beyond: string[] = [];
  for (const member of members) {
    const change = memberChangeReach(member);
    if (RANK[change] > reach) beyond.push(`what ${member.userName} holds (${describeMemberChange(member)})`);
    if (RANK[change] > RANK[needed]) needed = change;
  }
  if (needed === "nothing" || beyond.length === 0) return ALLOWED;
  return reachAtLeast(actor, needed, beyond);
}

function describeMemberChange({ before, after }: MemberChange): string {
  const areas = AREAS.filter((area) => before.admin[area] !== after.admin[area]).map((area) => `${area} ${before.admin[area]} → ${after.admin[area]}`);
  return [before.orgRole === after.orgRole ? `orgRole ${after.orgRole}` : `orgRole ${before.orgRole} → ${after.orgRole}`, ...areas].join(", ");
}

function judgeMapping(actor: EffectivePermissions, change: Extract<GrantChange, { kind: "mapping" }>): GrantDecision {
  const parts = mappingChanges(change.before, change.after);
  const refusal = refuseMappingChange(actor, parts);
  if (refusal !== null) return { allowed: false, rule: refusal.rule, message: refusal.message, refused: refusal.refused.map((part) => part.description) };
  const transfer = parts.some((part) => part.change.part === "primary_owner");
  if (transfer && change.successor !== "active_member") {
    return {
      allowed: false,
      rule: "primary_owner_not_member",
      message: `Primary ownership can pass only to an active member: no active member has the userName '${change.after.primaryOwner}'. Nothing was applied.`,
      refused: [`primaryOwner (${change.before.primaryOwner || "nobody"} → ${change.after.primaryOwner})`],
    };
  }
  return ALLOWED;
}
