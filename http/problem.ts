/**
 * What can go wrong with a request before any protocol reads it, named once for SCIM and /api
 * alike. Each protocol renders an `HttpProblem` in its own error format with an exhaustive switch
 * (scim/respond.ts, server/api-errors.ts), as node-oidc-provider keeps what every action needs in
 * one shared place and renders errors in one.
 */

export type HttpProblem =
  /** body-parser could not parse the body as JSON. */
  | { readonly kind: "bad_json" }
  /** The body is longer than the endpoint accepts; the limit in bytes when body-parser gave it. */
  | { readonly kind: "too_large"; readonly limitBytes: number | null }
  /** A Content-Encoding or charset body-parser cannot read. */
  | { readonly kind: "unsupported_encoding" }
  /** A charset body-parser read but the runtime cannot decode for the raw check (http/raw-input.ts). */
  | { readonly kind: "undecodable_charset" }
  /** Arrays and objects nested past the limit (SCIM_MAX_JSON_DEPTH). */
  | { readonly kind: "too_deep"; readonly maxDepth: number }
  /** `\u0000` in the body: no attribute value may hold it, PostgreSQL's text cannot. */
  | { readonly kind: "nul_in_body" }
  /** `%00` in the path: it names no resource. */
  | { readonly kind: "nul_in_path"; readonly path: string }
  /** `%00` in a query parameter, named. */
  | { readonly kind: "nul_in_query"; readonly parameter: string }
  /** The client went away; nobody receives the answer (see clientAbortReason). */
  | { readonly kind: "client_aborted"; readonly reason: string };

/** Thrown by the shared steps (http/body.ts) so that each protocol's renderer answers in its format. */
export class HttpProblemError extends Error {
  override readonly name = "HttpProblemError";
  constructor(readonly problem: HttpProblem) {
    super(`HTTP problem: ${problem.kind}`);
  }
}

/** The status recorded for a request whose client went away (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;

/** A streamed response's client closed the connection while it was written. */
export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  constructor() {
    super("the client closed the connection");
  }
}

/**
 * Why the client is gone, when a failure only means that: it closed the connection while its body
 * was being read ("request aborted"), before reading began (raw-body's "stream is not readable",
 * which body-parser gives status 500), with a reset socket, or while a response streamed to it.
 * Nobody receives the answer; these are logged at info with `clientAborted` and counted as 499,
 * so that 5xx counts and alerts mean a fault of the server. Null for every other error.
 */
export function clientAbortReason(err: unknown): string | null {
  if (err instanceof ClientGoneError) return "response";
  if (typeof err !== "object" || err === null) return null;
  const type = "type" in err ? err.type : undefined;
  if (type === "request.aborted" || type === "stream.not.readable") return type;
  // A socket error while body-parser read the body: it passes the error on with status 400.
  const code = "code" in err ? err.code : undefined;
  const status = "status" in err ? err.status : undefined;
  if ((code === "ECONNRESET" || code === "ECONNABORTED") && status === 400) return code;
  return null;
}

/** body-parser's failures, by the `type` it gives them. */
function bodyParserProblem(err: unknown): HttpProblem | null {
  if (typeof err !== "object" || err === null || !("type" in err)) return null;
  if (err.type === "entity.parse.failed") return { kind: "bad_json" };
  if (err.type === "entity.too.large") return { kind: "too_large", limitBytes: "limit" in err && typeof err.limit === "number" ? err.limit : null };
  if (err.type === "encoding.unsupported" || err.type === "charset.unsupported") return { kind: "unsupported_encoding" };
  return null;
}

/** The problem a failure stands for, when it is one of the request's own rather than the server's. */
export function httpProblemOf(err: unknown): HttpProblem | null {
  if (err instanceof HttpProblemError) return err.problem;
  const aborted = clientAbortReason(err);
  if (aborted !== null) return { kind: "client_aborted", reason: aborted };
  return bodyParserProblem(err);
}
