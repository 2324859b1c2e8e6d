/**
 * The single evaluation of a member's access. It records why as it goes; `resolveMember` is this
 * with the reasons dropped, so the explanation can never disagree with the permissions in force.
 */
import { ownValue } from "./guards";
import { allAreasAt, levelRank, maxLevel } from "./levels";
import { describeMatch, matchRules } from "./match";
import type { RuleMatch } from "./match";
import { compareText, sortedUnique } from "./normalise";
import { AREAS } from "./types";
import type {
  Area, EffectivePermissions, Level, Mapping, MemberInput, OrgRole, PlatformOverrides, RoleDefinition, Toggles,
} from "./types";

export type { RuleMatch } from "./match";

/** A custom role the member holds, and the rules (by index) that gave it. */
export interface RoleGrant {
  role: string;
  rules: number[];
}

export type AreaSource =
  | { kind: "inactive" }
  | { kind: "owner"; orgRole: "primary_owner" | "owner" }
  | { kind: "standard_role"; orgRole: "admin" | "user" }
  | { kind: "custom_roles"; grants: Array<RoleGrant & { level: Level }> };

export interface AreaChain {
  level: Level;
  source: AreaSource;
  reason: string;
}

/** What the org toggle or the platform override did to one feature or connector. */
export interface LayerEffect {
  layer: "org" | "platform";
  setting: "on" | "off";
  /** Whether this layer changed the outcome of the layers below it. */
  changed: boolean;
  /** An org `off` that has no effect because the platform keeps the name on (always false for the platform layer). */
  overridden: boolean;
}

export interface GrantChain {
  name: string;
  granted: boolean;
  /** Before the layers: custom roles that list it, or the org having it on for a standard role. */
  base: { granted: boolean; via: "custom_roles" | "org_enabled" | "nothing"; roles: RoleGrant[] };
  layers: LayerEffect[];
  reason: string;
}

export interface Explanation extends EffectivePermissions {
  member: { id: string; userName: string; active: boolean };
  /** Set only for inactive members: why they have no access. */
  inactiveReason: string | null;
  orgRoleReason: string;
  matches: RuleMatch[];
  /** Custom roles the member's groups or app roles map to that do not apply because the org role is not custom. */
  customRolesNotApplied: { roles: string[]; reason: string } | null;
  chains: { admin: Record<Area, AreaChain>; capabilities: GrantChain[]; connectors: GrantChain[] };
}

const NO_PLATFORM: PlatformOverrides = { features: {}, connectors: {} };

export function explainMember(member: MemberInput, mapping: Mapping, platform: PlatformOverrides = NO_PLATFORM): Explanation {
  const matches = matchRules(member, mapping.rules);
  const { orgRole, reason: orgRoleReason } = deriveOrgRole(member, mapping, matches);
  const roleGrants = collectRoleGrants(matches);
  const appliedGrants = orgRole === "custom" ? roleGrants : [];
  const roleByName = new Map(mapping.roles.map((role) => [role.name, role]));
  const context: Context = { active: member.active, orgRole, appliedGrants, roleByName, mapping, platform, allGrants: roleGrants };

  const admin = Object.fromEntries(AREAS.map((area) => [area, areaChain(area, context)])) as Record<Area, AreaChain>;
  const capabilities = grantChains("capability", context);
  const connectors = grantChains("connector", context);
  const effectiveRole: OrgRole = member.active ? orgRole : "user";
  return {
    member: { id: member.id, userName: member.userName, active: member.active },
    orgRole: effectiveRole,
    admin: member.active ? mapAreas((area) => admin[area].level) : allAreasAt("none"),
    capabilities: grantedNames(capabilities),
    connectors: grantedNames(connectors),
    roles: member.active ? appliedGrants.map((grant) => grant.role) : [],
    inactiveReason: member.active
      ? null
      : member.suspended === true
        ? `${member.userName} is suspended by the organisation, so they have no access at all; reactivating them restores what their groups and app roles grant (they would be ${orgRole}).`
        : `${member.userName} is deactivated (active: false), so they have no access at all; reactivating them restores what their groups and app roles grant (they would be ${orgRole}).`,
    orgRoleReason,
    matches,
    customRolesNotApplied: notAppliedRoles(orgRole, roleGrants),
    chains: { admin, capabilities, connectors },
  };
}

