/**
 * What the signed-in member may see and change, section by section, from `GET /me` — the product's
 * rule for every admin area: no access hides the section, view shows it with its controls
 * disabled, manage makes it editable. The server decides each write again; this only shapes the page.
 *
 * Every section is one row of {@link SECTION_TABLE}: its title, the admin area it belongs to (the
 * navigation groups sections by area, in the product's order), whether it has controls that "view
 * only" disables, and the member's level in it. A new section is a new row (and its route and page).
 */
import type { Area, Me } from "./api/types";

export type SectionLevel = "none" | "view" | "manage";

export interface SectionSpec {
  readonly title: string;
  /** The admin area the section belongs to; null: the member's own (My access), listed first. */
  readonly area: Area | null;
  /** Sections with something to change; the others only ever show, so "view only" would say nothing. */
  readonly editable: boolean;
  readonly level: (me: Me) => SectionLevel;
}

const levelOf = (visible: boolean, editable: boolean): SectionLevel => (!visible ? "none" : editable ? "manage" : "view");

/** In the order the navigation lists them within their area. */
export const SECTION_TABLE = {
  access: { title: "My access", area: null, editable: false, level: () => "view" },
  roles: { title: "Roles", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.edit_custom_roles) },
  groups: { title: "Groups", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.edit_manual_groups) },
  organisation: { title: "Organisation", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.toggle_org || may.manage_scim_tokens) },
  sso: { title: "Single sign-on", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.change_sign_in_settings) },
  scim: { title: "SCIM", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.create_scim_tokens || may.manage_scim_tokens) },
  authentication: { title: "Authentication", area: "identity_access", editable: true, level: ({ may }) => levelOf(may.read_roles, may.change_sign_in_settings) },
  audit: { title: "Audit", area: "identity_access", editable: false, level: ({ may }) => levelOf(may.read_roles, false) },
  activity: { title: "Admin activity", area: "identity_access", editable: false, level: ({ may }) => levelOf(may.read_roles, false) },
  members: { title: "Members", area: "user_management", editable: true, level: ({ may }) => levelOf(may.list_members, may.manage_members) },
  analytics: { title: "Analytics", area: "analytics", editable: true, level: ({ may }) => levelOf(may.read_analytics, may.configure_analytics) },
  privacy: { title: "Privacy", area: "privacy", editable: true, level: ({ may }) => levelOf(may.read_privacy, may.manage_privacy) },
} as const satisfies Record<string, SectionSpec>;

export type Section = keyof typeof SECTION_TABLE;
export const SECTIONS = Object.keys(SECTION_TABLE) as Section[];
export const EDITABLE: Readonly<Record<Section, boolean>> = mapSections((s) => SECTION_TABLE[s].editable);

/** A section the product serves itself (CONSOLE_SECTIONS): a link, shown by the member's level in its area. */
export type ProductSection = Me["productSections"][number];

export interface Access {
  readonly sections: Readonly<Record<Section, SectionLevel>>;
  /** What each kind of edit needs beyond its section being visible. */
  readonly may: Me["may"];
  /** The file that manages the role mapping: mapping edits are made there, not here. */
  readonly managedByFile: string | null;
  /** The product's own sections the member may open (none-level ones are not listed by the server). */
  readonly productSections: readonly ProductSection[];
}

export function accessOf(me: Me): Access {
  return { sections: mapSections((s) => (SECTION_TABLE[s] as SectionSpec).level(me)), may: me.may, managedByFile: me.org.managedByFile, productSections: me.productSections };
}

/** Whether any admin section (beyond the member's own My access) or product section is open to the member. */
export function hasAnyAccess(access: Access): boolean {
  return SECTIONS.some((s) => SECTION_TABLE[s].area !== null && access.sections[s] !== "none") || access.productSections.length > 0;
}

function mapSections<T>(value: (section: Section) => T): Record<Section, T> {
  return Object.fromEntries(SECTIONS.map((s) => [s, value(s)])) as Record<Section, T>;
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
  manageMembers: "Only Owners, the Primary Owner, members whose custom role has Identity & Access at Manage, and members with User Management at Manage can add, remove, suspend or sign out members. You can view them.",
  memberGrant: "User Management at Manage may change only members whose every right is within its own grant (features and connectors, no admin area); Owners may change anyone but the Primary Owner.",
  toggles: "Only Owners and the Primary Owner can switch features and connectors.",
  privacy: "Only Owners, the Primary Owner and members with Privacy at Manage can change retention, export another member's personal data or erase a deleted member. You can view the settings.",
  signIn: "Only Owners and the Primary Owner can change how members sign in: whoever controls the identity provider can sign in as anyone.",
  sessionLimits: "Only Owners and the Primary Owner can change the console's session limits.",
  scimTokens: "Only Owners and the Primary Owner can create or rotate SCIM tokens: whoever holds one can make anyone an Owner through the identity provider's connection. Members whose custom role has Identity & Access at Manage can revoke them.",
} as const;
