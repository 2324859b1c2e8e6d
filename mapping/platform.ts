/**
 * The operator's contract file (`PLATFORM_FILE`): features and connectors forced on or off, for
 * every organisation (`all`) or for one (`orgs.<name>`). Nothing in an organisation's mapping file
 * can change these. Format:
 *
 *   version: 1
 *   all:  { features: { file_uploads: off } }
 *   orgs: { acme: { connectors: { jira: on } } }
 */
import { createHash } from "node:crypto";
import { isObject } from "./json";
import { canonicalJSON } from "./hash";
import { sortIssues } from "./parse";
import { compileSchema, schemaIssues } from "./schemaIssues";
import { loadSource } from "./source";
import type { MappingIssue, PlatformOverrides } from "./types";

export interface PlatformFile {
  all: PlatformOverrides;
  /** Keyed by organisation name, matched exactly. */
  orgs: Record<string, PlatformOverrides>;
}

export type PlatformParseResult = { ok: true; platform: PlatformFile; hash: string } | { ok: false; errors: MappingIssue[] };

const toggles = {
  type: "object",
  propertyNames: { type: "string", pattern: "^[A-Za-z0-9][A-Za-z0-9_.:-]*$", maxLength: 100 },
  additionalProperties: { enum: ["on", "off", true, false] },
};
const overrides = {
  type: "object",
  additionalProperties: false,
  properties: { features: toggles, connectors: toggles },
};
const validatePlatform = compileSchema({
  type: "object",
  additionalProperties: false,
  required: ["version"],
  properties: {
    version: { const: 1 },
    all: overrides,
    orgs: { type: "object", propertyNames: { minLength: 1 }, additionalProperties: overrides },
  },
});

export function parsePlatformFile(text: string, file: string): PlatformParseResult {
  const loaded = loadSource(text, file, () => "duplicate_key");
  if (!loaded.ok) return loaded;
  const errors = sortIssues([...loaded.issues, ...schemaIssues(validatePlatform, loaded.source)]);
  const root = loaded.source.value;
  if (errors.length > 0 || !isObject(root)) return { ok: false, errors };
  const orgs = isObject(root["orgs"]) ? root["orgs"] : {};
  const platform: PlatformFile = {
    all: toOverrides(root["all"]),
    orgs: Object.fromEntries(Object.entries(orgs).map(([name, value]) => [name, toOverrides(value)])),
  };
  return { ok: true, platform, hash: hashPlatform(platform) };
}

/** sha256 of the canonical JSON: comments and layout do not change it. */
export function hashPlatform(platform: PlatformFile): string {
  return createHash("sha256").update(canonicalJSON(platform)).digest("hex");
}

export class StoredPlatformError extends Error {
  readonly code = "stored_platform_invalid";
  constructor() {
    super("Stored platform overrides are not { all, orgs } of feature/connector booleans");
    this.name = "StoredPlatformError";
  }
}

/** The overrides as stored in the database (STYLE.md habit 16: decode what you read back). */
export function platformFromJSON(value: unknown): PlatformFile {
  const root = isObject(value) ? value : null;
  const orgs = root !== null && isObject(root["orgs"]) ? root["orgs"] : null;
  if (root === null || orgs === null || !isOverrides(root["all"]) || !Object.values(orgs).every(isOverrides)) throw new StoredPlatformError();
  return {
    all: toOverrides(root["all"]),
    orgs: Object.fromEntries(Object.entries(orgs).map(([name, entry]) => [name, toOverrides(entry)])),
  };
}

function isOverrides(value: unknown): boolean {
  const booleans = (v: unknown) => isObject(v) && Object.values(v).every((b) => typeof b === "boolean");
  return isObject(value) && booleans(value["features"]) && booleans(value["connectors"]);
}

/** The overrides in force for one organisation: its own entry beats the `all` entry, name by name. */
export function platformFor(platform: PlatformFile | null, orgName: string): PlatformOverrides {
  if (platform === null) return { features: {}, connectors: {} };
  const own = Object.prototype.hasOwnProperty.call(platform.orgs, orgName) ? platform.orgs[orgName] : undefined;
  return {
    features: { ...platform.all.features, ...own?.features },
    connectors: { ...platform.all.connectors, ...own?.connectors },
  };
}

function toOverrides(value: unknown): PlatformOverrides {
  const entry = isObject(value) ? value : {};
  return { features: toBooleans(entry["features"]), connectors: toBooleans(entry["connectors"]) };
}

function toBooleans(value: unknown): Record<string, boolean> {
  if (!isObject(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, setting]) => [name, setting === "on" || setting === true]));
}
