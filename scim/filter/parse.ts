/**
 * The grammar of SCIM filters and attribute paths: a hand-written tokenizer and recursive-descent
 * parser for the RFC 7644 §3.4.2.2 filter grammar and the §3.5.2 PATCH path grammar, and the
 * canonical text of a parsed filter.
 *
 * scimmy's own parser is deliberately not used: it rejects nested parentheses and escaped
 * quotes, and it accepts `userName eq` with no value.
 */
import { invalidFilter, invalidPath, invalidValue, type ScimError } from "../errors";
import { DEFAULT_INPUT_LIMITS } from "../limits";
import type { AttrPath, CompareOp, FilterNode, FilterValue, PatchPath } from "./ast";

// ---------------------------------------------------------------------------------------------
// Tokens

type Punctuation = "(" | ")" | "[" | "]";

type Token =
  | { readonly kind: "word"; readonly text: string; readonly pos: number }
  | { readonly kind: "string"; readonly value: string; readonly raw: string; readonly pos: number }
  | { readonly kind: "punct"; readonly text: Punctuation; readonly pos: number }
  | { readonly kind: "end"; readonly pos: number };

type Fail = (detail: string) => never;

const PUNCTUATION: ReadonlySet<string> = new Set(["(", ")", "[", "]"]);
const WHITESPACE: ReadonlySet<string> = new Set([" ", "\t", "\r", "\n"]);

/** Human positions are 1-based: "position 1" is the first character. */
const at = (pos: number): string => `position ${pos + 1}`;

function isDelimiter(ch: string): boolean {
  return WHITESPACE.has(ch) || PUNCTUATION.has(ch) || ch === '"';
}

function tokenize(text: string, fail: Fail): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text.charAt(i);
    if (WHITESPACE.has(ch)) {
      i += 1;
    } else if (PUNCTUATION.has(ch)) {
      tokens.push({ kind: "punct", text: ch as Punctuation, pos: i });
      i += 1;
    } else if (ch === '"') {
      const { value, end } = readJsonString(text, i, fail);
      tokens.push({ kind: "string", value, raw: text.slice(i, end), pos: i });
      i = end;
    } else {
      let j = i;
      while (j < text.length && !isDelimiter(text.charAt(j))) j += 1;
      tokens.push({ kind: "word", text: text.slice(i, j), pos: i });
      i = j;
    }
  }
  tokens.push({ kind: "end", pos: text.length });
  return tokens;
}

const SIMPLE_ESCAPES: Readonly<Record<string, string>> = {
  '"': '"',
  "\\": "\\",
  "/": "/",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
};

