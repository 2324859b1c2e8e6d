/**
 * YAML (and therefore JSON) text → a positioned document. Every later issue is located through
 * {@link locate}, so messages can name the exact line and column of the offending node.
 */
import { LineCounter, isMap, isScalar, isSeq, parseDocument } from "yaml";
import type { Document, Node, Pair } from "yaml";
import type { IssueCode, MappingIssue } from "./types";

export type PathSegment = string | number;
export type Path = readonly PathSegment[];

export interface SourceDocument {
  file: string;
  doc: Document.Parsed;
  lineCounter: LineCounter;
  /** Plain JS value of the document (for duplicate keys, the last value wins). */
  value: unknown;
  /** Each map's first pair per key, built on first use, so locating an issue costs its path, not the file. */
  keys: WeakMap<object, Map<string, Pair<unknown, unknown>>>;
}

/** How much a mapping file may ask of the parser (MAPPING_MAX_BYTES, MAPPING_MAX_ALIASES). */
export interface SourceLimits {
  readonly maxBytes: number;
  /** Alias expansions allowed (yaml's `maxAliasCount`): a "billion laughs" file expands each alias into many nodes. */
  readonly maxAliases: number;
}

export const DEFAULT_SOURCE_LIMITS: SourceLimits = { maxBytes: 1_048_576, maxAliases: 100 };

export type LoadResult =
  | { ok: true; source: SourceDocument; issues: MappingIssue[] }
  | { ok: false; errors: MappingIssue[] };

/**
 * Syntax errors stop here: past a syntax error the tree is a guess. Duplicate keys do not stop
 * anything — they are reported with every other problem (`uniqueKeys: false` keeps both pairs so
 * we can say where each one is).
 */
export function loadSource(
  text: string,
  file: string,
  duplicateCode: (path: Path) => IssueCode,
  limits: SourceLimits = DEFAULT_SOURCE_LIMITS,
): LoadResult {
  const bytes = utf8Length(text);
  if (bytes > limits.maxBytes) {
    return { ok: false, errors: [tooLarge(file, `The file is ${bytes} bytes; at most ${limits.maxBytes} are read (MAPPING_MAX_BYTES).`)] };
  }
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, uniqueKeys: false, prettyErrors: false });
  if (doc.errors.length > 0) {
    return {
      ok: false,
      errors: doc.errors.map((error) => {
        const { line, col } = lineCounter.linePos(error.pos[0]);
        return { file, line, column: col, code: "syntax", message: syntaxMessage(error.message) };
      }),
    };
  }
  if (doc.contents === null || (isScalar(doc.contents) && doc.contents.value === null)) {
    return {
      ok: false,
      errors: [{ file, line: 1, column: 1, code: "empty", message: "The file is empty; it needs at least `version: 1` and `primaryOwner`." }],
    };
  }
  let value: unknown;
  try {
    value = doc.toJS({ maxAliasCount: limits.maxAliases });
  } catch (err) {
    // yaml throws a ReferenceError for an alias expanded past maxAliasCount (a "billion laughs").
    if (!(err instanceof ReferenceError)) throw err;
    return { ok: false, errors: [tooLarge(file, `The file's aliases expand beyond what is read (at most ${limits.maxAliases} alias expansions, MAPPING_MAX_ALIASES): ${err.message}.`)] };
  }
  const source: SourceDocument = { file, doc, lineCounter, value, keys: new WeakMap() };
  return { ok: true, source, issues: findDuplicateKeys(source, duplicateCode) };
}

function tooLarge(file: string, message: string): MappingIssue {
  return { file, line: 1, column: 1, code: "too_large", message };
}

/** UTF-8 length of `text` without encoding it. */
export function utf8Length(text: string): number {
  let bytes = 0;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code < 0x80) bytes += 1;
    else if (code < 0x800) bytes += 2;
    else if (code >= 0xd800 && code < 0xdc00 && i + 1 < text.length) {
      bytes += 4;
      i++;
    } else bytes += 3;
  }
  return bytes;
}

