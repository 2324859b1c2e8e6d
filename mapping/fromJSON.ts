/**
 * The way back from storage: a normalised {@link Mapping} or a member's
 * {@link EffectivePermissions} that was written to a JSON column is checked field by field before
 * use, because a column can be edited by hand or written by an older version. (The original file
 * text, if kept, can instead be re-read with `parseMapping`.)
 */
import { isLevel, isOrgRole, isStandardOrgRole, isStringArray } from "./guards";
import { isObject } from "./json";
import { allAreasAt } from "./levels";
import { assignRuleIds, ruleTargetKey } from "./rules";
import { AREAS, MATCHER_KINDS } from "./types";
import type { AreaLevels, EffectivePermissions, GroupMatcher, Mapping, MappingRule, MatcherKind, RoleDefinition, RuleSource, Toggles } from "./types";

export class StoredMappingError extends Error {
  readonly code = "stored_mapping_invalid";
  constructor(readonly problems: readonly string[]) {
    super(`Stored mapping is not a valid normalised mapping: ${problems.join("; ")}`);
    this.name = "StoredMappingError";
  }
}

export function mappingFromJSON(value: unknown): Mapping {
  const problems: string[] = [];
  const need = <T>(ok: boolean, result: T, problem: string): T => {
    if (!ok) problems.push(problem);
    return result;
  };
  const root = isObject(value) ? value : need<Record<string, unknown>>(false, {}, "not an object");
  const org = isObject(root["org"]) ? root["org"] : need<Record<string, unknown>>(false, {}, "org is not an object");
  const standard = isObject(root["standardRoles"]) ? root["standardRoles"] : need<Record<string, unknown>>(false, {}, "standardRoles is not an object");
  const mapping: Mapping = {
    version: need(root["version"] === 1, 1, "version is not 1"),
    primaryOwner: typeof root["primaryOwner"] === "string" && root["primaryOwner"] !== "" ? root["primaryOwner"] : need(false, "", "primaryOwner is not a non-empty string"),
    org: { features: toggles(org["features"], "org.features", problems), connectors: toggles(org["connectors"], "org.connectors", problems) },
    standardRoles: { admin: levels(standard["admin"], "standardRoles.admin", problems), user: levels(standard["user"], "standardRoles.user", problems) },
    roles: Array.isArray(root["roles"]) ? root["roles"].map((role, i) => roleDefinition(role, `roles[${i}]`, problems)) : need(false, [], "roles is not a list"),
    rules: Array.isArray(root["rules"]) ? withStoredIds(root["rules"].map((rule, i) => mappingRule(rule, i, problems))) : need(false, [], "rules is not a list"),
  };
  if (new Set(mapping.rules.map((rule) => rule.id)).size !== mapping.rules.length) problems.push("a rule id is used twice");
  const defined = new Set(mapping.roles.map((role) => role.name));
  if (defined.size !== mapping.roles.length) problems.push("a role name is defined twice");
  for (const rule of mapping.rules) {
    for (const role of rule.roles) if (!defined.has(role)) problems.push(`rules[${rule.index}] uses undefined role '${role}'`);
  }
  if (problems.length > 0) throw new StoredMappingError(problems);
  return mapping;
}

export class StoredPermissionsError extends Error {
  readonly code = "stored_permissions_invalid";
  constructor(readonly problems: readonly string[]) {
    super(`Stored permissions are not valid effective permissions: ${problems.join("; ")}`);
    this.name = "StoredPermissionsError";
  }
}

/**
 * A member's materialised permissions as stored by the role-mapping service. The authorize API
 * decodes one per request and a mapping change one per member, so a valid value takes the short
 * path; the problems are listed only for an invalid one.
 */
export function permissionsFromJSON(value: unknown): EffectivePermissions {
  if (isObject(value)) {
    const { orgRole, capabilities, connectors, roles } = value;
    const admin = areaLevels(value["admin"]);
    if (isOrgRole(orgRole) && admin !== null && isStringArray(capabilities) && isStringArray(connectors) && isStringArray(roles)) {
      return { orgRole, admin, capabilities, connectors, roles };
    }
  }
  throw new StoredPermissionsError(permissionProblems(value));
}

/** A level for every area, and nothing else; null when one is missing or unknown. */
function areaLevels(value: unknown): AreaLevels | null {
  if (!isObject(value)) return null;
  const result = allAreasAt("none");
  for (const area of AREAS) {
    const level = value[area];
    if (!isLevel(level)) return null;
    result[area] = level;
  }
  return result;
}

function permissionProblems(value: unknown): string[] {
  const problems: string[] = [];
  const root = isObject(value) ? value : {};
  if (!isObject(value)) problems.push("not an object");
  if (!isOrgRole(root["orgRole"])) problems.push("orgRole is not a known org role");
  for (const name of ["capabilities", "connectors", "roles"]) if (!isStringArray(root[name])) problems.push(`${name} is not a list of strings`);
  levels(root["admin"], "admin", problems);
  return problems;
}

