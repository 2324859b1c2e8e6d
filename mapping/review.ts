/**
 * An access review's answer for one member and one admin area: the level they hold and through
 * what — the groups and app roles whose rules give it, the role they give (a custom role, or the
 * standard role whose levels apply), or the mapping naming them Primary Owner — read from the same
 * explanation that computed the level, so the two cannot disagree.
 */
import type { Explanation, RuleMatch } from "./explain";
import type { Area, Level } from "./types";

/** One way the member holds the area. `source` is null when nothing but the role itself gives it (the Primary Owner, the user floor). */
export interface AccessPath {
  /** `owner`, `primary_owner`, `admin`, `user` (a standard role), or the custom role's name. */
  readonly role: string;
  readonly roleKind: "standard" | "custom";
  readonly source:
    | { readonly kind: "group"; readonly id: string; readonly displayName: string; readonly manual: boolean }
    | { readonly kind: "app_role"; readonly value: string }
    | null;
}

export interface AreaHolding {
  readonly area: Area;
  readonly level: Level;
  readonly paths: readonly AccessPath[];
  /** The paths in plain words, for tables and CSV. */
  readonly through: string;
}

export function areaHolding(explanation: Explanation, area: Area): AreaHolding {
  const chain = explanation.chains.admin[area];
  const level = explanation.admin[area];
  const paths = pathsOf(explanation, chain.source);
  return { area, level, paths, through: describePaths(paths) };
}

function pathsOf(explanation: Explanation, source: Explanation["chains"]["admin"][Area]["source"]): AccessPath[] {
  switch (source.kind) {
    case "inactive":
      return [];
    case "owner":
      if (source.orgRole === "primary_owner") return [{ role: "primary_owner", roleKind: "standard", source: null }];
      return standardPaths(explanation.matches, "owner");
    case "standard_role":
      return standardPaths(explanation.matches, source.orgRole);
    case "custom_roles":
      return source.grants.flatMap((grant) => {
        const giving = explanation.matches.filter((match) => grant.rules.includes(match.ruleIndex) && match.roles.includes(grant.role));
        return giving.length === 0 ? [{ role: grant.role, roleKind: "custom" as const, source: null }] : giving.map((match) => ({ role: grant.role, roleKind: "custom" as const, source: sourceOf(match) }));
      });
  }
}

function standardPaths(matches: readonly RuleMatch[], role: "owner" | "admin" | "user"): AccessPath[] {
  const giving = matches.filter((match) => match.orgRole === role);
  return giving.length === 0 ? [{ role, roleKind: "standard", source: null }] : giving.map((match) => ({ role, roleKind: "standard", source: sourceOf(match) }));
}

function sourceOf(match: RuleMatch): AccessPath["source"] {
  return match.kind === "group"
    ? { kind: "group", id: match.group.id, displayName: match.group.displayName, manual: match.group.source === "manual" }
    : { kind: "app_role", value: match.appRole };
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  primary_owner: "Primary Owner (named in the mapping)",
  owner: "Owner",
  admin: "the Admin standard role",
  user: "the User standard role",
};

function describePaths(paths: readonly AccessPath[]): string {
  return paths
    .map((path) => {
      const role = path.roleKind === "custom" ? `custom role '${path.role}'` : (ROLE_WORDS[path.role] ?? path.role);
      if (path.source === null) return path.role === "user" ? `${role} (every member without another role)` : role;
      const from = path.source.kind === "group" ? `${path.source.manual ? "manual group" : "group"} '${path.source.displayName}'` : `app role '${path.source.value}'`;
      return `${role} through ${from}`;
    })
    .join("; ");
}