/** RFC 7644 §3.4.2.2: compValue strings are JSON strings (RFC 7159 §7), so every JSON escape is honoured. */
function readJsonString(text: string, start: number, fail: Fail): { value: string; end: number } {
  let out = "";
  let i = start + 1;
  for (;;) {
    if (i >= text.length) fail(`The string that starts at ${at(start)} is never closed with a double quote.`);
    const ch = text.charAt(i);
    if (ch === '"') return { value: out, end: i + 1 };
    if (ch !== "\\") {
      out += ch;
      i += 1;
      continue;
    }
    const esc = text.charAt(i + 1);
    const simple = SIMPLE_ESCAPES[esc];
    if (simple !== undefined) {
      out += simple;
      i += 2;
    } else if (esc === "u") {
      const hex = text.slice(i + 2, i + 6);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail(`The escape "\\u${hex}" at ${at(i)} needs exactly four hexadecimal digits.`);
      out += String.fromCharCode(parseInt(hex, 16));
      i += 6;
    } else if (esc === "") {
      fail(`The string that starts at ${at(start)} is never closed with a double quote.`);
    } else {
      fail(`"\\${esc}" at ${at(i)} is not a JSON escape; use \\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t or \\uXXXX.`);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Attribute paths

/** RFC 7643 §2.1 ATTRNAME = ALPHA *(nameChar), plus `$ref` which the core schemas use. */
const ATTRNAME = /^(?:[A-Za-z][A-Za-z0-9_-]*|\$ref)$/;
const COMPARE_OPS: ReadonlySet<string> = new Set(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"]);
const OPERATOR_LIST = "eq, ne, co, sw, ew, gt, ge, lt, le or pr";

function isCompareOp(word: string): word is CompareOp {
  return COMPARE_OPS.has(word);
}

/**
 * Splits `urn:…:User:name.familyName` at the LAST colon (RFC 7644 §3.10: the attribute is
 * appended to the schema URN with a colon), then `attr[.subAttr]` at the dot.
 */
function parseAttrPathText(text: string, pos: number, fail: Fail): AttrPath {
  let schema: string | undefined;
  let rest = text;
  if (/^urn:/i.test(text)) {
    const colon = text.lastIndexOf(":");
    schema = text.slice(0, colon);
    rest = text.slice(colon + 1);
    const segments = schema.split(":");
    if (segments.length < 3 || segments.some((s) => s === "")) {
      fail(`"${schema}" at ${at(pos)} is not a valid schema URN (expected urn:<namespace>:<name>).`);
    }
    if (rest === "") fail(`The schema URN "${schema}" at ${at(pos)} must be followed by ":" and an attribute name.`);
  }
  const parts = rest.split(".");
  if (parts.length > 2) {
    fail(`"${text}" at ${at(pos)} has more than one ".": an attribute path is attribute or attribute.subAttribute.`);
  }
  for (const part of parts) {
    if (!ATTRNAME.test(part)) {
      fail(
        `"${text}" at ${at(pos)} is not a valid attribute path: "${part}" must start with a letter and contain only letters, digits, "-" or "_".`,
      );
    }
  }
  const [attr, subAttr] = parts as [string, string | undefined];
  return { ...(schema !== undefined ? { schema } : {}), attr, ...(subAttr !== undefined ? { subAttr } : {}) };
}

function renderAttrPath(path: AttrPath): string {
  const base = path.schema !== undefined ? `${path.schema}:${path.attr}` : path.attr;
  return path.subAttr !== undefined ? `${base}.${path.subAttr}` : base;
}

// ---------------------------------------------------------------------------------------------
// Parser

/** Set while parsing inside `attr[ … ]`: paths there are relative to `attr` (RFC 7644 §3.4.2.2 valFilter). */
interface Scope {
  readonly valuePathOf?: { readonly attr: string; readonly pos: number };
}

const TOP: Scope = {};

/**
 * How much one filter may hold. The parser recurses once per nesting level and the tree it builds
 * is as deep as its terms are many, and everything downstream (the SQL compiler, the in-memory
 * matcher, the database's own expression tree) walks that tree recursively: both caps turn a hostile
 * `((((…` or a 20,000-term `or` chain into a 400 before any of that runs.
 */
export interface FilterLimits {
  readonly maxTerms: number;
  readonly maxDepth: number;
}

export const DEFAULT_FILTER_LIMITS: FilterLimits = Object.freeze({
  maxTerms: DEFAULT_INPUT_LIMITS.maxFilterTerms,
  maxDepth: DEFAULT_INPUT_LIMITS.maxFilterDepth,
});

class Parser {
  private index = 0;
  private depth = 0;
  private terms = 0;

  constructor(
    private readonly tokens: readonly Token[],
    private readonly fail: Fail,
    private readonly noun: "filter" | "path",
    private readonly limits: FilterLimits,
  ) {}

  // --- entry points

  parseWholeFilter(): FilterNode {
    const node = this.parseOr(TOP);
    this.expectEnd();
    return node;
  }

  parseWholePatchPath(): PatchPath {
    const path = this.leadingAttrPath();
    const open = this.peek();
    if (!(open.kind === "punct" && open.text === "[")) {
      this.expectEnd();
      return { path };
    }
    this.rejectFilterOnSubAttr(path, open);
    this.next();
    const valueFilter = this.parseOr({ valuePathOf: { attr: path.attr, pos: open.pos } });
    this.expectClose("]", open);
    const subAttr = this.optionalSubAttrAfterBracket();
    this.expectEnd();
    return { path, valueFilter, ...(subAttr !== undefined ? { subAttr } : {}) };
  }

  private leadingAttrPath(): AttrPath {
    const first = this.peek();
    if (first.kind !== "word") this.fail(`Expected an attribute name at ${at(first.pos)}, but found ${this.describe(first)}.`);
    this.next();
    return this.attrPath(first, TOP);
  }

  parseSingleAttrPath(): AttrPath {
    const path = this.leadingAttrPath();
    const after = this.peek();
    if (after.kind === "punct" && after.text === "[") {
      this.fail(`A value filter ("[" at ${at(after.pos)}) is not allowed here: expected a plain attribute path.`);
    }
    this.expectEnd();
    return path;
  }

  // --- grammar: or binds loosest, then and, then not / parentheses / attribute expressions

  private parseOr(scope: Scope): FilterNode {
    return this.parseJoined("or", () => this.parseAnd(scope));
  }

  private parseAnd(scope: Scope): FilterNode {
    return this.parseJoined("and", () => this.parseUnary(scope));
  }

  /** `operand *(keyword operand)`, left-associative. */
  private parseJoined(keyword: "and" | "or", operand: () => FilterNode): FilterNode {
    let left = operand();
    while (this.peekKeyword(keyword)) {
      this.next();
      left = { kind: keyword, left, right: operand() };
    }
    return left;
  }

  private parseUnary(scope: Scope): FilterNode {
    const token = this.peek();
    if (token.kind === "punct" && token.text === "(") {
      this.next();
      const inner = this.nested(token, () => this.parseOr(scope));
      this.expectClose(")", token);
      return inner;
    }
    if (token.kind === "word" && token.text.toLowerCase() === "not") {
      // RFC 7644 §3.4.2.2 only defines `not "(" FILTER ")"`; a bare `not x eq 1` is ambiguous.
      const open = this.tokens[this.index + 1];
      if (!(open !== undefined && open.kind === "punct" && open.text === "(")) {
        this.fail(`"not" at ${at(token.pos)} must be followed by a filter in parentheses, e.g. not (title pr).`);
      }
      this.next();
      this.next();
      const expr = this.nested(open, () => this.parseOr(scope));
      this.expectClose(")", open);
      return { kind: "not", expr };
    }
    if (token.kind === "word") return this.parseAttrExpression(token, scope);
    return this.fail(`Expected an attribute name, "not" or "(" at ${at(token.pos)}, but found ${this.describe(token)}.`);
  }

  private parseAttrExpression(attrToken: Extract<Token, { kind: "word" }>, scope: Scope): FilterNode {
    this.terms += 1;
    if (this.terms > this.limits.maxTerms) {
      // invalidFilter also inside a PATCH path: what is refused is the size of its value filter.
      throw invalidFilter(`The filter holds more than ${this.limits.maxTerms} attribute expressions (the one at ${at(attrToken.pos)} is past the limit); split it into several requests.`);
    }
    this.next();
    const lower = attrToken.text.toLowerCase();
    if (isCompareOp(lower) || lower === "pr" || lower === "and" || lower === "or") {
      this.fail(`Expected an attribute name at ${at(attrToken.pos)}, but found the operator "${attrToken.text}".`);
    }
    const path = this.attrPath(attrToken, scope);
    const opToken = this.peek();

    if (opToken.kind === "punct" && opToken.text === "[") {
      if (scope.valuePathOf !== undefined) {
        this.fail(
          `Value filters cannot be nested: "[" at ${at(opToken.pos)} is inside the filter of "${scope.valuePathOf.attr}[" at ${at(scope.valuePathOf.pos)}.`,
        );
      }
      this.rejectFilterOnSubAttr(path, opToken);
      this.next();
      const filter = this.parseOr({ valuePathOf: { attr: path.attr, pos: opToken.pos } });
      this.expectClose("]", opToken);
      return { kind: "valuePath", path, filter };
    }

    if (opToken.kind !== "word") {
      this.fail(
        `Expected an operator (${OPERATOR_LIST}) after "${attrToken.text}" at ${at(attrToken.pos)}, but found ${this.describe(opToken)}.`,
      );
    }
    this.next();
    const op = opToken.text.toLowerCase();
    if (op === "pr") {
      this.rejectValueAfterPresent(opToken);
      return { kind: "present", path };
    }
    if (!isCompareOp(op)) {
      this.fail(`Unknown operator "${opToken.text}" at ${at(opToken.pos)}; expected ${OPERATOR_LIST}.`);
    }
    const value = this.parseCompValue(opToken);
    this.checkOperandType(op, value, opToken);
    return { kind: "compare", path, op, value };
  }

  private parseCompValue(opToken: Extract<Token, { kind: "word" }>): FilterValue {
    const token = this.next();
    const literal = token.kind === "string" ? { value: token.value } : token.kind === "word" ? wordLiteral(token.text) : undefined;
    if (literal === undefined) {
      this.fail(
        `Expected a value after "${opToken.text}" at ${at(opToken.pos)} (a string in double quotes, a number, true, false or null), but found ${this.describe(token)}.`,
      );
    }
    return literal.value;
  }

  /** RFC 7644 §3.4.2.2: co/sw/ew are string operators; ordering on booleans is a 400 invalidFilter. */
  private checkOperandType(op: CompareOp, value: FilterValue, opToken: Extract<Token, { kind: "word" }>): void {
    const where = `"${opToken.text}" at ${at(opToken.pos)}`;
    if ((op === "co" || op === "sw" || op === "ew") && typeof value !== "string") {
      this.fail(`${where} compares strings, so its value must be a string in double quotes.`);
    }
    if ((op === "gt" || op === "ge" || op === "lt" || op === "le") && (typeof value === "boolean" || value === null)) {
      this.fail(`${where} orders values, so its value must be a string or a number, not ${String(value)}.`);
    }
  }

  private rejectValueAfterPresent(prToken: Extract<Token, { kind: "word" }>): void {
    const next = this.peek();
    const looksLikeValue = next.kind === "string" || (next.kind === "word" && wordLiteral(next.text) !== undefined);
    if (looksLikeValue) {
      this.fail(`"pr" at ${at(prToken.pos)} takes no value, but found ${this.describe(next)}.`);
    }
  }

  private rejectFilterOnSubAttr(path: AttrPath, open: Token): void {
    if (path.subAttr !== undefined) {
      this.fail(
        `A value filter ("[" at ${at(open.pos)}) applies to a multi-valued attribute, not to the sub-attribute "${renderAttrPath(path)}".`,
      );
    }
  }

  private attrPath(token: Extract<Token, { kind: "word" }>, scope: Scope): AttrPath {
    if (token.text.startsWith(".")) {
      this.fail(`Expected an attribute name at ${at(token.pos)}, but found "${token.text}".`);
    }
    const path = parseAttrPathText(token.text, token.pos, this.fail);
    const owner = scope.valuePathOf;
    if (owner !== undefined && path.schema !== undefined) {
      this.fail(
        `"${token.text}" at ${at(token.pos)} is inside "${owner.attr}[…]", where attributes are sub-attributes of ${owner.attr} and cannot carry a schema URN.`,
      );
    }
    if (owner !== undefined && path.subAttr !== undefined) {
      this.fail(
        `"${token.text}" at ${at(token.pos)} is inside "${owner.attr}[…]", where attributes are sub-attributes of ${owner.attr} and cannot have their own sub-attributes.`,
      );
    }
    return path;
  }

  /** RFC 7644 §3.5.2: `valuePath [subAttr]` — only PATCH paths may continue after `]`. */
  private optionalSubAttrAfterBracket(): string | undefined {
    const token = this.peek();
    if (token.kind !== "word" || !token.text.startsWith(".")) return undefined;
    this.next();
    const name = token.text.slice(1);
    if (!ATTRNAME.test(name)) {
      this.fail(`"${token.text}" at ${at(token.pos)} is not a valid sub-attribute: expected "." followed by an attribute name.`);
    }
    return name;
  }

  private nested<T>(open: Token, parse: () => T): T {
    this.depth += 1;
    if (this.depth > this.limits.maxDepth) {
      throw invalidFilter(`The parentheses at ${at(open.pos)} nest more than ${this.limits.maxDepth} levels deep.`);
    }
    const result = parse();
    this.depth -= 1;
    return result;
  }

  // --- token helpers

  private expectClose(close: ")" | "]", open: Token): void {
    const token = this.peek();
    if (token.kind === "punct" && token.text === close) {
      this.next();
      return;
    }
    const opener = close === ")" ? "(" : "[";
    if (token.kind === "end") {
      this.fail(`Missing "${close}" to close the "${opener}" at ${at(open.pos)}.`);
    }
    this.fail(`Expected "${close}" to close the "${opener}" at ${at(open.pos)}, but found ${this.describe(token)}.`);
  }

  private expectEnd(): void {
    const token = this.peek();
    if (token.kind === "end") return;
    if (token.kind === "punct" && (token.text === ")" || token.text === "]")) {
      const opener = token.text === ")" ? "(" : "[";
      this.fail(`Unexpected "${token.text}" at ${at(token.pos)}: there is no "${opener}" for it to close.`);
    }
    const previous = this.tokens[this.index - 1];
    if (
      this.noun === "filter" &&
      token.kind === "word" &&
      token.text.startsWith(".") &&
      previous?.kind === "punct" &&
      previous.text === "]"
    ) {
      this.fail(
        `"${token.text}" at ${at(token.pos)}: a sub-attribute after "[…]" is only allowed in PATCH paths; in a filter write the condition inside the brackets.`,
      );
    }
    const expected = this.noun === "filter" ? `"and", "or" or the end of the filter` : "the end of the path";
    this.fail(`Unexpected ${this.describe(token)}; expected ${expected}.`);
  }

  private peekKeyword(keyword: "and" | "or"): boolean {
    const token = this.peek();
    return token.kind === "word" && token.text.toLowerCase() === keyword;
  }

  private peek(): Token {
    // The tokenizer always ends with an "end" token and `next` never moves past it.
    return this.tokens[this.index] ?? { kind: "end", pos: 0 };
  }

  private next(): Token {
    const token = this.peek();
    if (token.kind !== "end") this.index += 1;
    return token;
  }

  private describe(token: Token): string {
    switch (token.kind) {
      case "end":
        return `the end of the ${this.noun}`;
      case "string":
        return `the string ${token.raw} at ${at(token.pos)}`;
      case "punct":
      case "word":
        return `"${token.text}" at ${at(token.pos)}`;
    }
  }
}

const JSON_NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;

/** true / false / null (any case) and JSON numbers; undefined when the word is not a literal. */
function wordLiteral(word: string): { value: FilterValue } | undefined {
  const lower = word.toLowerCase();
  if (lower === "true") return { value: true };
  if (lower === "false") return { value: false };
  if (lower === "null") return { value: null };
  if (!JSON_NUMBER.test(word)) return undefined;
  const n = Number(word);
  // 1e400 is valid JSON syntax but not a number we can store, compare or print back.
  return Number.isFinite(n) ? { value: n } : undefined;
}

function failWith(make: (detail: string) => ScimError): Fail {
  return (detail: string): never => {
    throw make(detail);
  };
}

/**
 * No stored value holds U+0000 (PostgreSQL's text cannot), so a filter or path that carries one,
 * raw or as `\u0000`, can match nothing: it is refused before it reaches SQL, on either database.
 */
function rejectNul(tokens: readonly Token[], noun: string): readonly Token[] {
  for (const token of tokens) {
    const text = token.kind === "string" ? token.value : token.kind === "word" ? token.text : "";
    if (text.includes("\u0000")) throw invalidValue(`The ${noun} contains a NUL character (U+0000) at ${at(token.pos)}, which no attribute value may hold.`);
  }
  return tokens;
}

// ---------------------------------------------------------------------------------------------
// Public parsing API

/** Parses an RFC 7644 §3.4.2.2 filter. Throws `invalidFilter` naming the position of the problem. */
export function parseFilter(text: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): FilterNode {
  const fail = failWith(invalidFilter);
  if (text.trim() === "") fail("The filter is empty.");
  return new Parser(rejectNul(tokenize(text, fail), "filter"), fail, "filter", limits).parseWholeFilter();
}

/** Parses one attribute path (`sortBy`, one entry of `attributes`/`excludedAttributes`). Throws `invalidPath`. */
export function parseAttrPath(text: string): AttrPath {
  const fail = failWith(invalidPath);
  if (text.trim() === "") fail("The attribute path is empty.");
  return new Parser(rejectNul(tokenize(text, fail), "attribute path"), fail, "path", DEFAULT_FILTER_LIMITS).parseSingleAttrPath();
}

/** Parses an RFC 7644 §3.5.2 PATCH path (`attrPath / valuePath [subAttr]`). Throws `invalidPath`. */
export function parsePatchPath(text: string, limits: FilterLimits = DEFAULT_FILTER_LIMITS): PatchPath {
  const fail = failWith(invalidPath);
  if (text.trim() === "") fail("The PATCH path is empty.");
  return new Parser(rejectNul(tokenize(text, fail), "PATCH path"), fail, "path", limits).parseWholePatchPath();
}

// ---------------------------------------------------------------------------------------------
// Rendering

/**
 * Canonical text for a filter: lower-case operators, JSON literals, and parentheses exactly where
 * the tree needs them, so `parseFilter(filterToString(n))` rebuilds `n`.
 */
export function filterToString(node: FilterNode): string {
  switch (node.kind) {
    case "compare":
      return `${renderAttrPath(node.path)} ${node.op} ${JSON.stringify(node.value)}`;
    case "present":
      return `${renderAttrPath(node.path)} pr`;
    case "not":
      return `not (${filterToString(node.expr)})`;
    case "valuePath":
      return `${renderAttrPath(node.path)}[${filterToString(node.filter)}]`;
    case "and":
      return `${wrapIf(node.left, ["or"])} and ${wrapIf(node.right, ["or", "and"])}`;
    case "or":
      return `${filterToString(node.left)} or ${wrapIf(node.right, ["or"])}`;
  }
}

function wrapIf(node: FilterNode, kinds: readonly FilterNode["kind"][]): string {
  const text = filterToString(node);
  return kinds.includes(node.kind) ? `(${text})` : text;
}

export { renderAttrPath as attrPathToString };
