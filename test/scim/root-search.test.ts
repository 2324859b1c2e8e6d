import { createGroup, createUser, expectScimError, harnessPerTest } from "../support/harness";

const SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

interface ListBody {
  totalResults: number;
  itemsPerPage: number;
  startIndex: number;
  Resources: { id: string; meta: { resourceType: string } }[];
}

/** POST /.search at the service root (RFC 7644 §3.4.3). */
describe("root-level search", () => {
  const h = harnessPerTest();
  let users: string[];
  let groups: string[];
  beforeEach(async () => {
    users = [await createUser(h, "ada@example.com"), await createUser(h, "bob@example.com")];
    groups = [await createGroup(h, "Sales", [users[0] ?? ""]), await createGroup(h, "Support")];
  });

  it("returns Users then Groups, paged over both", async () => {
    const all = await h.scim("post", "/.search").send({ schemas: [SEARCH] });
    expect(all.status).toBe(200);
    const body = all.body as ListBody;
    expect(body.totalResults).toBe(4);
    expect(body.Resources.map((r) => r.id)).toEqual([...users, ...groups]);

    const page = (await h.scim("post", "/.search").send({ schemas: [SEARCH], startIndex: 2, count: 2 })).body as ListBody;
    expect(page).toMatchObject({ totalResults: 4, startIndex: 2, itemsPerPage: 2 });
    expect(page.Resources.map((r) => r.meta.resourceType)).toEqual(["User", "Group"]);
  });

  it("matches only the type that has the filtered attribute", async () => {
    const res = await h.scim("post", "/.search").send({ schemas: [SEARCH], filter: 'displayName eq "sales"' });
    expect((res.body as ListBody).Resources.map((r) => r.id)).toEqual([groups[0]]);
    const byUserName = await h.scim("post", "/.search").send({ schemas: [SEARCH], filter: 'userName sw "B"' });
    expect((byUserName.body as ListBody).Resources.map((r) => r.id)).toEqual([users[1]]);
  });

  it("rejects a filter on an attribute neither type has", async () => {
    const res = await h.scim("post", "/.search").send({ schemas: [SEARCH], filter: 'nickname2 eq "x"' });
    expectScimError(res, 400, "invalidFilter");
  });
});
