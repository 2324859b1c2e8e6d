import { type Harness, ON_POSTGRES, createGroup, createUser, expectScimError, harnessPerTest, patchBody, startHarness, userBody } from "../support/harness";
import type request from "supertest";
import { nullPaths } from "./support";

/** RFC 7644 §3.12 errors: the right status and scimType, and never a 500 for a client mistake. */
describe("errors", () => {
  const h = harnessPerTest({ limits: { maxCount: 50, maxBulkOperations: 7, maxBulkPayloadBytes: 4096 } });

  it("answers a body that is not JSON with 400 invalidSyntax", async () => {
    expectScimError(await h.scim("post", "/Users").set("Content-Type", "application/scim+json").send('{"userName": '), 400, "invalidSyntax");
    const ada = await createUser(h, "ada@example.com");
    expectScimError(await h.scim("patch", `/Users/${ada}`).set("Content-Type", "application/json").send("{nope"), 400, "invalidSyntax");
  });

  it("answers a wrong or missing token with 401", async () => {
    expectScimError(await h.scim("get", "/Users").set("Authorization", "Bearer not-a-token"), 401);
    expectScimError(await h.scim("get", "/Users").set("Authorization", ""), 401);
    expectScimError(await h.scim("get", "/Users").set("Authorization", `Bearer ${h.apiToken}`), 401);
  });

  it("answers an unknown id with 404 and a detail", async () => {
    for (const path of ["/Users/00000000-0000-0000-0000-000000000000", "/Groups/nope"]) {
      const res = await h.scim("get", path);
      expectScimError(res, 404);
      expect((res.body as { detail: string }).detail).toEqual(expect.stringMatching(/not found/i));
    }
    expectScimError(await h.scim("patch", "/Users/nope").send(patchBody({ op: "replace", path: "displayName", value: "x" })), 404);
    expectScimError(await h.scim("delete", "/Groups/nope"), 404);
  });

  it("answers a user without userName with 400 invalidValue", async () => {
    expectScimError(await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], name: { givenName: "Ada" } }), 400, "invalidValue");
    expectScimError(await h.scim("post", "/Users").send(userBody("")), 400, "invalidValue");
    const ada = await createUser(h, "ada@example.com");
    expectScimError(await h.scim("put", `/Users/${ada}`).send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], displayName: "Ada" }), 400, "invalidValue");
  });

  it("answers a PATCH of the read-only id with 400 mutability", async () => {
    const ada = await createUser(h, "ada@example.com");
    expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "id", value: "mine" })), 400, "mutability");
    expect((await h.scim("get", `/Users/${ada}`)).status).toBe(200);
  });

  it("answers a PATCH of an unknown path with 400 invalidPath, and one whose filter matches nothing with noTarget", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    const patch = (path: string, operation: Record<string, unknown>) => h.scim("patch", path).send(patchBody(operation));
    expectScimError(await patch(`/Users/${ada}`, { op: "replace", path: "shoeSize", value: "9" }), 400, "invalidPath");
    expectScimError(await patch(`/Users/${ada}`, { op: "replace", path: "name.shoeSize", value: "9" }), 400, "invalidPath");
    expectScimError(await patch(`/Groups/${group}`, { op: "replace", path: "shoeSize", value: "9" }), 400, "invalidPath");
    // RFC 7644 §3.5.2.3: a replace whose value filter matches nothing is noTarget.
    expectScimError(await patch(`/Users/${ada}`, { op: "replace", path: 'emails[value co "nowhere"].value', value: "x@y.z" }), 400, "noTarget");
  });

  it("answers a PATCH whose value carries a name that is no attribute there with 400 invalidValue: the path was fine, the value was not", async () => {
    const ada = await createUser(h, "ada@example.com");
    const patch = (operation: Record<string, unknown>) => h.scim("patch", `/Users/${ada}`).send(patchBody(operation));
    const enterprise = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
    // A client that copies a whole representation into the extension object brings `schemas` along.
    const withSchemas = { schemas: [enterprise], department: "R&D" };
    expectScimError(await patch({ op: "replace", path: enterprise, value: withSchemas }), 400, "invalidValue", /schemas/);
    expectScimError(await patch({ op: "replace", value: { [enterprise]: withSchemas } }), 400, "invalidValue", /schemas/);
    expectScimError(await patch({ op: "replace", value: { shoeSize: 9 } }), 400, "invalidValue", /shoeSize/);
    expectScimError(await patch({ op: "replace", path: "name", value: { givenName: "Ada", nickname: "Countess" } }), 400, "invalidValue", /nickname/);
    expectScimError(await patch({ op: "add", path: "emails", value: [{ value: "x@example.com", colour: "red" }] }), 400, "invalidValue", /colour/);
    expect((await h.scim("get", `/Users/${ada}`)).body).not.toHaveProperty([enterprise]);
  });

  it("answers each malformed request with its own status and scimType (RFC 7644 §3.12), never a 500", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    // [request, status, scimType]: 400s carry the scimType of §3.12's table; 404 and 405 carry none.
    const cases: [request.Test, number, string | undefined][] = [
      [h.scim("post", "/Users").send([1, 2]), 400, "invalidSyntax"],
      [h.scim("post", "/Users").send({ userName: "x@y.z", emails: "nope" }), 400, "invalidValue"],
      [h.scim("post", "/Users").send({ userName: "x@y.z", active: "maybe" }), 400, "invalidValue"],
      [h.scim("post", "/Groups").send({ displayName: "G", members: [{ nope: 1 }] }), 400, "invalidValue"],
      // A lone value is a one-element list (scim/values.ts): "x" is a member id that does not exist.
      [h.scim("post", "/Groups").send({ displayName: "G", members: "x" }), 400, "invalidValue"],
      [h.scim("patch", `/Users/${ada}`).send({ Operations: "x" }), 400, "invalidSyntax"],
      [h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "explode", path: "displayName" })), 400, "invalidValue"],
      [h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{}] })), 400, "invalidValue"],
      [h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: "members[value eq" })), 400, "invalidPath"],
      [h.scim("get", "/Users").query({ startIndex: "abc" }), 400, "invalidValue"],
      // The sort attribute is resolved as a filter's attribute is; RFC 7644 §3.4.2.3 names no error of its own.
      [h.scim("get", "/Users").query({ sortBy: "nosuch" }), 400, "invalidFilter"],
      [h.scim("get", "/Users").query({ sortOrder: "sideways", sortBy: "userName" }), 400, "invalidValue"],
      [h.scim("get", "/Users").query({ filter: "x".repeat(5000) }), 400, "invalidFilter"],
      [h.scim("get", "/Users").query({ "filter[]": "a" }), 400, "invalidFilter"],
      [h.scim("post", "/Users/.search").send("[]").set("Content-Type", "application/json"), 400, "invalidSyntax"],
      [h.scim("post", "/.search").send("[]").set("Content-Type", "application/json"), 400, "invalidSyntax"],
      [h.scim("get", "/Nope"), 404, undefined],
      [h.scim("delete", "/Users"), 405, undefined],
    ];
    for (const [req, status, scimType] of cases) {
      const res = await req;
      expectScimError(res, status, scimType);
      if (scimType === undefined) expect(res.body).not.toHaveProperty("scimType");
    }
  });

  it("reads a number sent as userName as its text, as it does for every string attribute", async () => {
    const res = await h.scim("post", "/Users").send({ userName: 42 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ userName: "42" });
  });

  it("answers a bulk operation on an unknown path inside a 200 BulkResponse, with that operation's 400 invalidValue (RFC 7644 §3.7.3)", async () => {
    const res = await h.scim("post", "/Bulk").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"], Operations: [{ method: "POST", path: "/Nope", data: {} }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ Operations: [{ method: "POST", status: "400", response: { status: "400", scimType: "invalidValue" } }] });
  });

  it("tells discovery clients the truth, with no null anywhere", async () => {
    const config = await h.scim("get", "/ServiceProviderConfig");
    expect(config.status).toBe(200);
    expect(config.body).toMatchObject({
      patch: { supported: true },
      bulk: { supported: true, maxOperations: 7, maxPayloadSize: 4096 },
      filter: { supported: true, maxResults: 50 },
      etag: { supported: true },
      sort: { supported: true },
      changePassword: { supported: false },
    });
    const types = await h.scim("get", "/ResourceTypes");
    const schemas = await h.scim("get", "/Schemas");
    for (const res of [config, types, schemas]) {
      expect(res.status).toBe(200);
      expect(nullPaths(res.body)).toEqual([]);
    }
    expect(JSON.stringify(types.body)).toContain("urn:ietf:params:scim:schemas:extension:enterprise:2.0:User");
    expect(JSON.stringify(schemas.body)).toContain('"name":"members"');
  });
});

