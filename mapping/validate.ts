/**
 * Checks the schema cannot express: references between parts of the file, and warnings. Runs on
 * the raw parsed value even when the schema already failed, so one run reports every problem;
 * every access is guarded because nothing about the value is known yet.
 */
import { isStringArray } from "./guards";
import { isObject } from "./json";
import { MAPPING_LIMITS } from "./limits";
import { closestMatch, didYouMean } from "./suggest";
import { describePath, issueAt } from "./source";
import type { SourceDocument } from "./source";
import type { MappingIssue } from "./types";
import { knownNames } from "./vocabulary";

export interface SemanticResult {
  errors: MappingIssue[];
  warnings: MappingIssue[];
}

/**
 * "Did you mean" compares a name with every candidate: it is offered for this many issues of each
 * check, so a file with thousands of mistakes costs in proportion to its size, not their product.
 */
const MAX_HINTS = 20;

/** didYouMean while the budget lasts, then nothing. */
function hinter(): (input: string, candidates: readonly string[]) => string {
  let left = MAX_HINTS;
  return (input, candidates) => (left-- > 0 ? didYouMean(input, candidates) : "");
}

export function checkSemantics(source: SourceDocument): SemanticResult {
  const root = isObject(source.value) ? source.value : {};
  const roles = isObject(root["roles"]) ? root["roles"] : {};
  const rules = Array.isArray(root["mappings"]) ? root["mappings"] : [];
  const roleNames = Object.keys(roles);
  return {
    errors: [
      ...tooMany(source, roleNames, rules, root["org"]),
      ...undefinedRoles(source, rules, roleNames),
      ...emptyRules(source, rules),
      ...duplicateRuleIds(source, rules),
      ...unknownGrants(source, roles, root["org"]),
    ],
    warnings: [
      ...unusedRoles(source, rules, roleNames),
      ...displayNameMatchers(source, rules),
      ...listsSwitchedOff(source, roles, root["org"]),
    ],
  };
}

/**
 * MAPPING_LIMITS, each reported once, at the first item past it: the admin API, the CLI and mapping
 * files all come through here, so no organisation holds a mapping larger than the limits.
 */
function tooMany(source: SourceDocument, roleNames: readonly string[], rules: readonly unknown[], org: unknown): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const { maxRoles, maxRules, maxRuleRoles, maxToggles } = MAPPING_LIMITS;
  const firstRoleOver = roleNames[maxRoles];
  if (firstRoleOver !== undefined) {
    issues.push(issueAt(source, ["roles", firstRoleOver], "too_many",
      `The mapping defines ${roleNames.length} roles; at most ${maxRoles} are allowed per organisation, and '${firstRoleOver}' is number ${maxRoles + 1}.`, "key"));
  }
  if (rules.length > maxRules) {
    issues.push(issueAt(source, ["mappings", maxRules], "too_many", `The mapping has ${rules.length} rules; at most ${maxRules} are allowed per organisation, and mappings[${maxRules}] is the first one past it.`));
  }
  let granted = 0;
  for (const [index, rule] of rules.entries()) {
    const names = isObject(rule) && Array.isArray(rule["roles"]) ? rule["roles"] : [];
    if (granted + names.length > maxRuleRoles) {
      const total = rules.reduce<number>((sum, r) => sum + (isObject(r) && Array.isArray(r["roles"]) ? r["roles"].length : 0), 0);
      issues.push(issueAt(source, ["mappings", index, "roles", maxRuleRoles - granted], "too_many",
        `The rules list ${total} role names in all; at most ${maxRuleRoles} are allowed per organisation, and mappings[${index}].roles[${maxRuleRoles - granted}] is the first one past it.`));
      break;
    }
    granted += names.length;
  }
  for (const key of ["features", "connectors"] as const) {
    const toggles = isObject(org) && isObject(org[key]) ? Object.keys(org[key]) : [];
    const firstOver = toggles[maxToggles];
    if (firstOver === undefined) continue;
    issues.push(issueAt(source, ["org", key, firstOver], "too_many",
      `\`org.${key}\` names ${toggles.length} ${key}; at most ${maxToggles} are allowed, and '${firstOver}' is number ${maxToggles + 1}.`, "key"));
  }
  return issues;
}

function undefinedRoles(source: SourceDocument, rules: readonly unknown[], defined: readonly string[]): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const names = new Set(defined);
  const hintFor = hinter();
  // Listing the defined roles helps with a handful of them; past that the list would repeat the file.
  const listed = defined.length > 0 && defined.length <= 20 ? ` Defined roles: ${defined.join(", ")}.` : "";
  rules.forEach((rule, index) => {
    if (!isObject(rule) || !isStringArray(rule["roles"])) return;
    rule["roles"].forEach((name, position) => {
      if (names.has(name)) return;
      const hint = hintFor(name, defined);
      const known = hint === "" ? listed : "";
      issues.push(
        issueAt(source, ["mappings", index, "roles", position], "undefined_role",
          `Rule mappings[${index}] uses role '${name}', which is not defined under \`roles\`.${hint}${known}`),
      );
    });
  });
  return issues;
}

