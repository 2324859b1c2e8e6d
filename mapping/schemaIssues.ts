/**
 * JSON Schema errors (ajv) → located, person-readable {@link MappingIssue}s. ajv's own messages
 * ("must NOT have additional properties") name neither the key nor the fix, so every keyword we
 * use in our schemas gets a sentence here.
 */
import Ajv from "ajv";
import type { ErrorObject, ValidateFunction } from "ajv";
import { isObject } from "./json";
import { didYouMean } from "./suggest";
import { AREAS, LEVELS } from "./types";
import type { MappingIssue } from "./types";
import { describePath, issueAt } from "./source";
import type { Path, PathSegment, SourceDocument } from "./source";

export function compileSchema(schema: object): ValidateFunction {
  // `verbose` gives each error its parentSchema and data, which the sentences below need.
  const ajv = new Ajv({ allErrors: true, verbose: true });
  return ajv.compile(schema);
}

export function schemaIssues(validate: ValidateFunction, source: SourceDocument): MappingIssue[] {
  if (validate(source.value)) return [];
  const issues = (validate.errors ?? [])
    .filter((error) => !isAnyOfBranch(error))
    .map((error) => translate(error, source))
    .filter((issue): issue is MappingIssue => issue !== null);
  return dedupe(issues);
}

/** The `anyOf`/`oneOf` error itself says what is wrong; its branches' "required" errors would only repeat it. */
function isAnyOfBranch(error: ErrorObject): boolean {
  return /\/(anyOf|oneOf)\/\d+\//.test(error.schemaPath);
}

function translate(error: ErrorObject, source: SourceDocument): MappingIssue | null {
  const path = pointerToPath(error.instancePath, source.value);
  const where = path.length === 0 ? "the top level" : `\`${describePath(path)}\``;
  const params: Record<string, unknown> = error.params;
  switch (error.keyword) {
    case "additionalProperties":
      return unknownKey(source, path, String(params["additionalProperty"]), allowedKeys(error.parentSchema));
    case "enum":
      return badEnumValue(source, path, error.data, Array.isArray(params["allowedValues"]) ? params["allowedValues"] : []);
    case "const":
      return issueAt(source, path, "invalid_version", `\`version\` must be 1, the only format version there is; found ${show(error.data)}.`);
    case "type":
      return issueAt(source, path, "type", `${capitalise(where)} must be ${describeType(params["type"])}, not ${describeValue(error.data)}.`);
    case "required": {
      const missing = String(params["missingProperty"]);
      return issueAt(source, path, "missing", `${capitalise(where)} is missing \`${missing}\`.${requiredHint(missing)}`);
    }
    case "propertyNames":
      return null; // the inner `pattern` error names the key
    case "pattern":
      return badName(source, path, error);
    case "minProperties":
    case "maxProperties":
      return issueAt(source, path, "invalid_matcher", `${capitalise(where)} must name exactly one of \`id\`, \`externalId\`, \`displayName\` or \`manual\`; found ${matcherKeys(error.data)}.`);
    case "anyOf":
      return issueAt(source, path, "rule_grants_nothing", `Rule ${where} grants nothing: give it \`roles\`, \`orgRole\`, or both.`);
    case "oneOf":
      return ruleSource(source, path, where, error.data);
    case "minLength":
      return issueAt(source, path, "invalid_value", `${capitalise(where)} must not be empty.`);
    case "maxLength":
      return issueAt(source, path, "invalid_name", `${capitalise(where)} is longer than ${String(params["limit"])} characters.`);
    default:
      return issueAt(source, path, "invalid_value", `${capitalise(where)} ${error.message ?? "is invalid"}.`);
  }
}

/** The rule schema's `oneOf`: a rule has exactly one source, `group` or `appRole`. */
function ruleSource(source: SourceDocument, path: Path, where: string, data: unknown): MappingIssue {
  const rule = isObject(data) ? data : {};
  if ("group" in rule && "appRole" in rule) {
    return issueAt(source, [...path, "appRole"], "invalid_rule_source", `Rule ${where} names both \`group\` and \`appRole\`; a rule matches by one of them. Split it into two rules that grant the same.`, "key");
  }
  return issueAt(source, path, "missing", `Rule ${where} needs what it matches: \`group: { externalId: "…" }\` (or id / displayName) for a group, or \`appRole: { value: "…" }\` for an app role.`);
}

function unknownKey(source: SourceDocument, parent: Path, key: string, allowed: readonly string[]): MappingIssue {
  const path = [...parent, key];
  if (sameSet(allowed, AREAS)) {
    return issueAt(source, path, "unknown_area", `'${key}' is not an admin area; the areas are ${AREAS.join(", ")}.${didYouMean(key, AREAS)}`, "key");
  }
  if (parent.length === 1 && parent[0] === "standardRoles" && /owner/i.test(key)) {
    return issueAt(source, path, "unknown_key", `Owners and the Primary Owner always manage every area, so \`standardRoles\` configures only \`admin\` and \`user\`.`, "key");
  }
  const where = parent.length === 0 ? "at the top level" : `in \`${describePath(parent)}\``;
  const known = allowed.length > 0 ? ` Allowed here: ${allowed.join(", ")}.` : "";
  const hint = didYouMean(key, allowed);
  return issueAt(source, path, "unknown_key", `Unknown key '${key}' ${where}.${hint === "" ? known : hint}`, "key");
}

