/**
 * `npx tsx bench/log-metrics-micro.ts [calls]`: what the request log line and the request metrics
 * cost per request, in ns, each against the way it was done before:
 *
 * - log: server/http-log.ts (one line built on finish) vs pino-http configured as it was (a child
 *   logger per request, serializers of the request and response), both writing to /dev/null
 *   synchronously, as pino writes to stdout by default;
 * - metrics: server/metrics.ts's middleware (series bound once per route, method and status) vs
 *   prom-client's `inc(labels)` and `startTimer()` per request.
 *
 * Each request is a real IncomingMessage / ServerResponse pair with express's prototypes, routed
 * as `/scim/v2/Users/:id`, finished by emitting "finish"; the cost of making and finishing the
 * pair alone is measured too and subtracted. Variants are interleaved over several rounds and the
 * median round is reported.
 */
import { IncomingMessage, ServerResponse } from "node:http";
import { Socket } from "node:net";
import express, { type Request, type RequestHandler, type Response } from "express";
import pino from "pino";
import pinoHttp from "pino-http";
import { Counter, Histogram, Registry } from "prom-client";
import { requestLog } from "../server/http-log";
import { createLogger, serializeError } from "../server/logger";
import { Metrics, routeOf } from "../server/metrics";
import { requestIdOf } from "../http/request-id";

const CALLS = Number(process.argv[2] ?? 200_000);
const ROUNDS = 7;
const app = express();
const socket = new Socket();

function pair(): { req: Request; res: Response } {
  const req = new IncomingMessage(socket) as Request;
  Object.setPrototypeOf(req, app.request);
  req.method = "GET";
  req.url = "/8d0f3c4e-2a8b-4f55-9a51-5b1a0c7f3e21";
  req.originalUrl = "/scim/v2/Users/8d0f3c4e-2a8b-4f55-9a51-5b1a0c7f3e21";
  req.baseUrl = "/scim/v2";
  req.headers = { host: "127.0.0.1", authorization: "Bearer secret" };
  (req as { route?: unknown }).route = { path: "/Users/:id" };
  const res = new ServerResponse(req) as Response;
  Object.setPrototypeOf(res, app.response);
  (res as { locals: Record<string, unknown> }).locals = { orgId: "9b2e1c7a-0000-4000-8000-000000000001" };
  res.statusCode = 200;
  // As after res.end(): the line is written for an answered request, not an aborted one.
  (res as { finished: boolean }).finished = true;
  return { req, res };
}

function run(middleware: RequestHandler | null): number {
  const next = () => undefined;
  // CPU time, not wall time: on a shared machine the wall clock also counts the turns other processes took.
  const t0 = process.cpuUsage();
  for (let i = 0; i < CALLS; i++) {
    const { req, res } = pair();
    if (middleware) middleware(req, res, next);
    res.emit("finish");
    res.emit("close");
  }
  const cpu = process.cpuUsage(t0);
  return ((cpu.user + cpu.system) * 1000) / CALLS;
}

const devNull = () => pino.destination({ dest: "/dev/null", sync: true });

/** The request log as pino-http wrote it (server/http-log.ts before it was replaced). */
function pinoHttpLog(): RequestHandler {
  const logger = createLogger("info", devNull());
  const fields = (req: Request, res: Response): Record<string, unknown> => {
    const orgId: unknown = res.locals.orgId;
    return { requestId: requestIdOf(req), route: routeOf(req), org: typeof orgId === "string" ? orgId : null };
  };
  return pinoHttp<Request, Response>({
    logger,
    genReqId: (req) => requestIdOf(req),
    customAttributeKeys: { responseTime: "durationMs" },
    serializers: {
      req: (req: { method?: string; url?: string }) => ({ method: req.method, path: (req.url ?? "").split("?")[0] }),
      res: (res: { statusCode?: number }) => ({ status: res.statusCode }),
      err: (err: unknown) => serializeError(err),
    },
    customLogLevel: (_req, res, err) => (err !== undefined || res.statusCode >= 500 ? "error" : "info"),
    customSuccessObject: (req, res, value: Record<string, unknown>) => ({ ...value, ...fields(req, res) }),
    customErrorObject: (req, res, _err, value: Record<string, unknown>) => ({ ...value, ...fields(req, res) }),
    customSuccessMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
    customErrorMessage: (req, res) => `${req.method} ${routeOf(req)} ${res.statusCode}`,
  });
}

/** The request metrics as they were recorded before series were bound: a labels object per call. */
function labelledMetrics(): RequestHandler {
  const registry = new Registry();
  const requests = new Counter({ name: "requests_total", help: "h", labelNames: ["route", "method", "status"], registers: [registry] });
  const latency = new Histogram({ name: "latency_seconds", help: "h", labelNames: ["route", "method"], buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30], registers: [registry] });
  return (req, res, next) => {
    const end = latency.startTimer();
    let recorded = false;
    const record = (status: number) => {
      if (recorded) return;
      recorded = true;
      const route = routeOf(req);
      requests.inc({ route, method: req.method, status: String(status) });
      end({ route, method: req.method });
    };
    res.on("finish", () => record(res.statusCode));
    res.on("close", () => record(res.writableFinished ? res.statusCode : 499));
    next();
  };
}

const variants: [string, RequestHandler | null][] = [
  ["request pair alone (subtracted)", null],
  ["log: pino-http, as before", pinoHttpLog()],
  ["log: server/http-log.ts", requestLog(createLogger("info", devNull()))],
  ["metrics: a labels object per call, as before", labelledMetrics()],
  ["metrics: server/metrics.ts, bound series", new Metrics().middleware()],
  ["log and metrics in one hook, as server/app.ts mounts them", requestLog(createLogger("info", devNull()), new Metrics())],
];

const samples = new Map<string, number[]>(variants.map(([name]) => [name, []]));
for (const [, middleware] of variants) run(middleware); // warm-up
for (let round = 0; round < ROUNDS; round++) for (const [name, middleware] of variants) samples.get(name)?.push(run(middleware));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const base = median(samples.get(variants[0]?.[0] ?? "") ?? []);
console.log(`${CALLS} calls × ${ROUNDS} rounds, median round, CPU time; Node ${process.version}`);
console.log(`  ${"request pair alone".padEnd(48)} ${base.toFixed(0).padStart(7)} ns`);
for (const [name] of variants.slice(1)) console.log(`  ${name.padEnd(48)} ${(median(samples.get(name) ?? []) - base).toFixed(0).padStart(7)} ns per request`);
