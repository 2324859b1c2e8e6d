/**
 * A file that passed validation → the normalised {@link Mapping}. Lists that are sets (a role's
 * capabilities, a rule's roles) are de-duplicated and sorted, and role definitions are sorted by
 * name, so reordering them in the file does not change the mapping or its hash. Rules keep file
 * order because explanations cite them by index.
 */
import { isStringArray } from "./guards";
import { isObject } from "./json";
import { DEFAULT_ADMIN_LEVELS, DEFAULT_USER_LEVELS, completeAreaLevels } from "./levels";
import { isLevel, isStandardOrgRole } from "./guards";
import { assignRuleIds, ruleTargetKey } from "./rules";
import { MATCHER_KINDS } from "./types";
import type { AreaLevels, GroupMatcher, Level, Mapping, MappingRule, RoleDefinition, RuleSource, Toggles } from "./types";

export function normaliseMapping(raw: Record<string, unknown>): Mapping {
  const org = isObject(raw["org"]) ? raw["org"] : {};
  const standard = isObject(raw["standardRoles"]) ? raw["standardRoles"] : {};
  const roles = isObject(raw["roles"]) ? raw["roles"] : {};
  const rules = Array.isArray(raw["mappings"]) ? raw["mappings"] : [];
  return {
    version: 1,
    primaryOwner: typeof raw["primaryOwner"] === "string" ? raw["primaryOwner"] : "",
    org: { features: toToggles(org["features"]), connectors: toToggles(org["connectors"]) },
    standardRoles: {
      admin: standardLevels(standard["admin"], DEFAULT_ADMIN_LEVELS),
      user: standardLevels(standard["user"], DEFAULT_USER_LEVELS),
    },
    roles: Object.entries(roles)
      .map(([name, role]) => toRole(name, role))
      .sort((a, b) => compareText(a.name, b.name)),
    rules: withIds(rules.map(toRule)),
  };
}

type RuleWithoutId = Omit<MappingRule, "id"> & { explicitId: string | null };

function withIds(rules: readonly RuleWithoutId[]): MappingRule[] {
  const ids = assignRuleIds(rules.map((rule) => ({ id: rule.explicitId, targetKey: ruleTargetKey(rule) })));
  return rules.map(({ explicitId: _explicit, ...rule }, i) => ({ id: ids[i] ?? "", ...rule }));
}

export function sortedUnique(values: readonly string[]): string[] {
  return [...new Set(values)].sort(compareText);
}

/** Code-unit order: deterministic and locale-independent. */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function toToggles(value: unknown): Toggles {
  if (!isObject(value)) return {};
  // Object.fromEntries defines own properties, so a key like `__proto__` stays plain data.
  return Object.fromEntries(Object.entries(value).map(([name, toggle]) => [name, toggle === "on" || toggle === true]));
}

/** A present `admin` block is the whole answer (unlisted areas are none); absent → the defaults. */
function standardLevels(value: unknown, defaults: Readonly<AreaLevels>): AreaLevels {
  if (!isObject(value) || !isObject(value["admin"])) return { ...defaults };
  return toAreaLevels(value["admin"]);
}

function toAreaLevels(value: unknown): AreaLevels {
  const partial: Partial<Record<string, Level>> = {};
  if (isObject(value)) {
    for (const [area, level] of Object.entries(value)) if (isLevel(level)) partial[area] = level;
  }
  return completeAreaLevels(partial);
}

function toRole(name: string, value: unknown): RoleDefinition {
  const role = isObject(value) ? value : {};
  return {
    name,
    ...(typeof role["displayName"] === "string" ? { displayName: role["displayName"] } : {}),
    description: typeof role["description"] === "string" ? role["description"] : null,
    admin: toAreaLevels(role["admin"]),
    capabilities: isStringArray(role["capabilities"]) ? sortedUnique(role["capabilities"]) : [],
    connectors: isStringArray(role["connectors"]) ? sortedUnique(role["connectors"]) : [],
  };
}

function toRule(value: unknown, index: number): RuleWithoutId {
  const rule = isObject(value) ? value : {};
  return {
    explicitId: typeof rule["id"] === "string" ? rule["id"] : null,
    index,
    source: toSource(rule),
    roles: isStringArray(rule["roles"]) ? sortedUnique(rule["roles"]) : [],
    orgRole: isStandardOrgRole(rule["orgRole"]) ? rule["orgRole"] : null,
  };
}

function toSource(rule: Record<string, unknown>): RuleSource {
  const appRole = rule["appRole"];
  if (isObject(appRole) && typeof appRole["value"] === "string") return { kind: "appRole", value: appRole["value"] };
  return { kind: "group", matcher: toMatcher(rule["group"]) };
}

function toMatcher(value: unknown): GroupMatcher {
  const group = isObject(value) ? value : {};
  for (const kind of MATCHER_KINDS) {
    const matched = group[kind];
    if (typeof matched === "string") return { kind, value: matched };
  }
  return { kind: "id", value: "" };
}

/**
 * The mapping in force before an organisation has one: no rules, no toggles, default standard
 * levels, and no Primary Owner (`""` matches no one). Every member resolves to `user`.
 */
export function emptyMapping(): Mapping {
  return {
    version: 1,
    primaryOwner: "",
    org: { features: {}, connectors: {} },
    standardRoles: { admin: { ...DEFAULT_ADMIN_LEVELS }, user: { ...DEFAULT_USER_LEVELS } },
    roles: [],
    rules: [],
  };
}
