import type { Express } from "express";
import pino from "pino";
import request from "supertest";
import { readAudit } from "../../db/audit";
import { readOutbox } from "../../db/outbox";
import { createMetricsApp } from "../../server/app";
import { parseConfig } from "../../server/config";
import { silentLogger } from "../../server/logger";
import { Metrics } from "../../server/metrics";
import { type Harness, createGroup, createUser, expectScimError, patchBody, startHarness, userBody } from "../support/harness";
import { MAPPING } from "../roles/support";

/**
 * Seeing the server run: a request id on every response (the caller's when valid) that reaches the
 * audit log and the event's cause, one JSON log line per request without credentials, Prometheus
 * metrics only behind METRICS_TOKEN or on the loopback listener, organisations labelled by id, and 429s from the rate limits in each route's own error format.
 */
function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

describe("request ids and request logs", () => {
  let h: Harness;
  const log = captureLogs();
  beforeEach(async () => {
    log.lines.length = 0;
    h = await startHarness({ app: { logger: log.logger } });
    await h.applyMapping(MAPPING);
  });
  afterEach(async () => h.close());

  it("returns the caller's X-Request-Id and stores it on the audit row and in the event's cause", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    const res = await h.scim("patch", `/Groups/${group}`).set("X-Request-Id", "okta-req-42").send(patchBody({ op: "add", path: "members", value: [{ value: ada }] }));
    expect(res.status).toBe(204);
    expect(res.headers["x-request-id"]).toBe("okta-req-42");
    const [entry] = await readAudit(h.db.knex, h.orgId, { userId: ada, limit: 1 });
    expect(entry).toMatchObject({ requestId: "okta-req-42", cause: { requestId: "okta-req-42" } });
    const events = await readOutbox(h.db.knex, h.orgId, 0, 100);
    expect(events.at(-1)?.payload).toMatchObject({ cause: { kind: "scim", requestId: "okta-req-42" } });
  });

  it("generates a request id when none or an invalid one is sent, on SCIM, /api, errors and /healthz alike", async () => {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
    const responses = [
      await h.scim("get", "/Users"),
      await h.scim("get", "/Users").set("X-Request-Id", "bad id with spaces"),
      await h.scim("get", "/Users").set("X-Request-Id", "x".repeat(101)),
      await h.api("get", "/mapping"),
      await h.api("get", "/nowhere"),
      await h.scim("get", "/Users/nope"),
      await request(h.app).get("/healthz"),
    ];
    for (const res of responses) expect(res.headers["x-request-id"]).toMatch(uuid);
    expect(new Set(responses.map((r) => r.headers["x-request-id"])).size).toBe(responses.length);
  });

  it("forbids framing of every answer, HTML or not (X-Frame-Options beside CSP frame-ancestors, for browsers without CSP)", async () => {
    const responses = [
      await h.scim("get", "/Users"),
      await h.api("get", "/mapping"),
      await h.api("get", "/nowhere"),
      await request(h.app).get("/healthz"),
      await request(h.app).get("/nowhere"),
    ];
    for (const res of responses) expect(res.headers["x-frame-options"]).toBe("DENY");
  });

  it("logs one JSON line per request with method, route, status, duration, organisation and request id, and never the token", async () => {
    const res = await h.scim("post", "/Users").set("X-Request-Id", "log-check-1").send(userBody("ada@example.com"));
    expect(res.status).toBe(201);
    await h.scim("get", "/Users?filter=userName%20eq%20%22ada@example.com%22");
    const bad = await h.api("get", "/mapping").set("Authorization", "Bearer not-a-real-token-123");
    expect(bad.status).toBe(401);
    const requests = log.lines.filter((l) => l.req !== undefined);
    expect(requests.find((l) => l.requestId === "log-check-1")).toMatchObject({
      level: 30,
      req: { method: "POST", path: "/scim/v2/Users" },
      res: { status: 201 },
      route: "/scim/v2/Users",
      org: h.orgId,
      durationMs: expect.any(Number) as unknown,
    });
    expect(requests.length).toBe(3);
    const text = JSON.stringify(log.lines);
    for (const secret of [h.token, h.apiToken, "not-a-real-token-123", "Bearer", "ada@example.com"]) expect(text).not.toContain(secret);
  });
});

