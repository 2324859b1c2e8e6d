/**
 * Writing SCIM responses: the one place errors become responses (SCIM errors keep their status,
 * anything unknown is logged and answered with a generic 500, a database that does not answer with
 * 503), the JSON send, and writes with back-pressure for streamed bodies.
 */
import type { Response } from "express";
import { DbUnavailableError, classifyDbError } from "../db/errors";
import type { Logger } from "../http/logger";
import { ClientGoneError, type HttpProblem, httpProblemOf } from "../http/problem";
import { ScimError, clientClosedRequest, clientError, internalError, invalidSyntax, invalidValue, notFound, payloadTooLarge, serviceUnavailable } from "./errors";
import { etagOf } from "./etag";

export const SCIM_CONTENT_TYPE = "application/scim+json; charset=utf-8";

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

/** A problem of the request itself (http/problem.ts), in SCIM's terms. */
function problemError(problem: HttpProblem, log: Logger, requestId: string): ScimError {
  switch (problem.kind) {
    case "bad_json":
      return invalidSyntax("The request body is not valid JSON");
    case "too_large":
      return payloadTooLarge(`The request body is larger than this endpoint's limit${problem.limitBytes === null ? "" : ` of ${problem.limitBytes} bytes`}`);
    case "unsupported_encoding":
    case "undecodable_charset":
      return invalidSyntax("The request body's encoding is not supported; send UTF-8 JSON");
    case "too_deep":
      return invalidSyntax(`The request body nests arrays and objects more than ${problem.maxDepth} levels deep.`);
    case "nul_in_body":
      return invalidValue("The request body contains a NUL character (\\u0000), which no attribute value may hold.");
    case "nul_in_path":
      return notFound(`No SCIM resource at ${problem.path}`);
    case "nul_in_query":
      return invalidValue(`The query parameter "${problem.parameter}" contains a NUL character (%00), which no attribute value may hold.`);
    case "client_aborted":
      log.info({ requestId, clientAborted: true, reason: problem.reason }, "the client closed the connection");
      return clientClosedRequest();
  }
}

/** scimmy's own errors carry status and scimType; keep them rather than turning them into 404s. */
function scimmyError(err: unknown): ScimError | null {
  if (!(err instanceof Error) || !("status" in err)) return null;
  const status = Number(err.status);
  if (!Number.isInteger(status) || status < 400 || status >= 500) return null;
  return clientError(status, "scimType" in err ? err.scimType : undefined, err.message);
}

/**
 * The one place errors become responses. Anything we do not recognise is logged with its cause
 * and answered with a generic 500: never a misleading 404, never internals in the body.
 */
export function toScimError(err: unknown, log: Logger, requestId: string): ScimError {
  if (err instanceof ScimError) return err;
  const problem = httpProblemOf(err);
  if (problem !== null) return problemError(problem, log, requestId);
  const fromScimmy = scimmyError(err);
  if (fromScimmy) return fromScimmy;
  if (classifyDbError(err) instanceof DbUnavailableError) {
    log.error({ err, requestId }, "database unavailable");
    return serviceUnavailable("The service is temporarily unavailable; retry later");
  }
  log.error({ err, requestId }, "unexpected error");
  return internalError(requestId);
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
