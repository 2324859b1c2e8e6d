/**
 * The capabilities and connectors a role may name: the product's built-in ones, plus whatever the
 * organisation's own `org.features` / `org.connectors` mention (switching a name on or off is how an
 * organisation declares a feature the built-in list does not have yet). A name outside both is a
 * typo until proven otherwise: a role listing `web_serch` would otherwise grant nothing, silently.
 * The README lists these.
 */
import type { Mapping, PlatformOverrides } from "./types";

export const BUILTIN_CAPABILITIES = [
  "artifacts",
  "claude_code",
  "code_execution",
  "file_uploads",
  "memory",
  "projects",
  "research",
  "web_search",
] as const;

export const BUILTIN_CONNECTORS = [
  "asana",
  "box",
  "confluence",
  "github",
  "gmail",
  "google_calendar",
  "google_drive",
  "jira",
  "linear",
  "microsoft_365",
  "notion",
  "salesforce",
  "sharepoint",
  "slack",
  "zendesk",
] as const;

export type GrantKind = "capability" | "connector";

/** Every name a role of this organisation may grant, sorted. */
export function knownNames(kind: GrantKind, declared: Readonly<Record<string, unknown>>): string[] {
  const builtin: readonly string[] = kind === "capability" ? BUILTIN_CAPABILITIES : BUILTIN_CONNECTORS;
  return [...new Set([...builtin, ...Object.keys(declared)])].sort();
}

/**
 * Whether a product may ask about `name` at all: built in, declared by the organisation, forced by
 * the platform, or granted by one of its roles (a role stored before the vocabulary existed).
 */
export function isKnownName(kind: GrantKind, name: string, mapping: Mapping, platform: PlatformOverrides): boolean {
  const builtin: readonly string[] = kind === "capability" ? BUILTIN_CAPABILITIES : BUILTIN_CONNECTORS;
  if (builtin.includes(name)) return true;
  const own = (record: Readonly<Record<string, unknown>>): boolean => Object.prototype.hasOwnProperty.call(record, name);
  if (kind === "capability") {
    return own(mapping.org.features) || own(platform.features) || mapping.roles.some((role) => role.capabilities.includes(name));
  }
  return own(mapping.org.connectors) || own(platform.connectors) || mapping.roles.some((role) => role.connectors.includes(name));
}
