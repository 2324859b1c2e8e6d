/** The entry point from text: parse, validate against the schema and semantics, normalise, hash. */
import schema from "./mapping.schema.json";
import { hashMapping } from "./hash";
import { isObject } from "./json";
import { normaliseMapping } from "./normalise";
import { compileSchema, schemaIssues } from "./schemaIssues";
import { DEFAULT_SOURCE_LIMITS, type SourceLimits, loadSource } from "./source";
import type { Path } from "./source";
import { checkSemantics } from "./validate";
import type { IssueCode, MappingIssue, ParseResult } from "./types";

const validateSchema = compileSchema(schema);

/**
 * Mapping file text (YAML or JSON) → the normalised mapping, or every problem in the file at once,
 * each located by line and column. An invalid file yields no mapping at all. Every step costs in
 * proportion to the text, which `limits` bounds (a larger file is one `too_large` error).
 */
export function parseMapping(text: string, file: string, limits: SourceLimits = DEFAULT_SOURCE_LIMITS): ParseResult {
  const loaded = loadSource(text, file, duplicateCodeFor, limits);
  if (!loaded.ok) return loaded;
  const { source } = loaded;
  const semantic = checkSemantics(source);
  const errors = sortIssues([...loaded.issues, ...schemaIssues(validateSchema, source), ...semantic.errors]);
  if (errors.length > 0 || !isObject(source.value)) return { ok: false, errors };
  const mapping = normaliseMapping(source.value);
  return { ok: true, mapping, hash: hashMapping(mapping), warnings: sortIssues(semantic.warnings) };
}

function duplicateCodeFor(path: Path): IssueCode {
  return path.length === 1 && path[0] === "roles" ? "duplicate_role" : "duplicate_key";
}

/** File order, so an admin can fix problems top to bottom. */
export function sortIssues(issues: readonly MappingIssue[]): MappingIssue[] {
  return [...issues].sort((a, b) => a.line - b.line || a.column - b.column);
}
