/**
 * The way back to a file: a normalised {@link Mapping} as the document a mapping file holds, so that
 * parsing the document again yields the same mapping and the same hash (export, the admin API's
 * GET, a rollback's text). Defaults are written out, so the document does not depend on them.
 *
 * The types below are the shape mapping.schema.json gives a file, as this module writes it (every
 * part present, toggles as on/off); the API's OpenAPI document publishes that schema for them, and
 * its tests check every document the API answers against it.
 */
import { stringify } from "yaml";
import { AREAS } from "./types";
import type { Area, AreaLevels, Level, Mapping, MappingRule, RoleDefinition, StandardOrgRole, Toggles } from "./types";
import { ruleTargetDocument } from "./rules";

export type ToggleSetting = "on" | "off";
/** The areas a role grants above none; an area left out is none. */
export type AreaLevelsDocument = Partial<Record<Area, Level>>;

/** A custom role as a mapping file writes it; `displayName` is the name people read, beside the key rules use. */
export type RoleDocument = {
  displayName?: string;
  description?: string;
  admin: AreaLevelsDocument;
  capabilities: string[];
  connectors: string[];
};

/** What a rule matches: one group (by one matcher: id, externalId, displayName or manual) or one app role. */
export type RuleTargetDocument = ReturnType<typeof ruleTargetDocument>;

/** A rule as a mapping file writes it, with its stable id. */
export type RuleDocument = RuleTargetDocument & {
  id: string;
  roles?: string[];
  orgRole?: StandardOrgRole;
};

export type OrgDocument = {
  features: Record<string, ToggleSetting>;
  connectors: Record<string, ToggleSetting>;
};

/** A mapping file's content as plain JSON: what `parseMapping` reads. */
export type MappingDocument = {
  version: 1;
  primaryOwner: string;
  org: OrgDocument;
  standardRoles: { admin: { admin: AreaLevelsDocument }; user: { admin: AreaLevelsDocument } };
  roles: Record<string, RoleDocument>;
  mappings: RuleDocument[];
};

export function mappingToDocument(mapping: Mapping): MappingDocument {
  return {
    version: mapping.version,
    primaryOwner: mapping.primaryOwner,
    org: { features: toggleDocument(mapping.org.features), connectors: toggleDocument(mapping.org.connectors) },
    standardRoles: {
      admin: { admin: grantedAreas(mapping.standardRoles.admin) },
      user: { admin: grantedAreas(mapping.standardRoles.user) },
    },
    roles: Object.fromEntries(mapping.roles.map((role) => [role.name, roleDocument(role)])),
    mappings: mapping.rules.map(ruleDocument),
  };
}

/** The document as YAML, for files and people. */
export function mappingToYaml(mapping: Mapping): string {
  return stringify(mappingToDocument(mapping), { lineWidth: 0 });
}

export function roleDocument(role: RoleDefinition): RoleDocument {
  return {
    ...(role.displayName === undefined ? {} : { displayName: role.displayName }),
    ...(role.description === null ? {} : { description: role.description }),
    admin: grantedAreas(role.admin),
    capabilities: [...role.capabilities],
    connectors: [...role.connectors],
  };
}

export function ruleDocument(rule: MappingRule): RuleDocument {
  return {
    id: rule.id,
    ...ruleTargetDocument(rule),
    // `roles: []` without `orgRole` is refused as granting nothing; with one it says nothing.
    ...(rule.roles.length > 0 || rule.orgRole === null ? { roles: [...rule.roles] } : {}),
    ...(rule.orgRole === null ? {} : { orgRole: rule.orgRole }),
  };
}

function toggleDocument(toggles: Toggles): Record<string, ToggleSetting> {
  return Object.fromEntries(Object.entries(toggles).map(([name, on]) => [name, on ? "on" : "off"]));
}

/** Only the areas above none: an `admin` block lists what it grants. */
function grantedAreas(levels: AreaLevels): AreaLevelsDocument {
  const granted: AreaLevelsDocument = {};
  for (const area of AREAS) if (levels[area] !== "none") granted[area] = levels[area];
  return granted;
}