interface Context {
  active: boolean;
  orgRole: OrgRole;
  /** Grants in force: empty unless the member is custom. */
  appliedGrants: RoleGrant[];
  /** Every grant from the member's groups and app roles, applied or not (for explaining). */
  allGrants: RoleGrant[];
  roleByName: Map<string, RoleDefinition>;
  mapping: Mapping;
  platform: PlatformOverrides;
}

/**
 * The product's order of org roles. An explicit `orgRole: user` does not block custom roles: `user` is the floor
 * every member already has, so naming it adds nothing and must not take roles away.
 */
function deriveOrgRole(member: MemberInput, mapping: Mapping, matches: readonly RuleMatch[]): { orgRole: OrgRole; reason: string } {
  if (mapping.primaryOwner !== "" && member.userName.toLowerCase() === mapping.primaryOwner.toLowerCase()) {
    return { orgRole: "primary_owner", reason: `${member.userName} is the Primary Owner named by \`primaryOwner\` in the mapping file; that role never comes from groups.` };
  }
  for (const standard of ["owner", "admin"] as const) {
    const granting = matches.filter((match) => match.orgRole === standard);
    if (granting.length > 0) {
      return { orgRole: standard, reason: `${capitalise(granting.map(describeMatch).join(" and "))} ${granting.length === 1 ? "maps" : "map"} the member to ${standard}, the highest standard role among their groups and app roles.` };
    }
  }
  const withRoles = matches.filter((match) => match.roles.length > 0);
  if (withRoles.length > 0) {
    return { orgRole: "custom", reason: `No rule maps the member to owner or admin, and ${withRoles.map(describeMatch).join(" and ")} grant${withRoles.length === 1 ? "s" : ""} custom roles, so the member is custom.` };
  }
  const explicitUser = matches.filter((match) => match.orgRole === "user");
  const because = explicitUser.length > 0 ? ` (${explicitUser.map(describeMatch).join(" and ")} map${explicitUser.length === 1 ? "s" : ""} to user)` : "";
  return {
    orgRole: "user",
    reason: matches.length === 0
      ? "No mapping rule matches any of the member's groups or app roles, so the member is user."
      : `No rule maps the member to owner, admin or a custom role${because}, so the member is user.`,
  };
}

function collectRoleGrants(matches: readonly RuleMatch[]): RoleGrant[] {
  const rulesByRole = new Map<string, Set<number>>();
  for (const match of matches) {
    for (const role of match.roles) {
      const rules = rulesByRole.get(role) ?? new Set<number>();
      rules.add(match.ruleIndex);
      rulesByRole.set(role, rules);
    }
  }
  return [...rulesByRole.entries()]
    .map(([role, rules]) => ({ role, rules: [...rules].sort((a, b) => a - b) }))
    .sort((a, b) => compareText(a.role, b.role));
}

function notAppliedRoles(orgRole: OrgRole, grants: readonly RoleGrant[]): Explanation["customRolesNotApplied"] {
  if (orgRole === "custom" || grants.length === 0) return null;
  const roles = grants.map((grant) => grant.role);
  const access = orgRole === "owner" || orgRole === "primary_owner" ? "which already manages every area" : "whose levels come from `standardRoles`";
  return {
    roles,
    reason: `The member's groups or app roles also map to custom role${roles.length === 1 ? "" : "s"} ${roles.map((role) => `'${role}'`).join(", ")}, but custom roles apply only to custom members; this member is ${orgRole}, ${access}, and gets capabilities and connectors the organisation has switched on.`,
  };
}

