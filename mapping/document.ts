/**
 * The way back to a file: a normalised {@link Mapping} as the document a mapping file holds, so that
 * parsing the document again yields the same mapping and the same hash (export, the admin API's
 * GET, a rollback's text). Defaults are written out, so the document does not depend on them.
 */
import { stringify } from "yaml";
import { AREAS } from "./types";
import type { AreaLevels, Mapping, MappingRule, RoleDefinition, Toggles } from "./types";
import { ruleTargetDocument } from "./rules";

/** A mapping file's content as plain JSON: what `parseMapping` reads. */
export type MappingDocument = Record<string, unknown>;

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

export function roleDocument(role: RoleDefinition): Record<string, unknown> {
  return {
    ...(role.displayName === undefined ? {} : { displayName: role.displayName }),
    ...(role.description === null ? {} : { description: role.description }),
    admin: grantedAreas(role.admin),
    capabilities: [...role.capabilities],
    connectors: [...role.connectors],
  };
}

export function ruleDocument(rule: MappingRule): Record<string, unknown> {
  return {
    id: rule.id,
    ...ruleTargetDocument(rule),
    // `roles: []` without `orgRole` is refused as granting nothing; with one it says nothing.
    ...(rule.roles.length > 0 || rule.orgRole === null ? { roles: [...rule.roles] } : {}),
    ...(rule.orgRole === null ? {} : { orgRole: rule.orgRole }),
  };
}

function toggleDocument(toggles: Toggles): Record<string, "on" | "off"> {
  return Object.fromEntries(Object.entries(toggles).map(([name, on]) => [name, on ? "on" : "off"]));
}

/** Only the areas above none: an `admin` block lists what it grants. */
function grantedAreas(levels: AreaLevels): Record<string, string> {
  return Object.fromEntries(AREAS.filter((area) => levels[area] !== "none").map((area) => [area, levels[area]]));
}