/** `roles: []` without `orgRole` passes the schema's "roles or orgRole" but still grants nothing. */
function emptyRules(source: SourceDocument, rules: readonly unknown[]): MappingIssue[] {
  return rules.flatMap((rule, index) =>
    isObject(rule) && Array.isArray(rule["roles"]) && rule["roles"].length === 0 && rule["orgRole"] === undefined
      ? [issueAt(source, ["mappings", index, "roles"], "rule_grants_nothing", `Rule mappings[${index}] grants nothing: its \`roles\` list is empty and it has no \`orgRole\`.`)]
      : [],
  );
}

function duplicateRuleIds(source: SourceDocument, rules: readonly unknown[]): MappingIssue[] {
  const firstAt = new Map<string, number>();
  return rules.flatMap((rule, index) => {
    const id = isObject(rule) ? rule["id"] : undefined;
    if (typeof id !== "string") return [];
    const first = firstAt.get(id);
    if (first === undefined) {
      firstAt.set(id, index);
      return [];
    }
    return [issueAt(source, ["mappings", index, "id"], "duplicate_rule_id", `Rule mappings[${index}] has the id '${id}', which mappings[${first}] already has; rule ids must be unique.`)];
  });
}

/**
 * Capabilities and connectors are a known vocabulary (vocabulary.ts): the built-in names and those
 * the organisation's toggles mention. Anything else in a role is almost certainly a typo.
 */
function unknownGrants(source: SourceDocument, roles: Record<string, unknown>, org: unknown): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const [list, toggleKey, kind] of [["capabilities", "features", "capability"], ["connectors", "connectors", "connector"]] as const) {
    const declared = isObject(org) && isObject(org[toggleKey]) ? org[toggleKey] : {};
    const known = knownNames(kind, declared);
    const knownSet = new Set(known);
    const hintFor = hinter();
    for (const [roleName, role] of Object.entries(roles)) {
      const names = isObject(role) ? role[list] : undefined;
      if (!isStringArray(names)) continue;
      names.forEach((name, position) => {
        if (knownSet.has(name)) return;
        const hint = hintFor(name, known);
        issues.push(issueAt(source, ["roles", roleName, list, position], kind === "capability" ? "unknown_capability" : "unknown_connector",
          `Role '${roleName}' grants the ${kind} '${name}', which is neither built in nor mentioned in \`org.${toggleKey}\`.${hint === "" ? ` Declare it there (e.g. \`org.${toggleKey}: { ${name}: on }\`) if it is new.` : hint}`));
      });
    }
  }
  return issues;
}

function unusedRoles(source: SourceDocument, rules: readonly unknown[], defined: readonly string[]): MappingIssue[] {
  const used = new Set(rules.flatMap((rule) => (isObject(rule) && isStringArray(rule["roles"]) ? rule["roles"] : [])));
  const usedNames = [...used];
  let hintsLeft = MAX_HINTS;
  return defined
    .filter((name) => !used.has(name))
    .map((name) => {
      // A near-miss reference is already an `undefined_role` error; point at the likely cause.
      const nearMiss = hintsLeft-- > 0 ? closestMatch(name, usedNames) : null;
      const hint = nearMiss === null ? "" : ` (a rule uses '${nearMiss}' — a typo?)`;
      return issueAt(source, ["roles", name], "unused_role", `Role '${name}' is defined but no rule in \`mappings\` grants it${hint}, so no one has it.`, "key");
    });
}

/**
 * Which matcher survives a rename depends on the IdP that created the group, which a file alone
 * does not tell; `mapping plan` reads the directory and names the one matcher that fits.
 */
const STABLE_MATCHER_ADVICE =
  "Prefer a matcher that survives renames: for a group pushed by Okta, which sends no externalId, its `id` (the id this server gave it; `mapping plan` shows it); for a group from Entra, its `externalId` (the group's object id).";

function displayNameMatchers(source: SourceDocument, rules: readonly unknown[]): MappingIssue[] {
  return rules.flatMap((rule, index) => {
    const group = isObject(rule) ? rule["group"] : undefined;
    if (!isObject(group) || typeof group["displayName"] !== "string") return [];
    return [
      issueAt(source, ["mappings", index, "group", "displayName"], "display_name_matcher",
        `Rule mappings[${index}] matches the group by displayName '${group["displayName"]}'; it stops matching if the group is renamed in the IdP. ${STABLE_MATCHER_ADVICE}`, "key"),
    ];
  });
}

/** A role granting something the org switched off is legal but grants nothing; admins want to know. */
function listsSwitchedOff(source: SourceDocument, roles: Record<string, unknown>, org: unknown): MappingIssue[] {
  const issues: MappingIssue[] = [];
  for (const [roleName, role] of Object.entries(roles)) {
    if (!isObject(role)) continue;
    for (const [list, toggleKey, noun] of [["capabilities", "features", "feature"], ["connectors", "connectors", "connector"]] as const) {
      const names = role[list];
      const toggles = isObject(org) && isObject(org[toggleKey]) ? org[toggleKey] : {};
      if (!isStringArray(names)) continue;
      names.forEach((name, position) => {
        const toggle = Object.prototype.hasOwnProperty.call(toggles, name) ? toggles[name] : undefined;
        if (toggle !== "off" && toggle !== false) return;
        const path = ["roles", roleName, list, position] as const;
        issues.push(issueAt(source, path, "switched_off_by_org",
          `Role '${roleName}' grants the ${noun} '${name}', but \`org.${toggleKey}\` switches it off for everyone, so \`${describePath(path)}\` has no effect.`));
      });
    }
  }
  return issues;
}