function areaChain(area: Area, context: Context): AreaChain {
  const { orgRole, mapping } = context;
  if (!context.active) return { level: "none", source: { kind: "inactive" }, reason: "Deactivated members have no access." };
  switch (orgRole) {
    case "primary_owner":
    case "owner":
      return { level: "manage", source: { kind: "owner", orgRole }, reason: `${orgRole === "owner" ? "Owners" : "The Primary Owner"} manage every area.` };
    case "admin":
    case "user": {
      const level = mapping.standardRoles[orgRole][area];
      return { level, source: { kind: "standard_role", orgRole }, reason: `${capitalise(orgRole)}s get ${level} in ${area} from \`standardRoles.${orgRole}\` (the built-in default unless the file sets it).` };
    }
    case "custom":
      return customAreaChain(area, context);
  }
}

function customAreaChain(area: Area, context: Context): AreaChain {
  const grants = context.appliedGrants
    .map((grant) => ({ ...grant, level: context.roleByName.get(grant.role)?.admin[area] ?? "none" }))
    .filter((grant) => grant.level !== "none");
  const level = grants.reduce<Level>((highest, grant) => maxLevel(highest, grant.level), "none");
  const reason = grants.length === 0
    ? `None of the member's roles (${context.appliedGrants.map((grant) => `'${grant.role}'`).join(", ")}) grants anything in ${area}.`
    : `${level} is the highest level granted in ${area} by ${grants
        .sort((a, b) => levelRank(b.level) - levelRank(a.level) || compareText(a.role, b.role))
        .map((grant) => `role '${grant.role}' (${grant.level}, via rule ${grant.rules.join(", ")})`)
        .join(" and ")}.`;
  return { level, source: { kind: "custom_roles", grants }, reason };
}

type GrantKind = "capability" | "connector";

function grantChains(kind: GrantKind, context: Context): GrantChain[] {
  const orgToggles = kind === "capability" ? context.mapping.org.features : context.mapping.org.connectors;
  const platformToggles = kind === "capability" ? context.platform.features : context.platform.connectors;
  const listed = (role: RoleDefinition): string[] => (kind === "capability" ? role.capabilities : role.connectors);
  const fromRoles = context.allGrants.flatMap((grant) => {
    const role = context.roleByName.get(grant.role);
    return role === undefined ? [] : listed(role);
  });
  const names = sortedUnique([...Object.keys(orgToggles), ...Object.keys(platformToggles), ...fromRoles]);
  // The applied grants listing each name, found in one pass: a member with thousands of roles and a
  // mapping with hundreds of toggles costs their sum, not their product.
  const listing = new Map<string, RoleGrant[]>();
  for (const grant of context.appliedGrants) {
    const role = context.roleByName.get(grant.role);
    for (const name of role === undefined ? [] : new Set(listed(role))) {
      const grants = listing.get(name);
      if (grants === undefined) listing.set(name, [grant]);
      else grants.push(grant);
    }
  }
  return names.map((name) => grantChain(kind, name, context, { orgToggles, platformToggles, listing }));
}

interface GrantSources {
  orgToggles: Toggles;
  platformToggles: Record<string, boolean>;
  /** The member's applied grants whose role lists the name, in grant order. */
  listing: ReadonlyMap<string, RoleGrant[]>;
}

/**
 * Layers, lowest first: the member's base grant (custom members: their roles; standard roles: the
 * org having it on), then the org toggle (`off` removes it for everyone; a name the org does not
 * mention is left alone, so a custom role may grant it), then the platform override. The platform
 * sits above the org: `off` removes it from everyone; `on` means the organisation cannot switch it
 * off, so standard-role members get it as if the org had it on, while custom members still get it
 * only through their roles.
 */
