/**
 * The SCIM error catalogue (RFC 7644 §3.12): one constructor per status/scimType pair,
 * so handlers never spell a status code or a scimType by hand.
 */
import { DbConflictError, DbUnknownReferenceError, DbVersionMismatchError } from "../db/errors";
import { CLIENT_CLOSED_REQUEST } from "../http/problem";

/** RFC 7644 §3.12, Table 9. */
const SCIM_TYPES = ["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"] as const;

export type ScimType = (typeof SCIM_TYPES)[number];

export function isScimType(value: unknown): value is ScimType {
  return typeof value === "string" && (SCIM_TYPES as readonly string[]).includes(value);
}

export class ScimError extends Error {
  override readonly name = "ScimError";
  constructor(
    readonly status: number,
    readonly scimType: ScimType | undefined,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(detail, options);
  }

  toJSON(): Record<string, unknown> {
    return {
      schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"],
      status: String(this.status),
      ...(this.scimType ? { scimType: this.scimType } : {}),
      detail: this.detail,
    };
  }
}

export const invalidFilter = (detail: string): ScimError => new ScimError(400, "invalidFilter", detail);
export const invalidSyntax = (detail: string): ScimError => new ScimError(400, "invalidSyntax", detail);
export const invalidValue = (detail: string): ScimError => new ScimError(400, "invalidValue", detail);
export const invalidPath = (detail: string): ScimError => new ScimError(400, "invalidPath", detail);
export const noTarget = (detail: string): ScimError => new ScimError(400, "noTarget", detail);
export const mutability = (detail: string): ScimError => new ScimError(400, "mutability", detail);
export const tooMany = (detail: string): ScimError => new ScimError(400, "tooMany", detail);
export const unauthorized = (detail = "Authorization failure"): ScimError => new ScimError(401, undefined, detail);
export const forbidden = (detail: string): ScimError => new ScimError(403, undefined, detail);
export const notFound = (detail: string): ScimError => new ScimError(404, undefined, detail);
export const methodNotAllowed = (detail: string): ScimError => new ScimError(405, undefined, detail);
export const uniqueness = (detail: string): ScimError => new ScimError(409, "uniqueness", detail);
export const preconditionFailed = (detail: string): ScimError => new ScimError(412, undefined, detail);
export const payloadTooLarge = (detail: string): ScimError => new ScimError(413, undefined, detail);
export const tooManyRequests = (detail: string): ScimError => new ScimError(429, undefined, detail);
/** Recorded, never received: the client closed the connection (nginx's 499, http/problem.ts). */
export const clientClosedRequest = (): ScimError => new ScimError(CLIENT_CLOSED_REQUEST, undefined, "The client closed the connection before the request completed");
/** A fault of the server: the body names only the request id that the log line carries. */
export const internalError = (requestId: string): ScimError => new ScimError(500, undefined, `Internal server error (request ${requestId})`);
export const notImplemented = (detail: string): ScimError => new ScimError(501, undefined, detail);
export const serviceUnavailable = (detail: string): ScimError => new ScimError(503, undefined, detail);
/** A /Bulk operation naming a bulkId no earlier operation of the request created (RFC 7644 §3.7.2). */
export const unresolvedBulkId = (detail: string): ScimError => new ScimError(409, "invalidValue", detail);

/** A 4xx that scimmy raised, with its scimType when it is one of RFC 7644's. */
export const clientError = (status: number, scimType: unknown, detail: string): ScimError => new ScimError(status, isScimType(scimType) ? scimType : undefined, detail);

/** db/ errors → SCIM errors, at the boundary between storage and protocol (RFC 7644 §3.12). */
export function translateDbWriteError(err: unknown): never {
  if (err instanceof DbConflictError) throw uniqueness(err.message);
  if (err instanceof DbUnknownReferenceError) throw invalidValue(err.message);
  if (err instanceof DbVersionMismatchError) throw preconditionFailed("The resource was changed by another request; fetch it again");
  throw err;
}
