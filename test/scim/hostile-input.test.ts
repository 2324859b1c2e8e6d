import { CORE_GROUP, createGroup, createUser, expectScimError, harnessPerTest, patchBody, startHarness, userBody } from "../support/harness";

const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";

/** `depth` arrays around "x", as raw JSON text (30 KB at 5,000 levels). */
const nested = (depth: number): string => `${"[".repeat(depth)}"x"${"]".repeat(depth)}`;

/** `body` as JSON with the string "HOLE" replaced by raw JSON text. */
const withHole = (body: unknown, raw: string): string => JSON.stringify(body).replace('"HOLE"', raw);

/**
 * Input shaped to break the server (RFC 7644 §3.12): each answer is a SCIM 400 or 404 with the
 * right scimType, never a 500, and the same on SQLite and PostgreSQL.
 */
describe("hostile input", () => {
  const h = harnessPerTest();

  const raw = (method: "post" | "put" | "patch", path: string, text: string) => h.scim(method, path).set("Content-Type", "application/scim+json").send(text);

  describe("JSON nested past SCIM_MAX_JSON_DEPTH", () => {
    it("refuses a 5,000-deep value with 400 invalidSyntax on POST, PUT, PATCH, .search and Bulk", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await createGroup(h, "Finance");
      const deep = nested(5000);
      const answers = [
        await raw("post", "/Users", withHole(userBody("deep@example.com", { nickName: "HOLE" }), deep)),
        await raw("post", "/Users", withHole(userBody("deep@example.com", { emails: "HOLE" }), deep)),
        await raw("put", `/Users/${ada}`, withHole(userBody("ada@example.com", { unknownAttribute: "HOLE" }), deep)),
        await raw("patch", `/Users/${ada}`, withHole(patchBody({ op: "add", path: "nickName", value: "HOLE" }), deep)),
        await raw("patch", `/Groups/${group}`, withHole(patchBody({ op: "add", path: "members", value: [{ value: "HOLE" }] }), deep)),
        await raw("post", "/Users/.search", withHole({ filter: "HOLE" }, deep)),
        await raw("post", "/.search", withHole({ filter: "HOLE" }, deep)),
        await raw("post", "/Bulk", withHole({ schemas: [BULK_REQUEST], Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: userBody("b@example.com", { x: "HOLE" }) }] }, deep)),
      ];
      for (const res of answers) expectScimError(res, 400, "invalidSyntax", /nests arrays and objects more than 64 levels/);
      expect((await h.scim("get", `/Users/${ada}`)).body).not.toHaveProperty("nickName");
    });

    it("accepts nesting up to the limit and refuses one level more", async () => {
      const small = await startHarness({ limits: { maxJsonDepth: 12 } });
      try {
        // The body object is one level; eleven arrays inside it make twelve.
        const atLimit = withHole(userBody("deep@example.com", { unknownAttribute: "HOLE" }), nested(11));
        expect((await small.scim("post", "/Users").set("Content-Type", "application/scim+json").send(atLimit)).status).toBe(201);
        const past = withHole(userBody("deeper@example.com", { unknownAttribute: "HOLE" }), nested(12));
        expectScimError(await small.scim("post", "/Users").set("Content-Type", "application/scim+json").send(past), 400, "invalidSyntax");
      } finally {
        await small.close();
      }
    });

    it("counts brackets inside strings as text, not nesting", async () => {
      const res = await h.scim("post", "/Users").send(userBody("brackets@example.com", { nickName: `${"[{".repeat(200)}\\"` }));
      expect(res.status).toBe(201);
      expect((res.body as { nickName: string }).nickName).toBe(`${"[{".repeat(200)}\\"`);
    });
  });

  describe("NUL characters and over-long values", () => {
    it("answers an id holding a NUL with 404", async () => {
      expectScimError(await h.scim("get", "/Users/%00"), 404);
      expectScimError(await h.scim("get", "/Groups/a%00b"), 404);
      expectScimError(await h.scim("delete", "/Users/%00"), 404);
      expectScimError(await h.scim("patch", "/Groups/%00").send(patchBody({ op: "add", path: "displayName", value: "x" })), 404);
    });

    it("refuses a NUL in a filter, a string attribute, a member id or a PATCH path filter with 400 invalidValue", async () => {
      const group = await createGroup(h, "Finance");
      const ada = await createUser(h, "ada@example.com");
      expectScimError(await h.scim("get", `/Users?filter=${encodeURIComponent('userName eq "a\u0000"')}`), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("get", `/Users?filter=${encodeURIComponent('userName eq "a\\u0000"')}`), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("post", "/Groups/.search").send({ filter: 'displayName eq "a\\u0000"' }), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("post", "/Users").send(userBody("nul@example.com", { nickName: "a\u0000b" })), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("post", "/Users").send(userBody("n\u0000l@example.com")), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "title", value: "\u0000" })), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: "a\u0000" }] })), 400, "invalidValue", /NUL/);
      expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: 'members[value eq "a\\u0000"]' })), 400, "invalidValue", /NUL/);
      const listed = await h.scim("get", "/Users");
      expect((listed.body as { totalResults: number }).totalResults).toBe(1);
    });

    it("refuses userName, externalId and displayName past their 400 characters with 400 invalidValue naming the attribute", async () => {
      const long = "x".repeat(401);
      expectScimError(await h.scim("post", "/Users").send(userBody(`${long}@example.com`)), 400, "invalidValue", /^userName is 413 characters long/);
      expectScimError(await h.scim("post", "/Users").send(userBody("a@example.com", { externalId: long })), 400, "invalidValue", /^externalId /);
      expectScimError(await h.scim("post", "/Users").send(userBody("a@example.com", { displayName: long })), 400, "invalidValue", /^displayName /);
      expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: long }), 400, "invalidValue", /^displayName /);
      expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "g", externalId: long }), 400, "invalidValue", /^externalId /);
      const ada = await createUser(h, "ada@example.com");
      expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "userName", value: long })), 400, "invalidValue", /^userName /);
      // 400 characters, two code units each, is what the column holds.
      const astral = "😀".repeat(400);
      expect((await h.scim("post", "/Users").send(userBody(astral, { displayName: astral }))).status).toBe(201);
    });
  });

  describe("multi-valued and member values", () => {
    it("refuses items of a complex multi-valued attribute that are not objects, naming the attribute", async () => {
      const ada = await createUser(h, "ada@example.com");
      expectScimError(await h.scim("post", "/Users").send(userBody("b@example.com", { emails: [[["x"]]] })), 400, "invalidValue", /^emails\[0\]/);
      expectScimError(await h.scim("put", `/Users/${ada}`).send(userBody("ada@example.com", { phoneNumbers: ["x"] })), 400, "invalidValue", /^phoneNumbers\[0\]/);
      expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "add", path: "addresses", value: [[{ type: "work" }]] })), 400, "invalidValue", /^addresses\[0\]/);
      expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "add", value: { emails: [[["x"]]] } })), 400, "invalidValue", /^emails\[0\]/);
      const stored = (await h.scim("get", `/Users/${ada}`)).body as { emails: unknown[] };
      expect(stored.emails).toEqual([{ value: "ada@example.com", type: "work", primary: true }]);
    });

    it("refuses a group as its own member on PUT and PATCH, saying so", async () => {
      const ada = await createUser(h, "ada@example.com");
      const group = await createGroup(h, "Finance", [ada]);
      const self = /a group cannot be its own member/i;
      expectScimError(await h.scim("put", `/Groups/${group}`).send({ schemas: [CORE_GROUP], displayName: "Finance", members: [{ value: ada }, { value: group }] }), 400, "invalidValue", self);
      expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: group }] })), 400, "invalidValue", self);
      expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "replace", path: "members", value: [{ value: group }] })), 400, "invalidValue", self);
      const bulk = await h.scim("post", "/Bulk").send({ schemas: [BULK_REQUEST], Operations: [{ method: "PATCH", path: `/Groups/${group}`, data: patchBody({ op: "add", path: "members", value: [{ value: group }] }) }] });
      expect((bulk.body as { Operations: Array<{ status: string; response: { detail: string } }> }).Operations[0]).toMatchObject({ status: "400", response: { detail: expect.stringMatching(self) as unknown } });
      const members = ((await h.scim("get", `/Groups/${group}`)).body as { members: Array<{ value: string }> }).members;
      expect(members.map((m) => m.value)).toEqual([ada]);
    });
  });
});
