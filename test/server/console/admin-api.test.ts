import { CORE_GROUP, createUser, patchBody } from "../../support/harness";
import { MEMBERS, expectError } from "../admin/support";
import { consoleWorldPerTest, signedInBrowser } from "./support";

/** GET /api/v1/admin/groups/{id}: the console's group page — either source, the IdP that pushed it, what it gives. */
describe("the admin API's reads for the console", () => {
  const world = consoleWorldPerTest();

  it("shows one IdP group with the IdP that pushed it, its members and the roles its rules give", async () => {
    const pushed = await world.h.scim("post", "/Groups").set("User-Agent", "Okta SCIM Client 1.0.0").send({ schemas: [CORE_GROUP], displayName: "Finance EU", externalId: "g-finance", members: [{ value: world.ids.plain }, { value: world.ids.finance }] });
    expect(pushed.status).toBe(201);
    const id = (pushed.body as { id: string }).id;
    const res = await world.as("roleReader").get(`/groups/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id,
      displayName: "Finance EU",
      externalId: "g-finance",
      source: "scim",
      provisionedBy: "okta",
      memberCount: 2,
      created: expect.any(String) as unknown,
      grants: { ruleIds: ["finance"], roles: ["finance"], orgRole: null },
    });
  });

  it("shows a manual group with no IdP, and an IdP group whose client was not recognised with none either", async () => {
    const { browser, csrf } = await signedInBrowser(world, MEMBERS.roleEditor);
    const created = await browser.post("/api/v1/admin/groups", { displayName: "Contractors" }, { "X-CSRF-Token": csrf });
    const id = (created.body as { id: string }).id;
    await browser.put(`/api/v1/admin/groups/${id}/members/${world.ids.plain}`, {}, { "X-CSRF-Token": csrf });
    const manual = await browser.get(`/api/v1/admin/groups/${id}`);
    expect(manual.body).toMatchObject({ id, displayName: "Contractors", source: "manual", provisionedBy: null, memberCount: 1, grants: { ruleIds: [], roles: [], orgRole: null } });
    const owners = await world.as("owner").get(`/groups/${world.groups.owners}`);
    expect(owners.body).toMatchObject({ displayName: "Owners", source: "scim", provisionedBy: null, memberCount: 1, grants: { ruleIds: ["owners"], roles: [], orgRole: "owner" } });
  });

  it("refuses a group to members who may not read roles, and answers 404 for one that does not exist", async () => {
    for (const member of ["plain", "peopleManager", "finance"] as const) {
      expectError(await world.as(member).get(`/groups/${world.groups.finance}`), 403, "identity_access_view_required");
    }
    expectError(await world.as("owner").get("/groups/no-such-group"), 404, "group_not_found");
  });
});

/** GET /api/v1/admin/members?q=: the console's search runs on the server, over userName, displayName and email. */
describe("the members search for the console", () => {
  const world = consoleWorldPerTest();

  it("finds a member by email when their userName is not their address (an Entra UPN), with the filters and paging", async () => {
    const ada = await createUser(world.h, "ada.l@contoso.onmicrosoft.com", { displayName: "Ada Lovelace", emails: [{ value: "Ada@Contoso.com", type: "work", primary: true }] });
    await world.h.scim("patch", `/Groups/${world.groups.finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] })).expect(204);
    const search = async (query: string) => {
      const res = await world.as("peopleManager").get(`/members?${query}`);
      expect(res.status).toBe(200);
      return res.body as { members: Array<{ id: string }>; nextCursor: string | null };
    };
    expect((await search("q=ADA@contoso")).members.map((m) => m.id)).toEqual([ada]);
    expect((await search("q=ada%20love")).members.map((m) => m.id)).toEqual([ada]);
    expect((await search("q=ada.l@")).members.map((m) => m.id)).toEqual([ada]);
    expect((await search("q=ada@contoso&role=finance")).members.map((m) => m.id)).toEqual([ada]);
    expect((await search("q=ada@contoso&orgRole=owner")).members).toEqual([]);
    const first = await search("role=finance&limit=1");
    expect(first.members).toHaveLength(1);
    expect(first.nextCursor).not.toBeNull();
    const second = await search(`role=finance&limit=1&cursor=${encodeURIComponent(first.nextCursor ?? "")}`);
    expect([...first.members, ...second.members].map((m) => m.id).sort()).toEqual([ada, world.ids.finance].sort());
  });
});