describe("GET /metrics", () => {
  let h: Harness;
  afterEach(async () => h.close());
  const METRICS_TOKEN = "metrics-token-0123456789";
  const scrape = (app: Express) => request(app).get("/metrics").set("Authorization", `Bearer ${METRICS_TOKEN}`);

  it("exposes requests by route and status, latency, pool, outbox and webhook queue, mapping version and recomputations", async () => {
    h = await startHarness({ app: { metricsToken: METRICS_TOKEN } });
    await h.applyMapping(MAPPING);
    const ada = await createUser(h, "ada@example.com");
    await h.scim("get", `/Users/${ada}`);
    await h.scim("get", "/Users/00000000-0000-0000-0000-000000000000");
    const res = await scrape(h.app);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.text;
    expect(text).toContain('scim_http_requests_total{route="/scim/v2/Users/:id",method="GET",status="200"} 1');
    expect(text).toContain('scim_http_requests_total{route="/scim/v2/Users/:id",method="GET",status="404"} 1');
    expect(text).toMatch(/scim_http_request_duration_seconds_bucket\{le="0\.1",route="\/scim\/v2\/Users\/:id",method="GET"\} \d/);
    expect(text).toMatch(/scim_db_pool_connections\{state="used"\} \d/);
    expect(text).toMatch(/scim_outbox_lag_events\{consumer="webhooks"\} 0/);
    expect(text).toMatch(/scim_webhook_queue_depth 0/);
    expect(text).toContain(`scim_mapping_version{org="${h.orgId}"} 1`);
    expect(text).toMatch(/scim_sse_subscribers 0/);
    expect(text).toMatch(/scim_sse_buffered_bytes 0/);
    // The observer is the server's (main.ts wires it); the harness's sync has none, so none counted here.
    expect(text).toContain("scim_permission_recomputations_total");
  });

  it("is not served on the IdPs' port without METRICS_TOKEN: 404, as for any unknown path", async () => {
    h = await startHarness();
    const res = await request(h.app).get("/metrics");
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status: 404, body: { error: { code: "not_found", message: "Not found" } } });
  });

  it("needs METRICS_TOKEN as a bearer token when one is set", async () => {
    h = await startHarness({ app: { metricsToken: METRICS_TOKEN } });
    const st = request;
    expect((await st(h.app).get("/metrics")).status).toBe(401);
    expect((await st(h.app).get("/metrics").set("Authorization", "Bearer wrong-token-0123456789")).status).toBe(401);
    expect((await scrape(h.app)).status).toBe(200);
  });

  it("is served without a token by the metrics listener's own app, which serves nothing else", async () => {
    const metrics = new Metrics();
    h = await startHarness({ app: { metrics } });
    await h.scim("get", "/Users");
    const local = createMetricsApp(metrics, silentLogger());
    const res = await request(local).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.text).toContain('scim_http_requests_total{route="/scim/v2/Users",method="GET",status="200"} 1');
    expect((await request(local).get("/scim/v2/Users").set("Authorization", `Bearer ${h.token}`)).status).toBe(404);
    expect((await request(h.app).get("/metrics")).status).toBe(404);
  });

  it("labels organisations by id, and by name only when the operator asks for names", async () => {
    h = await startHarness({ app: { metricsToken: METRICS_TOKEN } });
    const acme = await h.addOrg("acme-corp");
    const byId = (await scrape(h.app)).text;
    expect(byId).toContain(`scim_mapping_version{org="${acme.orgId}"} 0`);
    expect(byId).not.toContain("acme-corp");
    await h.close();

    h = await startHarness({ app: { metricsToken: METRICS_TOKEN, metrics: new Metrics({ orgLabel: "name" }) } });
    await h.addOrg("acme-corp");
    expect((await scrape(h.app)).text).toContain('scim_mapping_version{org="acme-corp"} 0');
  });
});