/** The first pair of `map` whose key reads `key` (the one an issue about that key points at). */
function pairOf(source: SourceDocument, map: { items: Pair<unknown, unknown>[] }, key: string): Pair<unknown, unknown> | undefined {
  let index = source.keys.get(map);
  if (index === undefined) {
    index = new Map();
    for (const pair of map.items) {
      const text = keyText(pair);
      if (text !== undefined && !index.has(text)) index.set(text, pair);
    }
    source.keys.set(map, index);
  }
  return index.get(key);
}

function syntaxMessage(raw: string): string {
  const firstLine = raw.split("\n")[0] ?? raw;
  return `This is not valid YAML or JSON: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}.`;
}

export function issueAt(
  source: SourceDocument,
  path: Path,
  code: IssueCode,
  message: string,
  target: "key" | "value" = "value",
): MappingIssue {
  const { line, column } = locate(source, path, target);
  return { file: source.file, line, column, code, message };
}

/**
 * Position of the node at `path`, or of the nearest ancestor that exists (a missing property is
 * reported at the object that lacks it). `target: "key"` points at a map key rather than its value.
 */
export function locate(source: SourceDocument, path: Path, target: "key" | "value"): { line: number; column: number } {
  let node: unknown = source.doc.contents;
  let offset = startOf(node) ?? 0;
  for (const [i, segment] of path.entries()) {
    const isLast = i === path.length - 1;
    if (isMap(node)) {
      const pair = pairOf(source, node, String(segment));
      if (pair === undefined) break;
      const keyOffset = startOf(pair.key);
      if (isLast && target === "key") {
        offset = keyOffset ?? offset;
        break;
      }
      // `key:` with nothing after it has an empty scalar positioned at the end of the line.
      offset = (isEmptyScalar(pair.value) ? keyOffset : startOf(pair.value) ?? keyOffset) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof segment === "number") {
      const item: unknown = node.items[segment];
      if (item === undefined) break;
      offset = startOf(item) ?? offset;
      node = item;
    } else {
      break;
    }
  }
  const { line, col } = source.lineCounter.linePos(offset);
  return { line, column: col };
}

function startOf(node: unknown): number | undefined {
  if (typeof node !== "object" || node === null || !("range" in node)) return undefined;
  const range = (node as Node).range;
  return Array.isArray(range) ? range[0] : undefined;
}

function isEmptyScalar(node: unknown): boolean {
  return isScalar(node) && node.value === null && node.source === "";
}

function keyText(pair: Pair<unknown, unknown>): string | undefined {
  return isScalar(pair.key) ? String(pair.key.value) : undefined;
}

function findDuplicateKeys(source: SourceDocument, duplicateCode: (path: Path) => IssueCode): MappingIssue[] {
  const issues: MappingIssue[] = [];
  const visit = (node: unknown, path: PathSegment[]): void => {
    if (isSeq(node)) {
      node.items.forEach((item, index) => visit(item, [...path, index]));
      return;
    }
    if (!isMap(node)) return;
    const firstLine = new Map<string, number>();
    for (const pair of node.items) {
      const key = keyText(pair);
      if (key === undefined) continue;
      const keyOffset = startOf(pair.key) ?? 0;
      const { line, col } = source.lineCounter.linePos(keyOffset);
      const seenAt = firstLine.get(key);
      if (seenAt === undefined) {
        firstLine.set(key, line);
        visit(pair.value, [...path, key]);
        continue;
      }
      const code = duplicateCode(path);
      const what = code === "duplicate_role" ? `Role '${key}' is defined twice` : `Key '${key}' appears twice${describeWhere(path)}`;
      issues.push({
        file: source.file,
        line,
        column: col,
        code,
        message: `${what} (first at line ${seenAt}); keep one, because only the last would count.`,
      });
    }
  };
  visit(source.doc.contents, []);
  return issues;
}

function describeWhere(path: Path): string {
  return path.length === 0 ? " at the top level" : ` in \`${describePath(path)}\``;
}

/** `mappings[2].group` — the way an admin would point at a spot in the file. */
export function describePath(path: Path): string {
  return path
    .map((segment, i) => (typeof segment === "number" ? `[${segment}]` : i === 0 ? segment : `.${segment}`))
    .join("");
}
