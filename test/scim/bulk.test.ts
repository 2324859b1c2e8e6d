import { CORE_GROUP, CORE_USER, createUser, expectScimError, harnessPerTest, userBody } from "../support/harness";
import type { ListBody } from "./support";

const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

interface BulkResult {
  method: string;
  bulkId?: string;
  status: string;
  location?: string;
  version?: string;
  response?: { scimType?: string; status?: string };
}

/** POST /Bulk (RFC 7644 §3.7), with small limits so they can be crossed. */
describe("bulk", () => {
  const h = harnessPerTest({ limits: { maxBulkOperations: 3, maxBulkPayloadBytes: 2048 } });

  const bulk = (operations: unknown[], extra: Record<string, unknown> = {}) => h.scim("post", "/Bulk").send({ schemas: [BULK_REQUEST], Operations: operations, ...extra });

  it("resolves bulkId references from an earlier create", async () => {
    const res = await bulk([
      { method: "POST", path: "/Users", bulkId: "u1", data: { schemas: [CORE_USER], userName: "ada@example.com" } },
      { method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [CORE_GROUP], displayName: "Sales", members: [{ value: "bulkId:u1" }] } },
    ]);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ schemas: [BULK_RESPONSE] });
    const ops = (res.body as { Operations: BulkResult[] }).Operations;
    expect(ops.map((o) => [o.bulkId, o.status])).toEqual([["u1", "201"], ["g1", "201"]]);
    const userId = ops[0]?.location?.split("/").pop() ?? "";
    const groupId = ops[1]?.location?.split("/").pop() ?? "";
    expect(ops[1]?.version).toMatch(/^W\/".+"$/);
    const group = await h.scim("get", `/Groups/${groupId}`);
    expect(group.body).toMatchObject({ displayName: "Sales", members: [{ value: userId }] });
    expect(group.headers.etag).toBe(ops[1]?.version);
  });

  it("resolves a bulkId in a later operation's path", async () => {
    const res = await bulk([
      { method: "POST", path: "/Users", bulkId: "u1", data: { schemas: [CORE_USER], userName: "ada@example.com" } },
      { method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [CORE_GROUP], displayName: "Sales" } },
      {
        method: "PATCH",
        path: "/Groups/bulkId:g1",
        data: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op: "add", path: "members", value: [{ value: "bulkId:u1" }] }] },
      },
    ]);
    const ops = (res.body as { Operations: BulkResult[] }).Operations;
    expect(ops.map((o) => o.status)).toEqual(["201", "201", "200"]);
    const group = await h.scim("get", ops[2]?.location?.replace(/^.*\/scim\/v2/, "") ?? "");
    expect(group.body).toMatchObject({ displayName: "Sales", members: [{ value: ops[0]?.location?.split("/").pop() }] });
  });

  it("reports an unresolvable bulkId as that operation's error", async () => {
    const res = await bulk([{ method: "POST", path: "/Groups", bulkId: "g1", data: { schemas: [CORE_GROUP], displayName: "Sales", members: [{ value: "bulkId:nope" }] } }]);
    expect(res.status).toBe(200);
    const [op] = (res.body as { Operations: BulkResult[] }).Operations;
    expect(op).toMatchObject({ bulkId: "g1", status: "409", response: { status: "409", scimType: "invalidValue" } });
    expect(((await h.scim("get", "/Groups")).body as ListBody).totalResults).toBe(0);
  });

  it("stops after failOnErrors errors", async () => {
    await createUser(h, "taken@example.com");
    const res = await bulk(
      [
        { method: "POST", path: "/Users", bulkId: "a", data: userBody("taken@example.com") },
        { method: "POST", path: "/Users", bulkId: "b", data: { schemas: [CORE_USER] } },
        { method: "POST", path: "/Users", bulkId: "c", data: { schemas: [CORE_USER], userName: "c@example.com" } },
      ],
      { failOnErrors: 1 },
    );
    expect(res.status).toBe(200);
    const ops = (res.body as { Operations: BulkResult[] }).Operations;
    expect(ops.map((o) => [o.bulkId, o.status, o.response?.scimType])).toEqual([["a", "409", "uniqueness"]]);
    const users = await h.scim("get", "/Users").query({ filter: 'userName eq "c@example.com"' });
    expect((users.body as ListBody).totalResults).toBe(0);
  });

  it("runs every operation when failOnErrors is absent and reports each error", async () => {
    const res = await bulk([
      { method: "POST", path: "/Users", bulkId: "a", data: { schemas: [CORE_USER] } },
      { method: "POST", path: "/Users", bulkId: "b", data: { schemas: [CORE_USER], userName: "b@example.com" } },
      { method: "DELETE", path: "/Users/00000000-0000-0000-0000-000000000000" },
    ]);
    const ops = (res.body as { Operations: BulkResult[] }).Operations;
    expect(ops.map((o) => [o.status, o.response?.scimType])).toEqual([["400", "invalidValue"], ["201", undefined], ["404", undefined]]);
  });

  it("refuses more operations than maxBulkOperations with 413 and runs none", async () => {
    const ops = ["a", "b", "c", "d"].map((n) => ({ method: "POST", path: "/Users", bulkId: n, data: { schemas: [CORE_USER], userName: `${n}@x.com` } }));
    expectScimError(await bulk(ops), 413);
    expect(((await h.scim("get", "/Users")).body as ListBody).totalResults).toBe(0);
  });

  it("refuses a payload over maxBulkPayloadBytes with 413", async () => {
    const res = await bulk([{ method: "POST", path: "/Users", bulkId: "big", data: { schemas: [CORE_USER], userName: "big@example.com", displayName: "x".repeat(3000) } }]);
    expectScimError(res, 413);
    expect(((await h.scim("get", "/Users")).body as ListBody).totalResults).toBe(0);
  });

  it("refuses a failOnErrors that is not a number with 400 invalidValue and runs nothing", async () => {
    for (const failOnErrors of [{ toString: "x" }, [1], true, "many"]) {
      const res = await bulk([{ method: "POST", path: "/Users", bulkId: "a", data: { schemas: [CORE_USER], userName: "ada@example.com" } }], { failOnErrors });
      expectScimError(res, 400, "invalidValue", /failOnErrors/);
    }
    expect(((await h.scim("get", "/Users")).body as ListBody).totalResults).toBe(0);
  });

  it("refuses a request that is not a BulkRequest with 400", async () => {
    expectScimError(await h.scim("post", "/Bulk").send({ Operations: [] }), 400, "invalidSyntax");
  });
});
