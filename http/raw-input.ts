/**
 * What a request carries before it is parsed, checked in one linear pass: how deeply its JSON body
 * nests, and whether its body or URL holds a NUL character. Both are refused before anything
 * recurses over the value or sends it to the database: V8 parses deep JSON without complaint, but
 * every recursive walk after it (coercion, member lists, Bulk's bulkId substitution, rendering)
 * overflows the stack around 5,000 levels, and PostgreSQL's text and jsonb cannot hold U+0000.
 */

import { type Stepwise, runAtOnce } from "./turns";

export type RawBodyProblem = { readonly kind: "tooDeep"; readonly maxDepth: number } | { readonly kind: "nul" } | { readonly kind: "charset" };

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const OPEN_OBJECT = 0x7b;
const CLOSE_ARRAY = 0x5d;
const CLOSE_OBJECT = 0x7d;
/** `\u0000` after the backslash: u, 0, 0, 0, 0. */
const NUL_ESCAPE = [0x75, 0x30, 0x30, 0x30, 0x30];

/**
 * Scans the raw body once, counting `[`/`{` outside strings. JSON's structural characters are
 * ASCII, which never occurs inside a multi-byte UTF-8 sequence, so scanning bytes is exact. A raw
 * NUL byte is not valid JSON (the parser refuses it); the escape `\u0000` is, and is looked for here.
 * A string's end and its escapes are found with `indexOf` (a native search) rather than byte by
 * byte: a 32 MiB member list is nearly all strings, and the byte loop held the event loop for
 * hundreds of milliseconds on it.
 */
export function inspectJsonBytes(raw: Uint8Array, maxDepth: number): RawBodyProblem | null {
  return runAtOnce(inspectJsonBytesStepwise(raw, maxDepth));
}

/** Bytes scanned between two points where the scan may pause. */
const SCAN_STEP = 256 * 1024;

/** inspectJsonBytes, pausing every SCAN_STEP bytes: a 32 MiB body is scanned in ≈ 30 ms. */
export function* inspectJsonBytesStepwise(raw: Uint8Array, maxDepth: number): Stepwise<RawBodyProblem | null> {
  let depth = 0;
  let nextBackslash = raw.indexOf(BACKSLASH);
  let i = 0;
  let pauseAt = SCAN_STEP;
  while (i < raw.length) {
    if (i > pauseAt) {
      yield;
      pauseAt = i + SCAN_STEP;
    }
    const byte = raw[i];
    if (byte === QUOTE) {
      // Inside a string, from the byte after its opening quote.
      i += 1;
      for (;;) {
        const quote = raw.indexOf(QUOTE, i);
        if (nextBackslash !== -1 && nextBackslash < i) nextBackslash = raw.indexOf(BACKSLASH, i);
        if (nextBackslash !== -1 && (quote === -1 || nextBackslash < quote)) {
          if (NUL_ESCAPE.every((expected, k) => raw[nextBackslash + 1 + k] === expected)) return { kind: "nul" };
          // The escaped character (a quote or a backslash among them) is skipped.
          i = nextBackslash + 2;
          continue;
        }
        // An unterminated string: the parser refuses the body.
        if (quote === -1) return null;
        i = quote + 1;
        break;
      }
      continue;
    }
    if (byte === OPEN_ARRAY || byte === OPEN_OBJECT) {
      depth += 1;
      if (depth > maxDepth) return { kind: "tooDeep", maxDepth };
    } else if (byte === CLOSE_ARRAY || byte === CLOSE_OBJECT) depth -= 1;
    i += 1;
  }
  return null;
}

/**
 * body-parser's `verify` hook hands over the raw bytes and the charset the request declared. JSON
 * is UTF-8 (RFC 8259 §8.1); a body declared in another Unicode encoding is re-encoded first, and
 * one the runtime cannot decode is refused as the parser would refuse it.
 */
export function inspectJsonBody(raw: Buffer, encoding: string | undefined, maxDepth: number): RawBodyProblem | null {
  const charset = (encoding ?? "utf-8").toLowerCase();
  if (charset === "utf-8" || charset === "utf8") return inspectJsonBytes(raw, maxDepth);
  let text: string;
  try {
    text = new TextDecoder(charset).decode(raw);
  } catch {
    return { kind: "charset" };
  }
  return inspectJsonBytes(Buffer.from(text, "utf8"), maxDepth);
}

/**
 * A NUL in the URL can only arrive percent-encoded (`%00`; Node refuses a raw one). In the path it
 * names no resource; in the query it is a value no attribute holds. The parameter it is in is named.
 */
export function nulInUrl(originalUrl: string): { readonly where: "path" } | { readonly where: "query"; readonly parameter: string } | null {
  const question = originalUrl.indexOf("?");
  const path = question === -1 ? originalUrl : originalUrl.slice(0, question);
  if (/%00/i.test(path)) return { where: "path" };
  if (question === -1) return null;
  const pair = originalUrl.slice(question + 1).split("&").find((part) => /%00/i.test(part));
  if (pair === undefined) return null;
  const name = pair.split("=")[0] ?? "";
  let parameter = name;
  try {
    parameter = decodeURIComponent(name.replace(/\+/g, " "));
  } catch {
    // A malformed escape in the name: name it as sent.
  }
  return { where: "query", parameter: parameter.replace(/\u0000/g, "\\u0000") };
}
