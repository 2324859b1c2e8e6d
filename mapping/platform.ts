/**
 * The operator's contract file (`PLATFORM_FILE`): features and connectors forced on or off, for
 * every organisation (`all`) or for one (`orgs.<name>`). Nothing in an organisation's mapping file
 * can change these. Format:
 *
 *   version: 1
 *   all:  { features: { file_uploads: off } }
 *   orgs: { acme: { connectors: { jira: on } } }
 */
import { isRecord } from "./guards";
import { sortIssues } from "./parse";
import { compileSchema, schemaIssues } from "./schemaIssues";
import { loadSource } from "./source";
import type { MappingIssue, PlatformOverrides } from "./types";

export interface PlatformFile {
  all: PlatformOverrides;
  /** Keyed by organisation name, matched exactly. */
  orgs: Record<string, PlatformOverrides>;
}

export type PlatformParseResult = { ok: true; platform: PlatformFile } | { ok: false; errors: MappingIssue[] };

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
  if (errors.length > 0 || !isRecord(root)) return { ok: false, errors };
  const orgs = isRecord(root["orgs"]) ? root["orgs"] : {};
  return {
    ok: true,
    platform: {
      all: toOverrides(root["all"]),
      orgs: Object.fromEntries(Object.entries(orgs).map(([name, value]) => [name, toOverrides(value)])),
    },
  };
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
  const entry = isRecord(value) ? value : {};
  return { features: toBooleans(entry["features"]), connectors: toBooleans(entry["connectors"]) };
}

function toBooleans(value: unknown): Record<string, boolean> {
  if (!isRecord(value)) return {};
  return Object.fromEntries(Object.entries(value).map(([name, setting]) => [name, setting === "on" || setting === true]));
}
