/**
 * Prometheus metrics (`GET /metrics`, prom-client), one registry per app so tests stay
 * independent. Request counts and latencies are recorded as responses finish, labelled by route
 * template (never by raw path: ids would explode the series); the database, outbox, webhook and
 * mapping figures are read when scraped. Organisations are labelled by id: a scrape must not list
 * every customer's name to whoever can reach it (`METRICS_ORG_LABEL=name` when the operator wants
 * names on their dashboards).
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Database } from "../db/connection";
import { classifyDbError } from "../db/errors";
import { mappingVersionsByOrg } from "../db/mappings";
import { outboxHeads } from "../db/outbox";
import { webhookQueue } from "../db/webhooks";
import { CLIENT_CLOSED_REQUEST } from "../http/problem";
import type { EventHub } from "./events";

/** The route template a request matched, e.g. `/scim/v2/Users/:id`; "unmatched" otherwise. */
export function routeOf(req: Request): string {
  const route: unknown = req.route;
  const path = typeof route === "object" && route !== null && "path" in route && typeof route.path === "string" ? route.path : null;
  return path === null ? "unmatched" : `${req.baseUrl}${path}`;
}

export type MetricsOrgLabel = "id" | "name";

export class Metrics {
  readonly registry = new Registry();
  readonly requests = new Counter({ name: "scim_http_requests_total", help: "HTTP requests by route template, method and status", labelNames: ["route", "method", "status"], registers: [this.registry] });
  readonly latency = new Histogram({
    name: "scim_http_request_duration_seconds",
    help: "HTTP request latency by route template and method",
    labelNames: ["route", "method"],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly dbErrors = new Counter({ name: "scim_db_errors_total", help: "Failed database queries by kind (unavailable, conflict, other)", labelNames: ["kind"], registers: [this.registry] });
  readonly recomputations = new Counter({ name: "scim_permission_recomputations_total", help: "Members whose permissions were recomputed", registers: [this.registry] });
  readonly permissionChanges = new Counter({ name: "scim_permission_changes_total", help: "Members whose permissions changed (one outbox event each)", registers: [this.registry] });
  readonly webhookDeliveries = new Counter({ name: "scim_webhook_attempts_total", help: "Webhook delivery attempts by outcome (delivered, retry, failed)", labelNames: ["outcome"], registers: [this.registry] });
  readonly memberReads = new Counter({
    name: "scim_authorize_member_reads_total",
    help: "Members authorize looked up, by where the answer came from (cache, database); a member named twice in one batch counts once",
    labelNames: ["source"],
    registers: [this.registry],
  });
  readonly rateLimited = new Counter({ name: "scim_rate_limited_total", help: "Requests answered 429, by the limit they hit (token, address)", labelNames: ["scope"], registers: [this.registry] });

  private readonly orgLabel: MetricsOrgLabel;

  /**
   * `processMetrics`: also Node's own (CPU, memory, event loop lag); the server process wants them, tests do not.
   * `orgLabel`: what the `org` label holds (METRICS_ORG_LABEL), the organisation's id unless told otherwise.
   */
  constructor(options: { processMetrics?: boolean; orgLabel?: MetricsOrgLabel } = {}) {
    this.orgLabel = options.orgLabel ?? "id";
    if (options.processMetrics === true) collectDefaultMetrics({ register: this.registry });
  }

  /**
   * The series each response lands in, bound once per route, method and status: prom-client's
   * `inc(labels)` / `startTimer()` build and merge a labels object on every call, which on a GET by
   * id cost more than the rest of the request's metrics together.
   */
  private readonly requestSeries = new Map<string, Counter.Internal>();
  private readonly latencySeries = new Map<string, Histogram.Internal<"route" | "method">>();

  /** Counts one finished request and its duration in seconds. */
  recordRequest(route: string, method: string, status: number, seconds: number): void {
    const routeMethod = `${method} ${route}`;
    let latency = this.latencySeries.get(routeMethod);
    if (latency === undefined) {
      latency = this.latency.labels({ route, method });
      this.latencySeries.set(routeMethod, latency);
    }
    latency.observe(seconds);
    const key = `${status} ${routeMethod}`;
    let requests = this.requestSeries.get(key);
    if (requests === undefined) {
      requests = this.requests.labels({ route, method, status: String(status) });
      this.requestSeries.set(key, requests);
    }
    requests.inc();
  }

  /** Records every response's route, status and duration. */
  middleware(): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const startedAt = performance.now();
      // A response that never finished (the client closed the connection) is counted as 499.
      const record = (status: number): void => {
        res.off("finish", onFinish);
        res.off("close", onClose);
        this.recordRequest(routeOf(req), req.method, status, (performance.now() - startedAt) / 1000);
      };
      const onFinish = (): void => record(res.statusCode);
      const onClose = (): void => record(res.writableFinished ? res.statusCode : CLIENT_CLOSED_REQUEST);
      res.on("finish", onFinish);
      res.on("close", onClose);
      next();
    };
  }

