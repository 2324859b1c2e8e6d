import fc from "fast-check";
import request from "supertest";
import { splitAttributeList } from "../../scim/projection";
import { CORE_USER, PATCH_OP, createGroup, createUser, expectScimError, harnessPerTest, patchBody } from "../support/harness";

/**
 * The limits that keep one request from holding the server (README "Limits"): attribute lists and
 * PATCH operations, published at /api/v1/limits and refused past them before any work.
 */
describe("splitAttributeList", () => {
  /** What the server did before, with a regular expression that backtracks on unclosed brackets. */
  const byRegex = (text: string): string[] => text.replace(/\[[^\]]*\]/g, "").split(",").map((p) => p.trim()).filter((p) => p !== "");

  it("reads every list as the regular expression did, brackets, commas and all", () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom("[", "]", ",", " ", "a", "b", ".", '"'), maxLength: 60 }), (text) => {
      expect(splitAttributeList(text)).toEqual(byRegex(text));
    }), { numRuns: 2000 });
  });

  it("drops value filters and keeps unclosed brackets, whatever the size", () => {
    expect(splitAttributeList('emails[type eq "work"].value, userName')).toEqual(["emails.value", "userName"]);
    expect(splitAttributeList(`${"[".repeat(100_000)}`)).toEqual(["[".repeat(100_000)]);
    expect(splitAttributeList(`${"a[b],".repeat(20_000)}`)).toHaveLength(20_000);
  });
});

describe("request limits", () => {
  const h = harnessPerTest({ limits: { maxPatchOperations: 5, maxAttributePaths: 3 } });

  it("publishes the PATCH and attributes limits at /api/v1/limits, and keeps /ServiceProviderConfig to RFC 7643's attributes", async () => {
    const res = await request(h.app).get("/api/v1/limits");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ scim: { patch: { maxOperations: 5 }, attributes: { maxPaths: 3, charactersPerPath: 256 }, bulk: { maxOperations: expect.any(Number) as unknown } }, api: { authorize: { maxChecks: 100 } } });
    const config = await h.scim("get", "/ServiceProviderConfig");
    expect(config.body).toMatchObject({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"], patch: { supported: true } });
    expect(Object.keys(config.body as object).filter((key) => key.startsWith("urn:"))).toEqual([]);
  });

  it("answers attribute lists longer than the limit with 400 invalidValue, in the query and in a search body", async () => {
    const id = await createUser(h, "ada@example.com");
    expect((await h.scim("get", `/Users/${id}`).query({ attributes: "userName,name,emails" })).status).toBe(200);
    expectScimError(await h.scim("get", `/Users/${id}`).query({ attributes: "userName,name,emails,title" }), 400, "invalidValue", /at most 3/);
    expectScimError(await h.scim("get", "/Users").query({ excludedAttributes: "a,b,c,d" }), 400, "invalidValue", /at most 3/);
    expectScimError(await h.scim("post", "/Users/.search").send({ attributes: "x".repeat(3 * 256 + 1) }), 400, "invalidValue", /characters/);
    expectScimError(await h.scim("post", "/.search").send({ excludedAttributes: ["a", "b", "c", "d"] }), 400, "invalidValue", /at most 3/);
  });

  it("answers a PATCH of more operations than the limit with 413 and changes nothing, for Users and Groups", async () => {
    const user = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales");
    const sixTitles = Array.from({ length: 6 }, (_, i) => ({ op: "replace", path: "title", value: `t${i}` }));
    expectScimError(await h.scim("patch", `/Users/${user}`).send(patchBody(...sixTitles)), 413, undefined, /at most 5 operations/);
    expect((await h.scim("get", `/Users/${user}`)).body).not.toHaveProperty("title");
    const sixAdds = Array.from({ length: 6 }, () => ({ op: "add", path: "members", value: [{ value: user }] }));
    expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody(...sixAdds)), 413, undefined, /at most 5 operations/);
    expect((await h.scim("get", `/Groups/${group}`)).body).toMatchObject({ members: [] });
    expect((await h.scim("patch", `/Users/${user}`).send(patchBody(...sixTitles.slice(1)))).status).toBe(200);
  });

  it("answers a PATCH inside /Bulk past the limit with 413 for that operation", async () => {
    const user = await createUser(h, "ada@example.com");
    const res = await h.scim("post", "/Bulk").send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "PATCH", path: `/Users/${user}`, data: { schemas: [PATCH_OP], Operations: Array.from({ length: 6 }, () => ({ op: "replace", path: "title", value: "x" })) } },
        { method: "POST", path: "/Users", bulkId: "b", data: { schemas: [CORE_USER], userName: "bob@example.com" } },
      ],
    });
    expect(res.status).toBe(200);
    const [patch, post] = (res.body as { Operations: Array<{ status: string; response?: { detail?: string } }> }).Operations;
    expect(patch).toMatchObject({ status: "413", response: { detail: expect.stringMatching(/at most 5 operations/) as unknown } });
    expect(post).toMatchObject({ status: "201" });
  });
});
