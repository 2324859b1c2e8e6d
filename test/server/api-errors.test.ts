import request from "supertest";
import { type Harness, startHarness } from "../support/harness";

/** Every /api failure is JSON `{ error: { code, message } }` with the status its code stands for. */
describe("errors of the product API", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

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

  it("answers a path that is not percent-encoded UTF-8 with 400 invalid_request", async () => {
    for (const path of ["/members/%%/permissions", "/members/%E0%A4%A/permissions/explain", "/members/%ED%A0%80/permissions"]) {
      expectApiError(await h.api("get", path), 400, "invalid_request");
    }
  });

  it("answers a body in a charset other than UTF-8 with 400 invalid_json", async () => {
    expectApiError(await h.api("post", "/authorize").set("Content-Type", "application/json; charset=latin1").send('{"member":"x"}'), 400, "invalid_json");
  });

  it("answers an unknown member with 404 member_not_found", async () => {
    expectApiError(await h.api("get", "/members/nobody/permissions"), 404, "member_not_found");
  });
});
