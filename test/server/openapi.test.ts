import Ajv2020 from "ajv/dist/2020";
import type { Router } from "express";
import request, { type Response } from "supertest";
import { adminRouter } from "../../server/admin/router";
import { apiRouter } from "../../server/api";
import { silentLogger } from "../../server/logger";
import { OidcIssuers } from "../../server/oidc/issuers";
import { MemberTokens } from "../../server/oidc/member-tokens";
import { documentedRoutes, openApiDocument } from "../../server/openapi";
import { createGroup, createUser, harnessPerTest, startHarness } from "../support/harness";
import { expectDocumented } from "../support/openapi";
import { MAPPING } from "../roles/support";
import { ADMIN_ACTIONS } from "../../mapping";
import type { Request } from "express";
import { ApiError } from "../../server/api-errors";
import { ErasureRequest, GroupNameRequest, RotationRequest } from "../../server/openapi/requests";
import { validBody } from "../../server/openapi/validate";

/** `METHOD /path` of every route a router registers, with `{param}` for `:param`. */
function registeredRoutes(router: Router, prefix: string): string[] {
  return router.stack.flatMap((layer: unknown) => {
    const route = typeof layer === "object" && layer !== null && "route" in layer ? (layer.route as { path?: unknown; methods?: Record<string, boolean> } | undefined) : undefined;
    if (route === undefined || typeof route.path !== "string") return [];
    const path = `${prefix}${route.path.replace(/:(\w+)/g, "{$1}")}`;
    return Object.keys(route.methods ?? {}).map((method) => `${method.toUpperCase()} ${path}`);
  });
}