function toggles(value: unknown, where: string, problems: string[]): Toggles {
  if (!isObject(value) || !Object.values(value).every((setting) => typeof setting === "boolean")) {
    problems.push(`${where} is not a map of booleans`);
    return {};
  }
  return Object.fromEntries(Object.entries(value).map(([name, setting]) => [name, setting === true]));
}

function levels(value: unknown, where: string, problems: string[]): AreaLevels {
  const record = isObject(value) ? value : {};
  const result = Object.fromEntries(AREAS.map((area) => [area, isLevel(record[area]) ? record[area] : "none"])) as AreaLevels;
  if (!isObject(value) || !AREAS.every((area) => isLevel(record[area]))) problems.push(`${where} does not give a level for every area`);
  return result;
}

function roleDefinition(value: unknown, where: string, problems: string[]): RoleDefinition {
  const role = isObject(value) ? value : {};
  if (typeof role["name"] !== "string" || role["name"] === "") problems.push(`${where}.name is not a non-empty string`);
  if (!isStringArray(role["capabilities"]) || !isStringArray(role["connectors"])) problems.push(`${where} capabilities/connectors are not lists of strings`);
  const description = role["description"];
  if (description !== null && typeof description !== "string") problems.push(`${where}.description is neither text nor null`);
  const displayName = role["displayName"];
  if (displayName !== undefined && typeof displayName !== "string") problems.push(`${where}.displayName is present but not text`);
  return {
    name: typeof role["name"] === "string" ? role["name"] : "",
    ...(typeof displayName === "string" ? { displayName } : {}),
    description: typeof description === "string" ? description : null,
    admin: levels(role["admin"], `${where}.admin`, problems),
    capabilities: isStringArray(role["capabilities"]) ? [...role["capabilities"]] : [],
    connectors: isStringArray(role["connectors"]) ? [...role["connectors"]] : [],
  };
}

type StoredRule = Omit<MappingRule, "id"> & { storedId: string | null };

/** Mappings stored before rules had ids get the ids their file would get today. */
function withStoredIds(rules: readonly StoredRule[]): MappingRule[] {
  const ids = assignRuleIds(rules.map((rule) => ({ id: rule.storedId, targetKey: ruleTargetKey(rule) })));
  return rules.map(({ storedId: _stored, ...rule }, i) => ({ id: ids[i] ?? "", ...rule }));
}

function mappingRule(value: unknown, position: number, problems: string[]): StoredRule {
  const where = `rules[${position}]`;
  const rule = isObject(value) ? value : {};
  if (rule["index"] !== position) problems.push(`${where}.index is not ${position}`);
  const id = rule["id"];
  if (id !== undefined && (typeof id !== "string" || id === "")) problems.push(`${where}.id is not a non-empty string`);
  if (!isStringArray(rule["roles"])) problems.push(`${where}.roles is not a list of strings`);
  const orgRole = rule["orgRole"];
  if (orgRole !== null && !isStandardOrgRole(orgRole)) problems.push(`${where}.orgRole is not owner, admin, user or null`);
  return {
    storedId: typeof id === "string" && id !== "" ? id : null,
    index: position,
    source: ruleSource(rule, where, problems),
    roles: isStringArray(rule["roles"]) ? [...rule["roles"]] : [],
    orgRole: isStandardOrgRole(orgRole) ? orgRole : null,
  };
}

/** `source` as stored now; a rule stored before app-role rules existed has `group` (a matcher) instead. */
function ruleSource(rule: Record<string, unknown>, where: string, problems: string[]): RuleSource {
  if (!("source" in rule) && "group" in rule) return { kind: "group", matcher: matcher(rule["group"], `${where}.group`, problems) };
  const source = isObject(rule["source"]) ? rule["source"] : {};
  switch (source["kind"]) {
    case "group":
      return { kind: "group", matcher: matcher(source["matcher"], `${where}.source.matcher`, problems) };
    case "appRole": {
      const value = source["value"];
      if (typeof value === "string" && value !== "") return { kind: "appRole", value };
      problems.push(`${where}.source.value is not a non-empty string`);
      return { kind: "appRole", value: "" };
    }
    default:
      problems.push(`${where}.source is not { kind: group, matcher } or { kind: appRole, value }`);
      return { kind: "appRole", value: "" };
  }
}

function matcher(value: unknown, where: string, problems: string[]): GroupMatcher {
  const group = isObject(value) ? value : {};
  const kind = group["kind"];
  const matched = group["value"];
  if (!isMatcherKind(kind) || typeof matched !== "string" || matched === "") {
    problems.push(`${where} is not { kind: ${MATCHER_KINDS.join("|")}, value: text }`);
    return { kind: "id", value: "" };
  }
  return { kind, value: matched };
}

function isMatcherKind(value: unknown): value is MatcherKind {
  return typeof value === "string" && (MATCHER_KINDS as readonly string[]).includes(value);
}
