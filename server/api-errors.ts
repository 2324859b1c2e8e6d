/**
 * The /api error catalogue and its one renderer. Every error has a stable `code` from a union, so
 * that product services can switch on it (as jose keeps its codes); its HTTP status follows from the
 * code. Database outages are 503 with Retry-After; anything unknown is logged with its cause and
 * answered with a generic 500 that shows no internals.
 */
import type { NextFunction, Request, Response } from "express";
import { DbUnavailableError, classifyDbError } from "../db/errors";
import { AdminError } from "../roles/admin";
import type { Logger } from "../http/logger";
import { type HttpProblem, httpProblemOf } from "../http/problem";
import { requestIdOf } from "../http/request-id";
import { IssuerUnavailableError } from "./oidc/issuers";

const STATUS = {
  invalid_request: 400,
  invalid_json: 400,
  unknown_area: 400,
  unknown_level: 400,
  unknown_capability: 400,
  unknown_connector: 400,
  // A retention setting below its floor (the audit log's 30 days) or above its ceiling.
  retention_below_floor: 400,
  retention_out_of_range: 400,
  unauthorized: 401,
  // Role administration (roles/admin): 403 names the policy rule that refused.
  not_a_member: 403,
  // A member found by email whose issuer says the address is not verified.
  email_not_verified: 403,
  // A cookie-authenticated request without the session's CSRF token, or from another origin.
  csrf: 403,
  identity_access_view_required: 403,
  identity_access_manage_required: 403,
  owner_required: 403,
  primary_owner_required: 403,
  user_management_view_required: 403,
  user_management_manage_required: 403,
  operator_only: 403,
  privacy_view_required: 403,
  privacy_manage_required: 403,
  // Nobody suspends or removes the Primary Owner (transfer primary ownership first).
  primary_owner_protected: 403,
  analytics_view_required: 403,
  analytics_manage_required: 403,
  member_not_found: 404,
  not_found: 404,
  role_not_found: 404,
  rule_not_found: 404,
  group_not_found: 404,
  version_not_found: 404,
  token_not_found: 404,
  managed_by_file: 409,
  managed_by_idp: 409,
  would_lock_out: 409,
  // An erasure asked for a member the directory still has: delete them at the IdP first.
  member_exists: 409,
  group_exists: 409,
  token_inactive: 409,
  // Identity & Access: sign-in settings the environment sets, an issuer and client another organisation trusts.
  managed_by_environment: 409,
  sign_in_taken: 409,
  cannot_suspend_self: 409,
  cannot_remove_self: 409,
  precondition_failed: 412,
  payload_too_large: 413,
  invalid_mapping: 422,
  // A transfer of primary ownership to a userName no active member has.
  primary_owner_not_member: 422,
  // An issuer the console was asked to trust, refused before saving (server/oidc/discovery-check.ts).
  issuer_not_allowed: 422,
  issuer_unreachable: 422,
  discovery_invalid: 422,
  issuer_mismatch: 422,
  discovery_incomplete: 422,
  authorization_code_unsupported: 422,
  precondition_required: 428,
  too_many_requests: 429,
  // Never received: the client closed the connection (logged at info, counted apart from 5xx).
  client_closed_request: 499,
  internal: 500,
  unavailable: 503,
  issuer_unavailable: 503,
} as const satisfies Record<string, number>;

export type ApiErrorCode = keyof typeof STATUS;

/** Seconds a client should wait before retrying a request the database could not serve. */
const RETRY_AFTER_SECONDS = "5";

export class ApiError extends Error {
  override readonly name = "ApiError";
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    options?: { cause?: unknown; details?: Readonly<Record<string, unknown>> },
  ) {
    super(message, options);
    this.status = STATUS[code];
    this.details = options?.details ?? {};
  }

  /** Beside code and message in the body: what a client needs to act (located issues, who would be locked out). */
  readonly details: Readonly<Record<string, unknown>>;
}

