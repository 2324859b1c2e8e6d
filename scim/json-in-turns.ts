/**
 * JSON text parsed a piece at a time. A 29 MB Group body (600k members) took one `JSON.parse` of
 * ≈ 130 ms plus the garbage collection of its 600k objects, ≈ 250 ms in one stretch of the one
 * event loop that serves every organisation. Here a value longer than PIECE characters is split
 * where its structure allows — an array between its elements, an object between its members —
 * and every piece is still parsed by `JSON.parse`, so the result, and what is refused, is what
 * `JSON.parse` of the whole text gives: the splitting only reads strings' ends and brackets.
 */
import { type Stepwise } from "../http/turns";

/** Text up to this many characters is parsed in one `JSON.parse` (≈ 1 ms). */
const PIECE = 256 * 1024;

const WHITESPACE = new Set([0x20, 0x09, 0x0a, 0x0d]);

function syntaxError(): SyntaxError {
  return new SyntaxError("The text is not valid JSON");
}

/** JSON.parse with the same result; a SyntaxError for text JSON.parse refuses. */
export function* parseJsonStepwise(text: string): Stepwise<unknown> {
  const [start, end] = trimmed(text, 0, text.length);
  if (end - start <= PIECE) return JSON.parse(text);
  return yield* valueOf(text, start, end);
}

function trimmed(text: string, start: number, end: number): [number, number] {
  while (start < end && WHITESPACE.has(text.charCodeAt(start))) start += 1;
  while (end > start && WHITESPACE.has(text.charCodeAt(end - 1))) end -= 1;
  return [start, end];
}

/** One value spanning exactly [start, end), whitespace trimmed. */
function* valueOf(text: string, start: number, end: number): Stepwise<unknown> {
  if (end - start <= PIECE) return parsePiece(text, start, end);
  const first = text[start];
  const last = text[end - 1];
  if (first === "[" && last === "]") return yield* arrayOf(text, start, end);
  if (first === "{" && last === "}") return yield* objectOf(text, start, end);
  // A long string or anything else: one piece, refused by JSON.parse if it is not JSON.
  return parsePiece(text, start, end);
}

function parsePiece(text: string, start: number, end: number): unknown {
  if (start >= end) throw syntaxError();
  return JSON.parse(text.slice(start, end));
}

/**
 * The end of the string whose opening quote is at `quote`: the index after its closing quote. A
 * quote preceded by an odd number of backslashes is escaped.
 */
function stringEnd(text: string, quote: number, end: number): number {
  let at = quote + 1;
  for (;;) {
    const next = text.indexOf('"', at);
    if (next === -1 || next >= end) throw syntaxError();
    let backslashes = 0;
    while (text.charCodeAt(next - 1 - backslashes) === 0x5c) backslashes += 1;
    if (backslashes % 2 === 0) return next + 1;
    at = next + 1;
  }
}

/**
 * The top-level separators (commas) between `start` and `end`, the inside of an array or object,
 * as the spans between them. Brackets only count depth here; whether they match is checked by the
 * JSON.parse of the piece, or by valueOf for a piece split further.
 */
function* spans(text: string, start: number, end: number): Generator<[number, number] | undefined, void, void> {
  let depth = 0;
  let from = start;
  let i = start;
  let pauseAt = start + SCAN_STEP;
  while (i < end) {
    if (i > pauseAt) {
      // A point to pause at: one element may be most of a 32 MiB body.
      yield undefined;
      pauseAt = i + SCAN_STEP;
    }
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      i = stringEnd(text, i, end);
      continue;
    }
    if (c === 0x5b || c === 0x7b) depth += 1;
    else if (c === 0x5d || c === 0x7d) {
      depth -= 1;
      if (depth < 0) throw syntaxError();
    } else if (c === 0x2c && depth === 0) {
      yield [from, i];
      from = i + 1;
    }
    i += 1;
  }
  if (depth !== 0) throw syntaxError();
  yield [from, end];
}

/** How many characters are scanned between two points where the work may pause. */
const SCAN_STEP = 64 * 1024;

function* arrayOf(text: string, start: number, end: number): Stepwise<unknown[]> {
  const items: unknown[] = [];
  const [innerStart, innerEnd] = trimmed(text, start + 1, end - 1);
  if (innerStart === innerEnd) return items;
  // Consecutive small elements are parsed together, as `[` + their text + `]`.
  let batchStart = -1;
  let batchEnd = -1;
  const flush = (): void => {
    if (batchStart === -1) return;
    for (const item of JSON.parse(`[${text.slice(batchStart, batchEnd)}]`) as unknown[]) items.push(item);
    batchStart = -1;
  };
  for (const span of spans(text, innerStart, innerEnd)) {
    if (span === undefined) {
      yield;
      continue;
    }
    const [from, to] = span;
    const [s, e] = trimmed(text, from, to);
    if (s === e) throw syntaxError();
    if (e - s > PIECE) {
      flush();
      yield;
      items.push(yield* valueOf(text, s, e));
    } else {
      if (batchStart === -1) batchStart = s;
      batchEnd = e;
      if (batchEnd - batchStart > PIECE) {
        flush();
        yield;
      }
    }
  }
  flush();
  return items;
}

function* objectOf(text: string, start: number, end: number): Stepwise<Record<string, unknown>> {
  const object: Record<string, unknown> = {};
  const [innerStart, innerEnd] = trimmed(text, start + 1, end - 1);
  if (innerStart === innerEnd) return object;
  for (const span of spans(text, innerStart, innerEnd)) {
    if (span === undefined) {
      yield;
      continue;
    }
    const [from, to] = span;
    const [s, e] = trimmed(text, from, to);
    if (text[s] !== '"') throw syntaxError();
    const keyEnd = stringEnd(text, s, e);
    const [colon, valueEnd] = trimmed(text, keyEnd, e);
    if (text[colon] !== ":") throw syntaxError();
    const [valueStart] = trimmed(text, colon + 1, valueEnd);
    const key = JSON.parse(text.slice(s, keyEnd)) as string;
    const value = yield* valueOf(text, valueStart, valueEnd);
    // As JSON.parse does: an own data property, even for "__proto__"; a repeated key keeps its place.
    Object.defineProperty(object, key, { value, writable: true, enumerable: true, configurable: true });
    yield;
  }
  return object;
}