describe("rate limits", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("answers 429 with Retry-After and a SCIM error once a token's burst is spent, without touching other tokens", async () => {
    h = await startHarness({ app: { rateLimits: { perToken: { perSecond: 1, burst: 3 }, perAddress: { perSecond: 0, burst: 1 } } } });
    const statuses = [];
    for (let i = 0; i < 4; i++) statuses.push((await h.scim("get", "/Users")).status);
    expect(statuses).toEqual([200, 200, 200, 429]);
    const limited = await h.scim("get", "/Users");
    expectScimError(limited, 429);
    expect(limited.headers["retry-after"]).toMatch(/^[1-9]\d*$/);
    // The API token has its own bucket; its 429 is the API's JSON error.
    for (let i = 0; i < 3; i++) expect((await h.api("get", "/mapping")).status).toBe(200);
    const api = await h.api("get", "/mapping");
    expect({ status: api.status, body: api.body as unknown }).toEqual({ status: 429, body: { error: { code: "too_many_requests", message: expect.stringMatching(/token/) as unknown } } });
  });

  it("keeps one bucket per client address across SCIM, /api/v1 and /console, so spreading requests over them gains nothing", async () => {
    h = await startHarness({ console: { distDir: "/nonexistent/console/dist" }, app: { rateLimits: { perToken: { perSecond: 0, burst: 1 }, perAddress: { perSecond: 0.001, burst: 6 } } } });
    const st = request;
    const statuses = [];
    for (let i = 0; i < 2; i++) {
      statuses.push((await h.scim("get", "/Users")).status);
      statuses.push((await h.api("get", "/mapping")).status);
      statuses.push((await st(h.app).get("/console/assets/app.js")).status);
    }
    expect(statuses).not.toContain(429);
    expect((await h.scim("get", "/Users")).status).toBe(429);
    expect((await h.api("get", "/mapping")).status).toBe(429);
    expect((await st(h.app).get("/console/assets/app.js")).status).toBe(429);
  });

  it("gives product services' API tokens a bucket of their own, per token, apart from SCIM tokens", async () => {
    h = await startHarness({ app: { rateLimits: { perToken: { perSecond: 0.001, burst: 2 }, perApiToken: { perSecond: 0.001, burst: 4 }, perAddress: { perSecond: 0, burst: 1 } } } });
    const other = await h.addOrg("acme");
    const statuses = async (send: () => request.Test, n: number) => {
      const out = [];
      for (let i = 0; i < n; i++) out.push((await send()).status);
      return out;
    };
    expect(await statuses(() => h.scim("get", "/Users"), 3)).toEqual([200, 200, 429]);
    expect(await statuses(() => h.api("get", "/mapping"), 5)).toEqual([200, 200, 200, 200, 429]);
    // Another API token from the same address has its full allowance.
    expect(await statuses(() => request(h.app).get("/api/v1/mapping").set("Authorization", `Bearer ${other.apiToken}`), 5)).toEqual([200, 200, 200, 200, 429]);
    // Members' tokens on the admin API draw from the SCIM tokens' size of bucket, not the product one.
    expect(await statuses(() => request(h.app).get("/api/v1/admin/me").set("Authorization", "Bearer not-a-member-token-0123456789"), 3)).toEqual([401, 401, 429]);
  });

  it("lets a product service send authorize at product rates with the default limits: 1,500 requests at once, 10 in flight, none refused", async () => {
    const defaults = parseConfig({}).operations.rateLimits;
    h = await startHarness({ app: { rateLimits: defaults } });
    const ada = await createUser(h, "ada@example.com");
    const base = await h.serve();
    // The buckets' clock stands still, so only the burst counts, however fast this machine answers.
    const now = Date.now();
    jest.spyOn(Date, "now").mockReturnValue(now);
    const statuses = new Map<number, number>();
    let sent = 0;
    const worker = async () => {
      while (sent < 1500) {
        sent += 1;
        const res = await fetch(`${base}/api/v1/authorize`, {
          method: "POST",
          headers: { Authorization: `Bearer ${h.apiToken}`, "Content-Type": "application/json" },
          body: JSON.stringify({ member: ada, area: "billing" }),
        });
        await res.arrayBuffer();
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
      }
    };
    try {
      await Promise.all(Array.from({ length: 10 }, worker));
    } finally {
      jest.restoreAllMocks();
    }
    expect(Object.fromEntries(statuses)).toEqual({ 200: 1500 });
  }, 60_000);

  it("limits a client address before authentication, so a flood of bad tokens never reaches the database", async () => {
    h = await startHarness({ app: { rateLimits: { perToken: { perSecond: 0, burst: 1 }, perAddress: { perSecond: 1, burst: 5 } } } });
    const st = request;
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await st(h.app).get("/scim/v2/Users").set("Authorization", `Bearer guess-${i}-0123456789abcdef`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429]);
    expect((await h.scim("get", "/Users")).status).toBe(429);
    expect((await st(h.app).get("/healthz")).status).toBe(200);
  });
});
