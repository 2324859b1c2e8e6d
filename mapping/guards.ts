/** Type guards for values that arrive as `unknown`: parsed files and stored JSON. */
import { AREAS, LEVELS, ORG_ROLES, STANDARD_ORG_ROLES } from "./types";
import type { Area, Level, OrgRole, StandardOrgRole } from "./types";

export function isStringArray(value: unknown): value is string[] {
  return Array.isArray(value) && value.every((item) => typeof item === "string");
}

export function isArea(value: unknown): value is Area {
  return typeof value === "string" && (AREAS as readonly string[]).includes(value);
}

export function isLevel(value: unknown): value is Level {
  return typeof value === "string" && (LEVELS as readonly string[]).includes(value);
}

export function isOrgRole(value: unknown): value is OrgRole {
  return typeof value === "string" && (ORG_ROLES as readonly string[]).includes(value);
}

export function isStandardOrgRole(value: unknown): value is StandardOrgRole {
  return typeof value === "string" && (STANDARD_ORG_ROLES as readonly string[]).includes(value);
}

/**
 * Own-property lookup. Names come from admins' files, so a feature called `constructor` must not
 * find `Object.prototype.constructor`.
 */
export function ownValue<T>(record: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.prototype.hasOwnProperty.call(record, key) ? record[key] : undefined;
}
