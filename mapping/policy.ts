/**
 * Who may administer roles: the product's rules as ONE pure function of the permissions this
 * server computes for the acting member. Every refusal names the rule it comes from, so the admin
 * API answers 403 with that rule as its code and a console can say why a control is disabled.
 *
 * | action                                    | allowed to                                               |
 * | read roles, rules, groups, versions, plan, explain | owners, the Primary Owner, identity_access view or manage |
 * | edit custom roles and rules giving them; create, rename, delete manual groups | owners, the Primary Owner, custom members with identity_access manage |
 * | change who is in a manual group           | owners, the Primary Owner, custom members with identity_access manage, members with user_management manage — and then grant.ts decides by what the group's rules give: owner/admin rules, owners only; custom roles with an admin area, identity_access manage; features alone, user_management manage too |
 * | rules giving owner/admin; standard roles' levels | owners, the Primary Owner                           |
 * | org feature and connector toggles         | owners, the Primary Owner                                |
 * | change primaryOwner (a transfer, to an active member) | the Primary Owner                            |
 * | list members with their roles             | any of the above, or user_management view or manage     |
 * | suspend, reactivate, sign out, add or remove a member added by e-mail | owners, the Primary Owner, custom members with identity_access manage, members with user_management manage — and then grant.ts decides by what the member holds |
 * | create or rotate SCIM tokens (a SCIM token can make anyone an Owner) | owners, the Primary Owner     |
 * | revoke SCIM tokens (incident response)    | owners, the Primary Owner, custom members with identity_access manage |
 * | change the sign-in settings (whoever controls the issuer signs in as anyone) | owners, the Primary Owner |
 * | read usage analytics and the access review | owners, the Primary Owner, analytics view or manage     |
 * | change what analytics collects            | owners, the Primary Owner, analytics manage              |
 * | platform overrides                        | no member: they are the operator's                       |
 * | read retention settings, the privacy statement, deleted members | owners, the Primary Owner, privacy view or manage |
 * | change retention, export anyone's personal data, erase a deleted member | owners, the Primary Owner, privacy manage |
 *
 * This says who may *attempt* each kind of write; `judgeGrant` (grant.ts) then decides whether the
 * particular change stays within what the actor's level may grant, and every admin write asks it.
 */
import { levelRank } from "./levels";
import { canEditRoles } from "./resolve";
import type { EffectivePermissions } from "./types";

export const ADMIN_ACTIONS = [
  "read_roles",
  "edit_custom_roles",
  "edit_manual_groups",
  "edit_group_members",
  "edit_standard_roles",
  "toggle_org",
  "transfer_primary_owner",
  "list_members",
  "manage_members",
  "manage_scim_tokens",
  "create_scim_tokens",
  "change_sign_in_settings",
  "change_platform_overrides",
  "read_privacy",
  "manage_privacy",
  "read_analytics",
  "configure_analytics",
] as const;
export type AdminAction = (typeof ADMIN_ACTIONS)[number];

/** The rules of the table, by the code a refusal carries. */
export const POLICY_RULES = {
  identity_access_view_required: "Only Owners, the Primary Owner, and members with Identity & Access at view or manage may do this.",
  identity_access_manage_required: "Only Owners, the Primary Owner, and members whose custom role has Identity & Access at manage may do this.",
  owner_required: "Only Owners and the Primary Owner may do this.",
  primary_owner_required: "Only the Primary Owner may transfer primary ownership.",
  user_management_view_required: "Only role administrators and members with User Management at view or manage may list members.",
  user_management_manage_required: "Only Owners, the Primary Owner, members whose custom role has Identity & Access at manage, and members with User Management at manage may change who is in a manual group or manage members.",
  operator_only: "Platform overrides are the operator's contract; no member can change them.",
  privacy_view_required: "Only Owners, the Primary Owner, and members with Privacy at view or manage may see the privacy settings.",
  privacy_manage_required: "Only Owners, the Primary Owner, and members with Privacy at manage may change retention, export a member's personal data or erase a deleted member.",
  analytics_view_required: "Only Owners, the Primary Owner, and members with Analytics at view or manage may read analytics.",
  analytics_manage_required: "Only Owners, the Primary Owner, and members with Analytics at manage may change what analytics collects.",
} as const;
export type PolicyRule = keyof typeof POLICY_RULES;

/** The rule that decides each action: the code of its refusal. */
export const RULE_FOR: Readonly<Record<AdminAction, PolicyRule>> = {
  read_roles: "identity_access_view_required",
  edit_custom_roles: "identity_access_manage_required",
  edit_manual_groups: "identity_access_manage_required",
  edit_group_members: "user_management_manage_required",
  edit_standard_roles: "owner_required",
  toggle_org: "owner_required",
  transfer_primary_owner: "primary_owner_required",
  list_members: "user_management_view_required",
  manage_members: "user_management_manage_required",
  manage_scim_tokens: "identity_access_manage_required",
  create_scim_tokens: "owner_required",
  change_sign_in_settings: "owner_required",
  change_platform_overrides: "operator_only",
  read_privacy: "privacy_view_required",
  manage_privacy: "privacy_manage_required",
  read_analytics: "analytics_view_required",
  configure_analytics: "analytics_manage_required",
};

export type AllowedActions = Readonly<Record<AdminAction, boolean>>;

/**
 * What a member with these effective permissions may do. Inactive members resolve to no access, so
 * they may do nothing. Identity & Access at manage lets only *custom* members edit roles (as
 * `canEditRoles` says): a standard role's levels come from `standardRoles`, and editing roles is an
 * owner power that only a custom role can delegate; a standard role's view still lets one read.
 */
export function allowedActions(p: EffectivePermissions): AllowedActions {
  const owner = p.orgRole === "owner" || p.orgRole === "primary_owner";
  const readRoles = owner || levelRank(p.admin.identity_access) >= levelRank("view");
  const editRoles = canEditRoles(p);
  return {
    read_roles: readRoles,
    edit_custom_roles: editRoles,
    edit_manual_groups: editRoles,
    edit_group_members: editRoles || p.admin.user_management === "manage",
    edit_standard_roles: owner,
    toggle_org: owner,
    transfer_primary_owner: p.orgRole === "primary_owner",
    list_members: readRoles || levelRank(p.admin.user_management) >= levelRank("view"),
    manage_members: editRoles || p.admin.user_management === "manage",
    manage_scim_tokens: editRoles,
    create_scim_tokens: owner,
    change_sign_in_settings: owner,
    change_platform_overrides: false,
    read_privacy: owner || levelRank(p.admin.privacy) >= levelRank("view"),
    manage_privacy: owner || p.admin.privacy === "manage",
    read_analytics: owner || levelRank(p.admin.analytics) >= levelRank("view"),
    configure_analytics: owner || p.admin.analytics === "manage",
  };
}

/** Whether a member may attempt an admin action; a refusal names the rule of the table above. */
export type ActionDecision = { readonly allowed: true } | { readonly allowed: false; readonly rule: PolicyRule; readonly message: string };

export function judgeAction(p: EffectivePermissions, action: AdminAction): ActionDecision {
  if (allowedActions(p)[action]) return { allowed: true };
  const rule = RULE_FOR[action];
  return { allowed: false, rule, message: POLICY_RULES[rule] };
}
