/**
 * One JSON log line per request (pino-http): method, path, route template, status, duration,
 * organisation and request id. Only those are logged: never headers (the Authorization header
 * carries the bearer token), never the query string (SCIM filters carry names and addresses), and
 * errors only as server/logger.ts serializes them (never a statement's bound values).
 */
import type { Request, RequestHandler, Response } from "express";
import pinoHttp from "pino-http";
import { type AppLogger, serializeError } from "./logger";
import { routeOf } from "./metrics";
import { CLIENT_CLOSED_REQUEST } from "../http/problem";
import { requestIdOf } from "../http/request-id";

/**
 * The client went away before its answer was written: its body never arrived whole, or the
 * connection closed first. Logged at info with `clientAborted`, so that error-level lines and 5xx
 * alerts mean a fault of the server.
 */
export function clientAborted(req: Request, res: Response): boolean {
  return res.statusCode === CLIENT_CLOSED_REQUEST || req.readableAborted || !res.writableEnded;
}

function requestFields(req: Request, res: Response): Record<string, unknown> {
  const orgId: unknown = res.locals.orgId;
  return { requestId: requestIdOf(req), route: routeOf(req), org: typeof orgId === "string" ? orgId : null, ...(clientAborted(req, res) ? { clientAborted: true } : {}) };
}

export function requestLog(logger: AppLogger): RequestHandler {
  return pinoHttp<Request, Response>({
    logger,
    genReqId: (req) => requestIdOf(req),
    customAttributeKeys: { responseTime: "durationMs" },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? "").split("?")[0] }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      // The error as pino's standard serializer left it, narrowed to what may be logged.
      err: (err: unknown) => serializeError(err),
    },
    customLogLevel: (req, res, err) => (clientAborted(req, res) ? "info" : err !== undefined || res.statusCode >= 500 ? "error" : "info"),
    customSuccessObject: (req, res, value: Record<string, unknown>) => ({ ...value, ...requestFields(req, res) }),
    customErrorObject: (req, res, _err, value: Record<string, unknown>) => ({ ...value, ...requestFields(req, res) }),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
  });
}
