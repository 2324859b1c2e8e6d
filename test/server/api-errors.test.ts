import { Writable } from "node:stream";
import request from "supertest";
import { createLogger } from "../../server/logger";
import { type Harness, harnessPerTest, startHarness } from "../support/harness";

/** Every /api failure is JSON `{ error: { code, message } }` with the status its code stands for. */
describe("errors of the product API", () => {
  const h = harnessPerTest();

  function expectApiError(res: request.Response, status: number, code: string): void {
    expect({ status: res.status, body: res.body as unknown }).toEqual({ status, body: { error: { code, message: expect.any(String) as unknown } } });
    expect(res.headers["content-type"]).toMatch(/^application\/json/);
  }

  it("answers a missing or wrong token with 401 unauthorized and a bearer challenge", async () => {
    const missing = await request(h.app).get("/api/v1/members/x/permissions");
    expectApiError(missing, 401, "unauthorized");
    expect(missing.headers["www-authenticate"]).toMatch(/^Bearer/);
    expectApiError(await request(h.app).get("/api/v1/members/x/permissions").set("Authorization", "Bearer nope"), 401, "unauthorized");
  });

  it("answers a body that is not JSON with 400 invalid_json", async () => {
    expectApiError(await h.api("post", "/authorize").set("Content-Type", "application/json").send("{not json"), 400, "invalid_json");
  });

  it("answers a body past the API's limit with 413 payload_too_large, not a server fault", async () => {
    const res = await h.api("post", "/authorize").send({ member: "x".repeat(100_000) });
    expectApiError(res, 413, "payload_too_large");
  });

  it("answers an unknown endpoint with 404 not_found, inside and outside the API", async () => {
    expectApiError(await h.api("get", "/nowhere"), 404, "not_found");
    expectApiError(await request(h.app).get("/nowhere"), 404, "not_found");
  });

  it("answers an unknown member with 404 member_not_found", async () => {
    expectApiError(await h.api("get", "/members/nobody/permissions"), 404, "member_not_found");
  });

  it("answers a path that does not decode, an unknown Content-Encoding or charset, and a corrupt gzip body with 400 invalid_request", async () => {
    expectApiError(await h.api("get", "/members/%E0%A4%A/permissions"), 400, "invalid_request");
    const body = JSON.stringify({ member: "ada@example.com", capability: "web_search" });
    expectApiError(await h.api("post", "/authorize").set("Content-Type", "application/json").set("Content-Encoding", "br").send(body), 400, "invalid_request");
    expectApiError(await h.api("post", "/authorize").set("Content-Type", "application/json; charset=koi8-r").send(body), 400, "invalid_request");
    expectApiError(await h.api("post", "/authorize").set("Content-Type", "application/json").set("Content-Encoding", "gzip").send("not gzip"), 400, "invalid_request");
  });

  it("refuses a body nested past SCIM_MAX_JSON_DEPTH or holding a NUL with 400 invalid_request, before it is parsed", async () => {
    const deep = `{"member": ${"[".repeat(5000)}"x"${"]".repeat(5000)}}`;
    const deepAnswer = await h.api("post", "/authorize").set("Content-Type", "application/json").send(deep);
    expectApiError(deepAnswer, 400, "invalid_request");
    expect((deepAnswer.body as { error: { message: string } }).error.message).toMatch(/nests arrays and objects more than 64 levels/);
    const nul = await h.api("post", "/authorize").send({ member: "ada\u0000@example.com", capability: "web_search" });
    expectApiError(nul, 400, "invalid_request");
    expect((nul.body as { error: { message: string } }).error.message).toMatch(/NUL/);
  });

  it("answers a NUL in an /api path with 404 and in its query with 400, before any SQL", async () => {
    expectApiError(await h.api("get", "/members/%00/permissions"), 404, "not_found");
    expectApiError(await h.api("get", "/members/permissions?userName=ada%00"), 400, "invalid_request");
  });
});

describe("a fault of the server behind the product API", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("is logged with the request id, and its 500 names that id and nothing of the fault, as SCIM's 500s do", async () => {
    const lines: string[] = [];
    const logger = createLogger("info", new Writable({ write: (chunk: Buffer, _encoding, done) => void (lines.push(chunk.toString()), done()) }));
    h = await startHarness({ app: { logger } });
    // A column GET /mapping reads is gone: the database fails the statement.
    await h.db.knex.schema.alterTable("mapping_refusals", (t) => t.renameColumn("resolved_at", "resolved_at_gone"));

    const res = await h.api("get", "/mapping").set("X-Request-Id", "api-fault-7");

    expect(res.status).toBe(500);
    expect(res.body).toEqual({ error: { code: "internal", requestId: "api-fault-7", message: "Internal server error (request api-fault-7)" } });
    const errors = lines.map((l) => JSON.parse(l) as { level: number; msg: string; requestId?: string; err?: { message: string } }).filter((l) => l.level >= 50);
    const fault = errors.find((l) => l.msg === "api error");
    expect(fault).toMatchObject({ requestId: "api-fault-7" });
    expect(fault?.err?.message).toMatch(/resolved_at/);
  });
});