describe("database failures", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close().catch(() => undefined));

  function expectGenericFailure(res: { status: number; body: unknown }, status: 500 | 503): void {
    expect(res.status).toBe(status);
    const detail = String((res.body as { detail?: unknown }).detail);
    expect(detail).not.toMatch(/sql|knex|table|relation|sqlite|pg|select/i);
  }

  it("answers a missing table with a generic 500, never 404", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales", [ada]);
    if (ON_POSTGRES) await h.db.knex.raw("DROP TABLE groups CASCADE");
    else {
      await h.db.knex.raw("DROP TABLE group_members");
      await h.db.knex.raw("DROP TABLE groups");
    }
    for (const res of [
      await h.scim("get", `/Groups/${group}`),
      await h.scim("get", "/Groups"),
      await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: "members" })),
      await h.scim("get", `/Users/${ada}`),
    ]) {
      expectGenericFailure(res, 500);
    }
  });

  it("answers a closed database with 503 and Retry-After, never 404", async () => {
    const ada = await createUser(h, "ada@example.com");
    await h.db.knex.destroy();
    for (const res of [await h.scim("get", `/Users/${ada}`), await h.scim("get", "/Users")]) {
      expectGenericFailure(res, 503);
      expect(res.headers["retry-after"]).toMatch(/^\d+$/);
    }
  });
});
