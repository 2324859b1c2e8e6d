/**
 * The parts of a mapping document (`GET /mapping`, a version) that the pages edit. The server sends
 * the document typed (mapping/document.ts), so these only pick parts out; nothing is decoded again.
 */
import type { MappingDocument, OrgDocument, RoleDocument, RoleSummary, RuleDocument } from "./api/types";
import type { RoleNames } from "./labels";

const NO_ORG: OrgDocument = { features: {}, connectors: {} };

export function roleOf(document: MappingDocument | null, name: string): RoleDocument | null {
  return document !== null && Object.hasOwn(document.roles, name) ? (document.roles[name] ?? null) : null;
}

/** Each custom role's display name by its key, for the roles that have one. */
export function roleNamesOf(document: MappingDocument | null): RoleNames {
  return displayNames(Object.entries(document?.roles ?? {}));
}

/** The same, from the role list (`GET /roles`), for pages that read it rather than the mapping. */
export function roleNamesFromList(roles: readonly RoleSummary[]): RoleNames {
  return displayNames(roles.map((role) => [role.name, role.definition]));
}

function displayNames(roles: ReadonlyArray<readonly [string, RoleDocument]>): RoleNames {
  return new Map(roles.flatMap(([name, role]) => (role.displayName === undefined ? [] : [[name, role.displayName] as const])));
}

export function orgOf(document: MappingDocument | null): OrgDocument {
  return document?.org ?? NO_ORG;
}

export interface RuleView {
  readonly id: string;
  readonly roles: readonly string[];
  readonly orgRole: string | null;
  /** The rule as the document writes it, for wording what it matches (wording.ts). */
  readonly document: RuleDocument;
}

/** The rules of a document with the roles each gives (deleting a rule takes all of them away). */
export function rulesOf(document: MappingDocument | null): RuleView[] {
  return (document?.mappings ?? []).map((rule) => ({ id: rule.id, roles: rule.roles ?? [], orgRole: rule.orgRole ?? null, document: rule }));
}
