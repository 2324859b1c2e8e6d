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

const lookup = (labels: Readonly<Record<string, string>>, name: string): string => (Object.hasOwn(labels, name) ? (labels[name] ?? name) : name);
export const capabilityLabel = (name: string): string => lookup(CAPABILITY_LABELS, name);
export const connectorLabel = (name: string): string => lookup(CONNECTOR_LABELS, name);
export const areaLabel = (name: string): string => lookup(AREA_LABELS, name);

/** The names a role may grant: the built-ins plus whatever the organisation's toggles declare, sorted. */
export function vocabulary(builtIn: readonly string[], declared: Readonly<Record<string, unknown>> | undefined): string[] {
  return [...new Set([...builtIn, ...Object.keys(declared ?? {})])].sort();
}

export function when(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}