describe("the OpenAPI document", () => {
  const h = harnessPerTest();

  it("is served without a token, as OpenAPI 3.1 whose every schema compiles", async () => {
    const res = await request(h.app).get("/api/v1/openapi.json");
    expect(res.status).toBe(200);
    expectDocumented(res);
    const document = res.body as { openapi: string; components: { schemas: Record<string, object> } };
    expect(document.openapi).toBe("3.1.0");
    expect(document).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    const ajv = new Ajv2020({ strict: false });
    ajv.addSchema({ $id: "doc", components: document.components });
    for (const name of Object.keys(document.components.schemas)) expect(() => ajv.getSchema(`doc#/components/schemas/${name}`)).not.toThrow();
  });

  it("declares the 429 the rate limiter answers on every route, the admin API's included", async () => {
    const limited = await startHarness({ app: { rateLimits: { perToken: { perSecond: 0.001, burst: 1 }, perAddress: { perSecond: 0.001, burst: 3 } } } });
    try {
      const agent = request(limited.app);
      expect((await agent.get("/api/v1/admin/me").set("Authorization", "Bearer not-a-member-token")).status).toBe(401);
      const admin = await agent.get("/api/v1/admin/me").set("Authorization", "Bearer not-a-member-token");
      expect(admin.status).toBe(429);
      expectDocumented(admin);
      expect((await agent.get("/api/v1/openapi.json")).status).toBe(200);
      const document = await agent.get("/api/v1/openapi.json");
      expect(document.status).toBe(429);
      expectDocumented(document);
    } finally {
      await limited.close();
    }
  });

  it("describes exactly the routes the product and admin routers register", () => {
    const deps = { db: h.db, sync: h.sync, logger: silentLogger() };
    const registered = [
      ...registeredRoutes(apiRouter({ ...deps, events: h.events, authenticate: (_req, _res, next) => next() }), ""),
      ...registeredRoutes(adminRouter({ ...deps, events: h.events, tokens: new MemberTokens(new OidcIssuers()) }), "/admin"),
      "GET /openapi.json",
      "GET /limits",
    ];
    expect(registered.sort()).toEqual(documentedRoutes().sort());
  });

  it("rejects a response that drifted from it: an undocumented field, or an undeclared status", () => {
    const fake = (status: number, body: unknown, path = "/api/v1/admin/me") => ({ status, body, req: { method: "GET", path } }) as unknown as Response;
    const me = { member: { id: "u", userName: "a" }, org: { id: "o", name: "default", managedByFile: null }, permissions: { orgRole: "user", admin: { identity_access: "none", billing: "none", analytics: "none", privacy: "none", user_management: "none", libraries: "none" }, capabilities: [], connectors: [], roles: [] }, may: Object.fromEntries(ADMIN_ACTIONS.map((action) => [action, false])), productSections: [] };
    expect(() => expectDocumented(fake(200, me))).not.toThrow();
    expect(() => expectDocumented(fake(200, { ...me, surprise: true }))).toThrow(/does not match/);
    expect(() => expectDocumented(fake(418, {}))).toThrow(/does not declare/);
    expect(() => expectDocumented(fake(200, {}, "/api/v1/nowhere"))).toThrow(/not in the OpenAPI document/);
  });

  it("matches what the product-service API really answers, errors included", async () => {
    await h.applyMapping(MAPPING);
    const ada = await createUser(h, "ada@example.com");
    await createGroup(h, "Finance", [ada], { externalId: "00g1finance" });
    const calls = [
      h.api("get", `/members/${ada}/permissions`),
      h.api("get", "/members/permissions?userName=ADA@example.com"),
      h.api("get", `/members/${ada}/permissions/explain`),
      h.api("post", "/authorize").send({ member: ada, area: "billing", level: "manage" }),
      h.api("post", "/authorize").send({ member: ada, capability: "web_search" }),
      h.api("post", "/authorize").send({ member: ada, area: "billling" }),
      h.api("post", "/authorize").send({ member: ada, capability: "web_serch" }),
      h.api("get", "/mapping"),
      h.api("get", `/audit?member=${ada}`),
      h.api("get", "/members/nobody/permissions"),
      request(h.app).get("/api/v1/mapping"),
    ];
    const statuses: number[] = [];
    for (const call of calls) {
      const res = await call;
      expectDocumented(res);
      statuses.push(res.status);
    }
    expect(statuses).toEqual([200, 200, 200, 200, 200, 400, 400, 200, 200, 404, 401]);
  });

  it("names every operation once, for generated clients, and types the mapping document, the explanation and authorize's question", () => {
    const document = openApiDocument() as { paths: Record<string, Record<string, { operationId?: string }>>; components: { schemas: Record<string, { properties?: object; anyOf?: object[] }> } };
    const ids = Object.values(document.paths).flatMap((methods) => Object.values(methods).map((op) => op.operationId));
    expect(ids.every((id) => typeof id === "string" && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
    expect(new Set(ids).size).toBe(ids.length);
    const { schemas } = document.components;
    expect(Object.keys(schemas["MappingDocument"]?.properties ?? {})).toEqual(["version", "primaryOwner", "org", "standardRoles", "roles", "mappings"]);
    expect(Object.keys(schemas["Explanation"]?.properties ?? {})).toEqual(expect.arrayContaining(["matches", "chains", "orgRoleReason", "inactiveReason"]));
    // One question: a member and an area (with a level), a capability, or a connector; or a batch of them.
    const [single, batch] = (schemas["AuthorizeRequest"]?.anyOf ?? []) as { anyOf?: { required?: string[] }[]; required?: string[] }[];
    expect(single?.anyOf?.map((question) => question.required)).toEqual([["member", "area"], ["member", "capability"], ["member", "connector"]]);
    expect(batch?.required).toEqual(["checks"]);
  });
});

describe("request bodies checked against the document's schemas", () => {
  const refusal = (body: unknown, check: () => unknown): string => {
    try {
      check();
    } catch (err) {
      if (err instanceof ApiError && err.code === "invalid_request") return err.message;
      throw err;
    }
    throw new Error(`${JSON.stringify(body)} was accepted`);
  };
  const req = (body: unknown) => ({ body }) as Request;

  it("answers the body the schema describes, typed", () => {
    expect(validBody(req({ displayName: "Contractors" }), GroupNameRequest).displayName).toBe("Contractors");
    expect(validBody(req({ overlapSeconds: 60 }), RotationRequest).overlapSeconds).toBe(60);
  });

  it("refuses with a sentence naming the field and what it must be", () => {
    const cases: Array<[unknown, typeof GroupNameRequest | typeof RotationRequest, string]> = [
      [{ displayName: 3 }, GroupNameRequest, "displayName must be text"],
      [{ displayName: "  " }, GroupNameRequest, "displayName must be non-empty text"],
      [{}, GroupNameRequest, "displayName is required"],
      [{ displayName: "x", owner: "me" }, GroupNameRequest, 'Unknown field "owner"; the fields are displayName'],
      [{ overlapSeconds: "60" }, RotationRequest, "overlapSeconds must be a whole number"],
      [[], GroupNameRequest, "The request body must be a JSON object"],
    ];
    for (const [body, schema, message] of cases) expect(refusal(body, () => validBody(req(body), schema))).toBe(message);
  });

  it("keeps a route's own sentence where the body is a choice between two shapes", () => {
    const message = "Name the deleted member by userId or by userName";
    expect(refusal({ userId: "u", userName: "n" }, () => validBody(req({ userId: "u", userName: "n" }), ErasureRequest, message))).toBe(message);
  });
});
