import { CORE_GROUP, ENTERPRISE, createGroup, createUser, expectScimError, harnessPerTest, patchBody, userBody } from "../support/harness";
import { type ListBody, withoutHost } from "./support";

interface GroupBody {
  meta: { version: string };
  displayName: string;
  members?: { value: string }[];
}

/** Members and managers must name users of the same organisation; a refused request writes nothing. */
describe("referential integrity", () => {
  const h = harnessPerTest();
  let ada = "";
  let bob = "";
  let stranger = "";
  beforeEach(async () => {
    ada = await createUser(h, "ada@example.com");
    bob = await createUser(h, "bob@example.com");
    const other = await h.addOrg("other");
    const res = await h.scim("post", "/Users").set("Authorization", `Bearer ${other.token}`).send(userBody("stranger@example.com"));
    expect(res.status).toBe(201);
    stranger = (res.body as { id: string }).id;
  });

  async function group(id: string): Promise<GroupBody> {
    const res = await h.scim("get", `/Groups/${id}`);
    expect(res.status).toBe(200);
    return res.body as GroupBody;
  }

  const memberIds = (g: GroupBody): string[] => (g.members ?? []).map((m) => m.value).sort();

  it("refuses a PATCH whose second add names an unknown id, and leaves the group unchanged", async () => {
    const id = await createGroup(h, "Sales", [ada]);
    const before = await group(id);
    const res = await h.scim("patch", `/Groups/${id}`).send(
      patchBody(
        { op: "add", path: "members", value: [{ value: bob }] },
        { op: "add", path: "members", value: [{ value: "00000000-0000-0000-0000-000000000000" }] },
      ),
    );
    expectScimError(res, 400, "invalidValue");
    const after = await group(id);
    expect(memberIds(after)).toEqual([ada]);
    expect(after.meta.version).toBe(before.meta.version);
  });

  it("refuses members of another organisation on POST, PUT and PATCH", async () => {
    expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Mixed", members: [{ value: ada }, { value: stranger }] }), 400, "invalidValue");
    const list = await h.scim("get", "/Groups").query({ filter: 'displayName eq "Mixed"' });
    expect((list.body as ListBody).totalResults).toBe(0);

    const id = await createGroup(h, "Sales", [ada]);
    const before = await group(id);
    expectScimError(await h.scim("put", `/Groups/${id}`).send({ schemas: [CORE_GROUP], displayName: "Renamed", members: [{ value: bob }, { value: stranger }] }), 400, "invalidValue");
    expectScimError(await h.scim("patch", `/Groups/${id}`).send(patchBody({ op: "replace", path: "members", value: [{ value: stranger }] })), 400, "invalidValue");
    expectScimError(
      await h.scim("patch", `/Groups/${id}`).send(patchBody({ op: "replace", path: "displayName", value: "Renamed" }, { op: "add", path: "members", value: [{ value: stranger }] })),
      400,
      "invalidValue",
    );
    const after = await group(id);
    expect({ name: after.displayName, members: memberIds(after), version: after.meta.version }).toEqual({ name: "Sales", members: [ada], version: before.meta.version });
  });

  it("keeps a manager reference as the IdP sent it, even one that names no user here", async () => {
    // Microsoft's SCIM test collection creates a user whose manager is "SuzzyQ"; RFC 7643 §4.3
    // asks for no referential integrity, and nothing is derived from a manager.
    const created = await h.scim("post", "/Users").send(userBody("carol@example.com", { [ENTERPRISE]: { Manager: { Value: "SuzzyQ" } } }));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ [ENTERPRISE]: { manager: { value: "SuzzyQ" } } });
    const byManager = await h.scim("get", "/Users").query({ filter: `${ENTERPRISE}:manager.value eq "SuzzyQ"` });
    expect((byManager.body as ListBody).Resources.map((u) => u.userName)).toEqual(["carol@example.com"]);

    const other = await h.scim("patch", `/Users/${bob}`).send(patchBody({ op: "add", path: `${ENTERPRISE}:manager`, value: { value: stranger } }));
    expect(other.status).toBe(200);
    expect(other.body).toMatchObject({ [ENTERPRISE]: { manager: { value: stranger } } });
  });

  it("refuses a manager reference longer than the stored column, and keeps the user as it was", async () => {
    const before = await h.scim("get", `/Users/${bob}`);
    expectScimError(await h.scim("put", `/Users/${bob}`).send(userBody("bob@example.com", { displayName: "Bob", [ENTERPRISE]: { manager: "m".repeat(256) } })), 400, "invalidValue");
    const after = await h.scim("get", `/Users/${bob}`);
    expect(withoutHost(after.body)).toEqual(withoutHost(before.body));
  });

  it("removes a deleted user's memberships and clears it as a manager", async () => {
    const sales = await createGroup(h, "Sales", [ada, bob]);
    const support = await createGroup(h, "Support", [ada]);
    await h.scim("patch", `/Users/${bob}`).send(patchBody({ op: "add", path: `${ENTERPRISE}:manager`, value: { value: ada } }));
    expect((await h.scim("delete", `/Users/${ada}`)).status).toBe(204);
    expect(memberIds(await group(sales))).toEqual([bob]);
    expect(memberIds(await group(support))).toEqual([]);
    const byMember = await h.scim("get", "/Groups").query({ filter: `members.value eq "${ada}"` });
    expect((byMember.body as ListBody).totalResults).toBe(0);
    const bobNow = await h.scim("get", `/Users/${bob}`);
    expect(bobNow.body).not.toHaveProperty([ENTERPRISE, "manager"]);
    expectScimError(await h.scim("get", `/Users/${ada}`), 404);
  });

  it("removes a deleted group from the groups that contained it", async () => {
    const inner = await createGroup(h, "Inner", [ada]);
    const outer = await createGroup(h, "Outer", [inner, bob]);
    expect((await h.scim("delete", `/Groups/${inner}`)).status).toBe(204);
    expect(memberIds(await group(outer))).toEqual([bob]);
    expect((await h.scim("get", `/Users/${ada}`)).body).toMatchObject({ groups: [] });
  });
});
