import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AREAS, parseMapping } from "../../mapping";
import type { AreaLevels, EffectivePermissions, GroupRef, Mapping, MappingIssue, MemberInput, OrgRole } from "../../mapping";

export const FIXTURES = join(__dirname, "../../fixtures/mapping");

export function readFixture(name: string): string {
  return readFileSync(join(FIXTURES, name), "utf8");
}

/** Parses a mapping that the test expects to be valid, failing loudly with the located errors otherwise. */
export function mappingFrom(text: string): Mapping {
  const result = parseMapping(text, "test.yaml");
  if (!result.ok) throw new Error(`expected a valid mapping, got:\n${result.errors.map(formatIssue).join("\n")}`);
  return result.mapping;
}

/** The errors of a mapping the test expects to be invalid. */
export function errorsOf(text: string, file = "test.yaml"): MappingIssue[] {
  const result = parseMapping(text, file);
  if (result.ok) throw new Error("expected the mapping to be invalid, but it parsed");
  return result.errors;
}

export function expectIssue(issues: readonly MappingIssue[], code: MappingIssue["code"], line: number, column: number, message?: RegExp): MappingIssue {
  const issue = issues.find((candidate) => candidate.code === code && candidate.line === line && candidate.column === column);
  if (issue === undefined) {
    throw new Error(`no ${code} issue at ${line}:${column}; got:\n${issues.map(formatIssue).join("\n")}`);
  }
  if (message !== undefined) expect(issue.message).toMatch(message);
  return issue;
}

export function formatIssue(issue: MappingIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.code} ${issue.message}`;
}

export function group(id: string, displayName: string, externalId: string | null = null): GroupRef {
  return { id, displayName, externalId };
}

export function member(userName: string, groups: readonly GroupRef[], active = true, appRoles: readonly string[] = []): MemberInput {
  return { id: `id-${userName}`, userName, active, groups, appRoles };
}

export const example = (): Mapping => mappingFrom(readFixture("example.yaml"));

/** Groups of the issue's example directory. */
export const FINANCE = group("g-fin", "Finance", "00g1finance");
export const SECURITY = group("g-sec", "Security Team", "00g2security");
export const IT_ADMINS = group("g-it", "IT Admins", "00g3it");

/** Every admin area at no access. */
export const NO_AREAS = Object.fromEntries(AREAS.map((area) => [area, "none"])) as AreaLevels;
const ALL_AREAS = Object.fromEntries(AREAS.map((area) => [area, "manage"])) as AreaLevels;

/** A member's permissions with this org role: owners manage every area, others none but `admin`'s. */
export const permissionsAs = (orgRole: OrgRole, admin: Partial<AreaLevels> = {}): EffectivePermissions => ({
  orgRole,
  admin: { ...(orgRole === "owner" || orgRole === "primary_owner" ? ALL_AREAS : NO_AREAS), ...admin },
  capabilities: [],
  connectors: [],
  roles: orgRole === "custom" ? ["some-role"] : [],
});