function grantChain(kind: GrantKind, name: string, context: Context, sources: GrantSources): GrantChain {
  const base = baseGrant(name, context, sources);
  const orgSetting = ownValue(sources.orgToggles, name);
  const platformSetting = ownValue(sources.platformToggles, name);
  const withoutPlatform = base.granted && orgSetting !== false;
  const layers: LayerEffect[] = [];
  if (orgSetting === false) {
    const overridden = platformSetting === true;
    layers.push({ layer: "org", setting: "off", changed: !overridden && base.granted, overridden });
  }
  let granted = withoutPlatform;
  if (platformSetting !== undefined) {
    granted = platformSetting && (context.orgRole === "custom" ? base.granted : true);
    layers.push({ layer: "platform", setting: platformSetting ? "on" : "off", changed: granted !== withoutPlatform, overridden: false });
  }
  if (!context.active) {
    return { name, granted: false, base, layers, reason: `Deactivated members have no ${kind === "capability" ? "capabilities" : "connectors"}.` };
  }
  return { name, granted, base, layers, reason: grantReason(kind, name, granted, base, layers, context) };
}

function baseGrant(name: string, context: Context, sources: GrantSources): GrantChain["base"] {
  if (context.orgRole === "custom") {
    const roles = sources.listing.get(name) ?? [];
    return { granted: roles.length > 0, via: roles.length > 0 ? "custom_roles" : "nothing", roles };
  }
  const on = ownValue(sources.orgToggles, name) === true;
  return { granted: on, via: on ? "org_enabled" : "nothing", roles: [] };
}

function grantReason(kind: GrantKind, name: string, granted: boolean, base: GrantChain["base"], layers: readonly LayerEffect[], context: Context): string {
  const noun = `The ${kind} '${name}'`;
  const toggles = `\`org.${kind === "capability" ? "features" : "connectors"}\``;
  const platform = layers.find((layer) => layer.layer === "platform");
  const org = layers.find((layer) => layer.layer === "org");
  if (platform?.setting === "off") {
    return `${noun} is forced off by the platform (the operator's contract), which beats the organisation's toggles and roles${platform.changed ? "" : "; it would have been denied anyway"}.`;
  }
  if (platform?.setting === "on") {
    const orgIgnored = org?.overridden === true ? ` ${toggles} switches it off, but the organisation cannot while the platform keeps it on.` : "";
    if (context.orgRole !== "custom") {
      return `${noun} is kept on by the platform (the operator's contract), and ${context.orgRole} is a standard role, which gets what is on.${orgIgnored}`;
    }
    return granted
      ? `${noun} is granted by ${rolesText(base)}; the platform keeps it on, so the organisation cannot switch it off.${orgIgnored}`
      : `${noun} is kept on by the platform, but custom members get it only through their roles, and none of the member's roles lists it.`;
  }
  if (org !== undefined) {
    return `${noun} is switched off for everyone by ${toggles}${org.changed ? ", although the member would otherwise have it" : ""}.`;
  }
  if (base.via === "custom_roles") return `${noun} is granted by ${rolesText(base)}.`;
  if (base.via === "org_enabled") {
    return `${noun} is switched on for the organisation, and ${context.orgRole} is a standard role, which gets everything the organisation has on.`;
  }
  if (context.orgRole === "custom") return `${noun} is not listed by any of the member's roles.`;
  const unapplied = context.allGrants.length > 0 ? ` Custom roles that list it do not apply to ${context.orgRole} members.` : "";
  return `${noun} is not switched on for the organisation, and standard roles get only what the organisation has on.${unapplied}`;
}

function rolesText(base: GrantChain["base"]): string {
  return `role${base.roles.length === 1 ? "" : "s"} ${base.roles.map((grant) => `'${grant.role}' (via rule ${grant.rules.join(", ")})`).join(" and ")}`;
}

function grantedNames(chains: readonly GrantChain[]): string[] {
  return chains.filter((chain) => chain.granted).map((chain) => chain.name);
}

function mapAreas(level: (area: Area) => Level): Record<Area, Level> {
  return Object.fromEntries(AREAS.map((area) => [area, level(area)])) as Record<Area, Level>;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
