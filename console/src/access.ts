/**
 * What the signed-in member may see and change, section by section, from `GET /me` — the product's
 * rule for every admin area: no access hides the section, view shows it with its controls
 * disabled, manage makes it editable. The server decides each write again; this only shapes the page.
 */
import type { Me } from "./api/types";

export type SectionLevel = "none" | "view" | "manage";
export const SECTIONS = [
  "roles",
  "groups",
  "members",
  "organisation",
  "audit",
  "analytics",
] as const;
export type Section = (typeof SECTIONS)[number];
/** Sections with something to change; the others only ever show, so "view only" would say nothing. */
export const EDITABLE: Readonly<Record<Section, boolean>> = {
  roles: true,
  groups: true,
  members: false,
  organisation: true,
  audit: false,
  analytics: true,
};

export interface Access {
  readonly sections: Readonly<Record<Section, SectionLevel>>;
  /** What each kind of edit needs beyond its section being visible. */
  readonly may: Me["may"];
  /** The file that manages the role mapping: mapping edits are made there, not here. */
  readonly managedByFile: string | null;
}

export function accessOf(me: Me): Access {
  const { may } = me;
  const level = (visible: boolean, editable: boolean): SectionLevel => (!visible ? "none" : editable ? "manage" : "view");
  return {
    sections: {
      roles: level(may.read_roles, may.edit_custom_roles),
      groups: level(may.read_roles, may.edit_manual_groups),
      members: level(may.list_members, false),
      organisation: level(may.read_roles, may.toggle_org || may.manage_scim_tokens),
      audit: level(may.read_roles, false),
      analytics: level(may.read_analytics, may.configure_analytics),
    },
    may,
    managedByFile: me.org.managedByFile,
  };
}

export function hasAnyAccess(access: Access): boolean {
  return Object.values(access.sections).some((level) => level !== "none");
}

/**
 * Why a mapping edit control is disabled, or null when it is enabled: the file that manages the
 * mapping, else the rule the member does not meet (the policy's own wording).
 */
export function mappingEditBlock(access: Access, allowed: boolean, rule: string): string | null {
  if (access.managedByFile !== null) return `The role mapping is managed by the file ${access.managedByFile}: change it there. Edits here are disabled.`;
  return allowed ? null : rule;
}

export const RULES = {
  editRoles: "Only Owners, the Primary Owner and members whose custom role has Identity & Access at Manage can change roles. You can view them.",
  editGroups: "Only Owners, the Primary Owner and members whose custom role has Identity & Access at Manage can create or delete manual groups.",
  groupMembers: "Changing who is in a manual group grants or takes what its rules give: Owners may change any; members whose custom role has Identity & Access at Manage, groups whose rules give no owner or admin; members with User Management at Manage, groups whose rules give features only.",
  standardGroup: "This group's rules give owner or admin: only Owners and the Primary Owner can change who is in it.",
  toggles: "Only Owners and the Primary Owner can switch features and connectors.",
  scimTokens: "Only Owners and the Primary Owner can create or rotate SCIM tokens: whoever holds one can make anyone an Owner through the identity provider's connection. Members whose custom role has Identity & Access at Manage can revoke them.",
} as const;
