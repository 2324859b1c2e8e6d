/**
 * Reading the parts of a mapping document (`GET /mapping`, a version) that the pages edit. The
 * document is the file's JSON, typed by the server as a plain record; these decoders say what each
 * part is and fall back to "nothing" for anything else, so a page never trusts a shape blindly.
 */
import { isObject as isRecord } from "../../mapping/json";
import type { Area, Level, MappingDocument, OrgDocument, RoleDocument, Toggle } from "./api/types";
import { AREAS, type RoleNames } from "./labels";

const isLevel = (value: unknown): value is Level => value === "none" || value === "view" || value === "manage";
const strings = (value: unknown): string[] => (Array.isArray(value) ? value.filter((v): v is string => typeof v === "string") : []);

export function roleFromDefinition(definition: unknown): RoleDocument {
  const d = isRecord(definition) ? definition : {};
  const admin: Partial<Record<Area, Level>> = {};
  const levels = isRecord(d["admin"]) ? d["admin"] : {};
  for (const area of AREAS) {
    const level = levels[area];
    if (isLevel(level) && level !== "none") admin[area] = level;
  }
  return {
    ...(typeof d["displayName"] === "string" ? { displayName: d["displayName"] } : {}),
    ...(typeof d["description"] === "string" ? { description: d["description"] } : {}),
    admin,
    capabilities: strings(d["capabilities"]),
    connectors: strings(d["connectors"]),
  };
}

export function roleOf(document: MappingDocument | null, name: string): RoleDocument | null {
  const roles = document !== null && isRecord(document["roles"]) ? document["roles"] : {};
  return Object.hasOwn(roles, name) ? roleFromDefinition(roles[name]) : null;
}

/** Each custom role's display name by its key, for the roles that have one. */
export function roleNamesOf(document: MappingDocument | null): RoleNames {
  const roles = document !== null && isRecord(document["roles"]) ? document["roles"] : {};
  const names = new Map<string, string>();
  for (const [name, definition] of Object.entries(roles)) {
    if (isRecord(definition) && typeof definition["displayName"] === "string") names.set(name, definition["displayName"]);
  }
  return names;
}

/** The same, from the role list (`GET /roles`), for pages that read it rather than the mapping. */
export function roleNamesFromList(roles: ReadonlyArray<{ readonly name: string; readonly definition: Record<string, unknown> }>): RoleNames {
  return new Map(roles.flatMap((role) => (typeof role.definition["displayName"] === "string" ? [[role.name, role.definition["displayName"]] as const] : [])));
}

const toggles = (value: unknown): Record<string, Toggle> => {
  const out: Record<string, Toggle> = {};
  if (isRecord(value)) for (const [name, setting] of Object.entries(value)) if (setting === "on" || setting === "off") out[name] = setting;
  return out;
};

export function orgOf(document: MappingDocument | null): OrgDocument {
  const org = document !== null && isRecord(document["org"]) ? document["org"] : {};
  return { features: toggles(org["features"]), connectors: toggles(org["connectors"]) };
}

export interface RuleView {
  readonly id: string;
  readonly roles: readonly string[];
  readonly orgRole: string | null;
  /** The rule as the document writes it, for wording what it matches (wording.ts). */
  readonly document: Record<string, unknown>;
}

/** The rules of a document with the roles each gives (deleting a rule takes all of them away). */
export function rulesOf(document: MappingDocument | null): RuleView[] {
  const list = document !== null && Array.isArray(document["mappings"]) ? document["mappings"] : [];
  return list.flatMap((rule: unknown) =>
    isRecord(rule) && typeof rule["id"] === "string" ? [{ id: rule["id"], roles: strings(rule["roles"]), orgRole: typeof rule["orgRole"] === "string" ? rule["orgRole"] : null, document: rule }] : [],
  );
}
