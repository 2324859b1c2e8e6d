/**
 * One JSON log line per request: method, path, route template, status, duration, organisation and
 * request id. Only those are logged: never headers (the Authorization header carries the bearer
 * token), never the query string (SCIM filters carry names and addresses), and errors only as
 * server/logger.ts serializes them (never a statement's bound values).
 *
 * Written when the response finishes, from a handful of fields read there. pino-http, which wrote
 * these lines before, made two child loggers per request and handed the whole request and response
 * to serializers; on a GET by id that was several percent of the server's time for the same line
 * (bench/log-metrics-micro.ts measures both).
 */
import type { Request, RequestHandler, Response } from "express";
import type { AppLogger } from "./logger";
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

interface RequestLine {
  req: { method: string; path: string };
  res: { status: number };
  err?: Error;
  durationMs: number;
  requestId: string;
  route: string;
  org: string | null;
  clientAborted?: true;
}

function pathOf(url: string): string {
  const query = url.indexOf("?");
  return query < 0 ? url : url.slice(0, query);
}

function writeLine(logger: AppLogger, req: Request, res: Response, route: string, durationMs: number): void {
  const aborted = clientAborted(req, res);
  const status = res.statusCode;
  const level = !aborted && status >= 500 ? "error" : "info";
  if (!logger.isLevelEnabled(level)) return;
  const orgId: unknown = res.locals.orgId;
  const line: RequestLine = {
    req: { method: req.method, path: pathOf(req.originalUrl) },
    res: { status },
    durationMs,
    requestId: requestIdOf(req),
    route,
    org: typeof orgId === "string" ? orgId : null,
  };
  // A 5xx line carries an error, as log pipelines alerting on `err` expect; the cause itself was
  // logged where it was caught (scim/respond.ts, server/api-errors.ts) with the request id.
  if (status >= 500 && !aborted) line.err = new Error(`failed with status code ${status}`);
  if (aborted) line.clientAborted = true;
  logger[level](line, `${req.method} ${route} ${status}`);
}

/** Where a finished request's count and duration go (server/metrics.ts). */
export interface RequestMetrics {
  recordRequest(route: string, method: string, status: number, seconds: number): void;
}

/**
 * The log line, and the request's metrics when given: one pair of listeners and one route lookup
 * serve both. Metrics count a request whose client left before its answer was written as 499.
 */
export function requestLog(logger: AppLogger, metrics: RequestMetrics | null = null): RequestHandler {
  return (req, res, next) => {
    const startedAt = performance.now();
    let done = false;
    const finished = (status: number): void => {
      if (done) return;
      done = true;
      res.off("finish", onFinish);
      res.off("close", onClose);
      const ms = performance.now() - startedAt;
      const route = routeOf(req);
      metrics?.recordRequest(route, req.method, status, ms / 1000);
      writeLine(logger, req, res, route, Math.round(ms));
    };
    // "finish" when the answer was handed to the socket; "close" alone when the client left first.
    const onFinish = (): void => finished(res.statusCode);
    const onClose = (): void => finished(res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST);
    res.on("finish", onFinish);
    res.on("close", onClose);
    next();
  };
}