function badEnumValue(source: SourceDocument, path: Path, value: unknown, allowed: readonly unknown[]): MappingIssue {
  const text = typeof value === "string" ? value : show(value);
  const where = `\`${describePath(path)}\``;
  if (sameSet(allowed, LEVELS)) {
    return issueAt(source, path, "unknown_level", `${show(value)} at ${where} is not a level; use none, view or manage.${didYouMean(text, LEVELS)}`);
  }
  if (path[path.length - 1] === "orgRole") {
    const message =
      value === "primary_owner"
        ? `\`orgRole: primary_owner\` is not allowed: the Primary Owner is the one member named in \`primaryOwner\`, never a group.`
        : `${show(value)} is not a standard org role; \`orgRole\` must be owner, admin or user (custom roles go under \`roles\`).${didYouMean(text, ["owner", "admin", "user"])}`;
    return issueAt(source, path, "invalid_org_role", message);
  }
  if (allowed.includes(true)) {
    return issueAt(source, path, "invalid_toggle", `${show(value)} at ${where} is not a toggle value; use on or off (true/false also work).${toggleHint(text)}`);
  }
  const options = allowed.map(show).join(", ");
  return issueAt(source, path, "invalid_value", `${show(value)} at ${where} must be one of ${options}.`);
}

/** YAML 1.1 read yes/no as booleans; YAML 1.2 (what we parse) does not, so say what to write. */
function toggleHint(text: string): string {
  if (/^(yes|y|true)$/i.test(text)) return " Did you mean 'on'?";
  if (/^(no|n|false)$/i.test(text)) return " Did you mean 'off'?";
  return didYouMean(text, ["on", "off"]);
}

function badName(source: SourceDocument, path: Path, error: ErrorObject): MappingIssue {
  const rule = "use letters, digits, '_', '-', '.' or ':', starting with a letter or digit";
  const propertyName = error.propertyName;
  if (propertyName !== undefined) {
    return issueAt(source, [...path, propertyName], "invalid_name", `'${propertyName}' is not a valid name: ${rule}.`, "key");
  }
  return issueAt(source, path, "invalid_name", `${show(error.data)} at \`${describePath(path)}\` is not a valid name: ${rule}.`);
}

function requiredHint(missing: string): string {
  switch (missing) {
    case "version":
      return " Add `version: 1`.";
    case "primaryOwner":
      return " Name the Primary Owner's userName, e.g. `primaryOwner: ceo@example.com`.";
    case "value":
      return " Add e.g. `appRole: { value: \"BillingAdmins\" }`.";
    default:
      return "";
  }
}

function allowedKeys(parentSchema: unknown): string[] {
  if (!isObject(parentSchema) || !isObject(parentSchema["properties"])) return [];
  return Object.keys(parentSchema["properties"]);
}

function matcherKeys(data: unknown): string {
  const keys = isObject(data) ? Object.keys(data) : [];
  return keys.length === 0 ? "none" : keys.map((key) => `\`${key}\``).join(" and ");
}

function sameSet(a: readonly unknown[], b: readonly unknown[]): boolean {
  return a.length === b.length && a.every((item) => b.includes(item));
}

function describeType(type: unknown): string {
  switch (type) {
    case "array":
      return "a list";
    case "object":
      return "a map of keys to values";
    case "string":
      return "text";
    default:
      return `of type ${String(type)}`;
  }
}

export function describeValue(value: unknown): string {
  if (value === null) return "empty";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a map";
  if (typeof value === "string") return `the text ${show(value)}`;
  return `${typeof value} ${String(value)}`;
}

function show(value: unknown): string {
  return typeof value === "string" ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** JSON pointer → path, with list indices as numbers (walks the data to know which are lists). */
function pointerToPath(pointer: string, root: unknown): PathSegment[] {
  if (pointer === "") return [];
  const path: PathSegment[] = [];
  let node = root;
  for (const raw of pointer.slice(1).split("/")) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (Array.isArray(node)) {
      const index = Number(segment);
      path.push(index);
      node = node[index];
    } else {
      path.push(segment);
      node = isObject(node) ? node[segment] : undefined;
    }
  }
  return path;
}

function dedupe(issues: MappingIssue[]): MappingIssue[] {
  const seen = new Set<string>();
  return issues.filter((issue) => {
    const key = `${issue.line}:${issue.column}:${issue.code}:${issue.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