  /** Counts the database's failed queries by what they mean. */
  observeDatabase(db: Database): void {
    db.knex.on("query-error", (err: unknown) => {
      const known = classifyDbError(err);
      this.dbErrors.inc({ kind: known === null ? "other" : known.code });
    });
  }

  /** Gauges read at scrape time: pool use, outbox lag, webhook queue, mapping versions, streams. */
  observeState(db: Database, events: EventHub): void {
    const registers = [this.registry];
    const orgLabel = this.orgLabel;
    const pool = () => db.knex.client.pool as { numUsed(): number; numFree(): number; numPendingAcquires(): number } | undefined;
    new Gauge({
      name: "scim_db_pool_connections",
      help: "Database connections by state (used, free, waiting = requests waiting for one)",
      labelNames: ["state"],
      registers,
      collect() {
        const p = pool();
        this.set({ state: "used" }, p?.numUsed() ?? 0);
        this.set({ state: "free" }, p?.numFree() ?? 0);
        this.set({ state: "waiting" }, p?.numPendingAcquires() ?? 0);
      },
    });
    new Gauge({
      name: "scim_sse_subscribers",
      help: "Server-Sent Events streams open on this replica",
      registers,
      collect() {
        this.set(events.totalSubscribers());
      },
    });
    new Gauge({
      name: "scim_sse_buffered_bytes",
      help: "Bytes written to this replica's event streams that their sockets have not taken yet (each stream at most SSE_MAX_BUFFER_BYTES)",
      registers,
      collect() {
        this.set(events.totalBufferedBytes());
      },
    });
    new Gauge({
      name: "scim_outbox_lag_events",
      help: "Committed events not yet handed on, by consumer (sse: to this replica's streams; webhooks: not yet queued for delivery)",
      labelNames: ["consumer"],
      registers,
      async collect() {
        const heads = await outboxHeads(db.knex).catch(() => null);
        if (heads) {
          let lag = 0;
          for (const [orgId, head] of events.feedHeads()) lag += Math.max(0, (heads.get(orgId) ?? head) - head);
          this.set({ consumer: "sse" }, lag);
        }
        const queue = await webhookQueue(db.knex, Date.now()).catch(() => null);
        if (queue) this.set({ consumer: "webhooks" }, queue.unqueuedEvents);
      },
    });
    new Gauge({
      name: "scim_webhook_queue_depth",
      help: "Webhook deliveries waiting to be sent or retried",
      registers,
      async collect() {
        const queue = await webhookQueue(db.knex, Date.now()).catch(() => null);
        if (queue) this.set(queue.pending);
      },
    });
    new Gauge({
      name: "scim_webhook_oldest_pending_seconds",
      help: "Age of the oldest webhook delivery still waiting",
      registers,
      async collect() {
        const queue = await webhookQueue(db.knex, Date.now()).catch(() => null);
        if (queue) this.set(queue.oldestPendingMs / 1000);
      },
    });
    new Gauge({
      name: "scim_mapping_version",
      help: "The mapping version in force, by organisation id (or name, METRICS_ORG_LABEL=name) (0: none applied)",
      labelNames: ["org"],
      registers,
      async collect() {
        const versions = await mappingVersionsByOrg(db.knex).catch(() => null);
        if (!versions) return;
        this.reset();
        for (const { orgId, orgName, version } of versions) this.set({ org: orgLabel === "name" ? orgName : orgId }, version);
      },
    });
  }
}
