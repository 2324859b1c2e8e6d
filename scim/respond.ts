/**
 * Writing SCIM responses: the one place errors become responses (SCIM errors keep their status,
 * anything unknown is logged and answered with a generic 500, a database that does not answer with
 * 503), the JSON send, and writes with back-pressure for streamed bodies.
 */
import type { Response } from "express";
import { DbUnavailableError, classifyDbError } from "../db/errors";
import { ScimError, invalidSyntax, payloadTooLarge } from "./errors";
import { etagOf } from "./etag";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/**
 * A JSON body, written with node's own response methods: express's `res.send` parses and formats
 * the Content-Type again to add the charset it already names, and copies a body over 1000
 * characters into a Buffer to measure it. Its one other step, answering 304 to a fresh conditional
 * GET, is kept by handing such requests to it (a resource's If-None-Match is answered before this,
 * by reply.ts; `If-None-Match: *` on a list reaches here).
 */
export function send(res: Response, status: number, body: unknown, options: { version?: number; location?: string } = {}): void {
  const text = JSON.stringify(body);
  res.statusCode = status;
  res.setHeader("Content-Type", SCIM_CONTENT_TYPE);
  if (options.version !== undefined) res.setHeader("ETag", etagOf(options.version));
  if (options.location !== undefined) res.setHeader("Location", options.location);
  const headers = res.req.headers;
  if (headers["if-none-match"] !== undefined || headers["if-modified-since"] !== undefined) {
    res.send(text);
    return;
  }
  res.setHeader("Content-Length", Buffer.byteLength(text));
  res.end(text);
}

function bodyParserError(err: unknown): ScimError | null {
  if (typeof err !== "object" || err === null || !("type" in err)) return null;
  const type = (err as { type: unknown }).type;
  if (type === "entity.parse.failed") return invalidSyntax("The request body is not valid JSON");
  if (type === "entity.too.large") {
    const limit = "limit" in err && typeof err.limit === "number" ? ` of ${err.limit} bytes` : "";
    return payloadTooLarge(`The request body is larger than this endpoint's limit${limit}`);
  }
  if (type === "encoding.unsupported" || type === "charset.unsupported") return invalidSyntax("The request body's encoding is not supported; send UTF-8 JSON");
  return null;
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

/** The status recorded for a request whose client went away (nginx's "client closed request"). */
export const CLIENT_CLOSED_REQUEST = 499;

/** scimmy's own errors carry status and scimType; keep them rather than turning them into 404s. */
function scimmyError(err: unknown): ScimError | null {
  if (!(err instanceof Error) || !("status" in err)) return null;
  const status = Number((err as { status: unknown }).status);
  if (!Number.isInteger(status) || status < 400 || status >= 500) return null;
  const scimType = "scimType" in err ? (err as { scimType: unknown }).scimType : undefined;
  return new ScimError(status, typeof scimType === "string" ? (scimType as ScimError["scimType"]) : undefined, err.message);
}

/**
 * The one place errors become responses. Anything we do not recognise is logged with its cause
 * and answered with a generic 500: never a misleading 404, never internals in the body.
 */
export function toScimError(err: unknown, log: Logger, requestId: string): ScimError {
  if (err instanceof ScimError) return err;
  const aborted = clientAbortReason(err);
  if (aborted !== null) {
    log.info({ requestId, clientAborted: true, reason: aborted }, "the client closed the connection");
    return new ScimError(CLIENT_CLOSED_REQUEST, undefined, "The client closed the connection before the request completed");
  }
  const parsed = bodyParserError(err) ?? scimmyError(err);
  if (parsed) return parsed;
  if (classifyDbError(err) instanceof DbUnavailableError) {
    log.error({ err, requestId }, "database unavailable");
    return new ScimError(503, undefined, "The service is temporarily unavailable; retry later");
  }
  log.error({ err, requestId }, "unexpected error");
  return new ScimError(500, undefined, `Internal server error (request ${requestId})`);
}

export function sendError(res: Response, err: ScimError): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (err.status === 503) res.setHeader("Retry-After", "5");
  // What the request log of SCIM errors records per token (server/scim-activity.ts).
  res.locals.scimError = { scimType: err.scimType ?? null, detail: err.message };
  send(res, err.status, err.toJSON());
}

/** Writes with back-pressure, for streamed bodies; gives up when the client has gone. */
export async function write(res: Response, chunk: string): Promise<void> {
  if (res.destroyed) throw new ClientGoneError();
  if (res.write(chunk)) return;
  // Wait for whichever comes first, and remove the other listener: a 100k-member group
  // waits for drain many times on one response.
  const drained = await new Promise<boolean>((resolve) => {
    const onDrain = () => settle(true);
    const onClose = () => settle(false);
    const settle = (ok: boolean) => {
      res.off("drain", onDrain);
      res.off("close", onClose);
      resolve(ok);
    };
    res.on("drain", onDrain);
    res.on("close", onClose);
  });
  if (!drained) throw new ClientGoneError();
}

export class ClientGoneError extends Error {
  override readonly name = "ClientGoneError";
  constructor() {
    super("the client closed the connection");
  }
}
