/** Words for the model's names, as people read them in the product. */
import type { Area, Capability, Connector, Level, OrgRole } from "./api/types";

/** Every area, in the order the product lists them (a Record: the compiler checks none is missing). */
export const AREA_LABELS: Readonly<Record<Area, string>> = {
  identity_access: "Identity & Access",
  billing: "Billing",
  analytics: "Analytics",
  privacy: "Privacy",
  user_management: "User Management",
  libraries: "Libraries",
};
export const AREAS = Object.keys(AREA_LABELS) as Area[];

export const LEVEL_LABELS: Readonly<Record<Level, string>> = { none: "No access", view: "Can view", manage: "Can manage" };
export const LEVELS = Object.keys(LEVEL_LABELS) as Level[];

export const ORG_ROLE_LABELS: Readonly<Record<OrgRole, string>> = {
  primary_owner: "Primary Owner",
  owner: "Owner",
  admin: "Admin",
  custom: "Custom",
  user: "User",
};
export const ORG_ROLES = Object.keys(ORG_ROLE_LABELS) as OrgRole[];

/** The product's built-in capabilities and connectors (mapping/vocabulary.ts), checked complete by the compiler. */
const CAPABILITY_LABELS: Readonly<Record<Capability, string>> = {
  artifacts: "Artifacts",
  claude_code: "Claude Code",
  code_execution: "Code execution",
  file_uploads: "File uploads",
  memory: "Memory",
  projects: "Projects",
  research: "Research",
  web_search: "Web search",
};
const CONNECTOR_LABELS: Readonly<Record<Connector, string>> = {
  asana: "Asana",
  box: "Box",
  confluence: "Confluence",
  github: "GitHub",
  gmail: "Gmail",
  google_calendar: "Google Calendar",
  google_drive: "Google Drive",
  jira: "Jira",
  linear: "Linear",
  microsoft_365: "Microsoft 365",
  notion: "Notion",
  salesforce: "Salesforce",
  sharepoint: "SharePoint",
  slack: "Slack",
  zendesk: "Zendesk",
};
export const BUILTIN_CAPABILITIES = Object.keys(CAPABILITY_LABELS);
export const BUILTIN_CONNECTORS = Object.keys(CONNECTOR_LABELS);

/**
 * A name the product has no label for (an organisation's own feature or connector, an unknown
 * area), in words: "sales_ops" → "Sales ops", "crm.v2-beta" → "Crm v2 beta". Never empty.
 */
export function humanise(name: string): string {
  const words = name.replace(/[_.:-]+/g, " ").replace(/([a-z0-9])([A-Z])/g, "$1 $2").trim().toLowerCase();
  return words === "" ? name : words.charAt(0).toUpperCase() + words.slice(1);
}

const lookup = (labels: Readonly<Record<string, string>>, name: string): string => (Object.hasOwn(labels, name) ? (labels[name] ?? humanise(name)) : humanise(name));
export const capabilityLabel = (name: string): string => lookup(CAPABILITY_LABELS, name);
export const connectorLabel = (name: string): string => lookup(CONNECTOR_LABELS, name);
export const areaLabel = (name: string): string => lookup(AREA_LABELS, name);
export const orgRoleLabel = (name: string): string => lookup(ORG_ROLE_LABELS, name);

/** "1 member", "2 members", "0 members"; `many` for nouns whose plural is not `one` + "s". */
export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}

/** "a, b and c". */
export function listInWords(items: readonly string[]): string {
  if (items.length <= 1) return items.join("");
  return `${items.slice(0, -1).join(", ")} and ${items[items.length - 1] ?? ""}`;
}

const ORDINALS = ["first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth"];
/** 0 → "first", 11 → "12th": a zero-based position as people count. */
export function ordinal(index: number): string {
  const n = index + 1;
  const word = ORDINALS[index];
  if (word !== undefined) return word;
  const suffix = n % 100 >= 11 && n % 100 <= 13 ? "th" : (["th", "st", "nd", "rd"][n % 10] ?? "th");
  return `${n}${suffix}`;
}

/**
 * How the console names a custom role: its display name when the mapping gives one, else its key.
 * `RoleNames` maps keys to display names (document.ts reads them from the mapping).
 */
export type RoleNames = ReadonlyMap<string, string>;
export const NO_ROLE_NAMES: RoleNames = new Map();
export function roleLabel(name: string, names: RoleNames): string {
  return names.get(name) ?? name;
}

/** The names a role may grant: the built-ins plus whatever the organisation's toggles declare, sorted. */
export function vocabulary(builtIn: readonly string[], declared: Readonly<Record<string, unknown>> | undefined): string[] {
  return [...new Set([...builtIn, ...Object.keys(declared ?? {})])].sort();
}

export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
