import { Writable } from "node:stream";
import request from "supertest";
import { createLogger } from "../../server/logger";
import { CORE_USER, type Harness, createUser, patchBody, startHarness } from "../support/harness";

/**
 * SCIM and /api answers carry names, addresses and permissions: no cache may keep them and no
 * client may sniff another type, whatever the answer (success, error, event stream); and the
 * error log never repeats the values a failed statement was bound to.
 */
function expectPrivate(res: { status: number; headers: Record<string, string | string[] | undefined> }, what: string): void {
  expect({ what, status: res.status, cacheControl: res.headers["cache-control"], nosniff: res.headers["x-content-type-options"] }).toEqual({
    what, status: res.status, cacheControl: expect.stringMatching(/(^|,\s*)no-store(\s*,|$)/) as unknown, nosniff: "nosniff",
  });
}

describe("answers that carry personal data", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("are marked no-store and nosniff on SCIM and /api, successes and errors alike, authentication's and unknown routes' included", async () => {
    h = await startHarness();
    const id = await createUser(h, "ada@example.com");
    const cases: Array<[string, request.Test]> = [
      ["SCIM list", h.scim("get", "/Users")],
      ["SCIM read", h.scim("get", `/Users/${id}`)],
      ["SCIM create", h.scim("post", "/Users").send({ schemas: [CORE_USER], userName: "bob@example.com" })],
      ["SCIM PATCH 204", h.scim("patch", `/Users/${id}`).send(patchBody({ op: "replace", path: "active", value: false }))],
      ["SCIM 400", h.scim("get", "/Users?filter=userName+eq")],
      ["SCIM 404 resource", h.scim("get", "/Users/00000000-0000-0000-0000-000000000000")],
      ["SCIM 404 route", h.scim("get", "/NoSuchResource")],
      ["SCIM discovery", h.scim("get", "/ServiceProviderConfig")],
      ["SCIM 401 without token", request(h.app).get("/scim/v2/Users")],
      ["SCIM 401 wrong token", request(h.app).get("/scim/v2/Users").set("Authorization", "Bearer not-a-token-at-all")],
      ["outside /scim/v2", request(h.app).get("/scim/nothing-here")],
      ["API read", h.api("get", "/members/permissions?userName=ada@example.com")],
      ["API 404 member", h.api("get", "/members/00000000-0000-0000-0000-000000000000/permissions")],
      ["API 404 route", h.api("get", "/no-such-endpoint")],
      ["API 401", request(h.app).get("/api/v1/mapping")],
      ["admin 401", request(h.app).get("/api/v1/admin/me")],
      ["OpenAPI", request(h.app).get("/api/v1/openapi.json")],
      ["outside /api/v1", request(h.app).get("/api/v2/anything")],
    ];
    for (const [what, test] of cases) expectPrivate(await test, what);
  });

  it("are marked so when refused by the rate limit, before authentication", async () => {
    h = await startHarness({ app: { rateLimits: { perToken: { perSecond: 0.001, burst: 1 }, perAddress: { perSecond: 0.001, burst: 1 } } } });
    expect((await h.scim("get", "/Users")).status).toBe(200);
    expectPrivate(await request(h.app).get("/scim/v2/Users"), "SCIM 429");
  });

  it("are marked so on the event stream, which stays no-store", async () => {
    h = await startHarness();
    const base = await h.serve();
    const aborter = new AbortController();
    const res = await fetch(`${base}/api/v1/events`, { headers: { Authorization: `Bearer ${h.apiToken}` }, signal: aborter.signal });
    expectPrivate({ status: res.status, headers: Object.fromEntries(res.headers) }, "event stream");
    expect(res.headers.get("content-type")).toMatch(/^text\/event-stream/);
    aborter.abort();
  });
});

describe("the log of a failed statement", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("names the error without the values the filter bound, and stays a few kilobytes long", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) }));
    h = await startHarness({ app: { logger } });
    // A column the statement needs is gone: the filter reaches the database, which fails.
    await h.db.knex.schema.alterTable("users", (t) => t.renameColumn("external_id", "external_id_gone"));
    const marker = "PersonalMarker";
    const filter = Array.from({ length: 40 }, (_, i) => `externalId eq "${marker}-${i}-${"x".repeat(200)}"`).join(" or ");
    const res = await h.scim("post", "/Users/.search").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter });
    expect(res.status).toBe(500);

    const logged = lines.join("");
    const errorLines = lines.map((l) => JSON.parse(l) as { level: number; msg: string; err?: { message: string; stack?: string } }).filter((l) => l.level >= 50);
    expect(errorLines.map((l) => l.msg)).toEqual(expect.arrayContaining(["unexpected error"]));
    expect(errorLines.find((l) => l.msg === "unexpected error")?.err?.message).toMatch(/external_id/);
    expect(logged).not.toContain(marker);
    expect(logged).not.toContain("bindings");
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThan(4096);
  });
});