/** Every code with its status (the OpenAPI document lists them). */
export const API_ERROR_STATUS: Readonly<Record<ApiErrorCode, number>> = STATUS;

/** A problem of the request itself (http/problem.ts), in the API's terms. */
function problemError(problem: HttpProblem, log: Logger, requestId: string): ApiError {
  switch (problem.kind) {
    case "bad_json":
      return new ApiError("invalid_json", "The request body is not valid JSON");
    case "too_large":
      return new ApiError("payload_too_large", "The request body is larger than this API accepts");
    case "unsupported_encoding":
      return new ApiError("invalid_request", "The request body's encoding is not supported; send UTF-8 JSON without Content-Encoding, or gzip/deflate");
    case "undecodable_charset":
      return new ApiError("invalid_request", "The request body's encoding is not supported; send UTF-8 JSON");
    case "too_deep":
      return new ApiError("invalid_request", `The request body nests arrays and objects more than ${problem.maxDepth} levels deep`);
    case "nul_in_body":
      return new ApiError("invalid_request", "The request body contains a NUL character (\\u0000), which no value may hold");
    case "nul_in_path":
      return new ApiError("not_found", "Not found");
    case "nul_in_query":
      return new ApiError("invalid_request", `The query parameter "${problem.parameter}" contains a NUL character (%00)`);
    case "client_aborted":
      log.info({ requestId, clientAborted: true, reason: problem.reason }, "the client closed the connection");
      return new ApiError("client_closed_request", "The client closed the connection before the request completed");
  }
}

/**
 * A client's mistake that express or body-parser found before any route ran: a path whose
 * percent-encoding does not decode (express's URIError), a compressed body that does not inflate.
 * They carry a 4xx status; their own message is about the request, never about the server.
 */
function requestError(err: unknown): ApiError | null {
  if (!(err instanceof Error) || !("status" in err)) return null;
  const status = err.status;
  if (typeof status !== "number" || status < 400 || status >= 500) return null;
  if (status === 413) return new ApiError("payload_too_large", "The request body is larger than this API accepts");
  const exposed = err instanceof URIError || ("expose" in err && err.expose === true);
  return exposed ? new ApiError("invalid_request", err instanceof URIError ? "The request path is not valid percent-encoded UTF-8" : err.message) : null;
}

/**
 * Whatever was thrown, as the ApiError to answer with. A fault of the server is logged with the
 * request id, and the 500's body names it, so that a caller's report finds the log line (as SCIM's do).
 */
export function toApiError(err: unknown, log: Logger, requestId: string): ApiError {
  if (err instanceof ApiError) return err;
  if (err instanceof AdminError) return new ApiError(err.code, err.message, { details: err.details });
  if (err instanceof IssuerUnavailableError) {
    log.warn({ err, requestId }, "OIDC issuer unavailable");
    return new ApiError("issuer_unavailable", "The organisation's sign-in provider cannot be reached; retry later", { cause: err });
  }
  const problem = httpProblemOf(err);
  if (problem !== null) return problemError(problem, log, requestId);
  const refused = requestError(err);
  if (refused) return refused;
  if (classifyDbError(err) instanceof DbUnavailableError) {
    log.error({ err, requestId }, "database unavailable");
    return new ApiError("unavailable", "The service is temporarily unavailable; retry later", { cause: err });
  }
  log.error({ err, requestId }, "api error");
  return new ApiError("internal", `Internal server error (request ${requestId})`, { cause: err, details: { requestId } });
}

export function sendApiError(res: Response, err: ApiError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err.status === 503 && !res.hasHeader("Retry-After")) res.setHeader("Retry-After", RETRY_AFTER_SECONDS);
  res.status(err.status).json({ error: { ...err.details, code: err.code, message: err.message } });
}

/** The express error handler of the /api router: everything thrown below it, authentication included. */
export function apiErrorHandler(log: Logger): (err: unknown, req: Request, res: Response, next: NextFunction) => void {
  return (err, req, res, _next) => sendApiError(res, toApiError(err, log, requestIdOf(req)));
}
