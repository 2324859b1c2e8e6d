import { CORE_GROUP, createGroup, createUser, expectScimError, harnessPerTest, patchBody } from "../support/harness";

/** A member reference is read by one set of rules in a POST, a PUT and a PATCH of a Group. */
describe("group member references", () => {
  const h = harnessPerTest();
  let ada = "";
  beforeEach(async () => {
    ada = await createUser(h, "ada@example.com");
  });

  const memberValues = async (group: string): Promise<string[]> => {
    const res = await h.scim("get", `/Groups/${group}`);
    return ((res.body as { members?: { value: string }[] }).members ?? []).map((m) => m.value);
  };

  it("refuses a member whose type is neither User nor Group, on every verb", async () => {
    const device = [{ value: ada, type: "Device" }];
    expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Sales", members: device }), 400, "invalidValue");
    const group = await createGroup(h, "Sales");
    expectScimError(await h.scim("put", `/Groups/${group}`).send({ schemas: [CORE_GROUP], displayName: "Sales", members: device }), 400, "invalidValue");
    expectScimError(await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: device })), 400, "invalidValue");
    expect(await memberValues(group)).toEqual([]);
  });

  it("reads a bare id, an object with any-case type and a repeated id alike on every verb", async () => {
    const created = await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Sales", members: [ada, { value: ada, type: "user" }] });
    expect(created.status).toBe(201);
    const group = (created.body as { id: string }).id;
    expect(await memberValues(group)).toEqual([ada]);
    await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: "members", value: [ada] })).expect(204);
    expect(await memberValues(group)).toEqual([]);
    await h.scim("put", `/Groups/${group}`).send({ schemas: [CORE_GROUP], displayName: "Sales", members: ada }).expect(200);
    expect(await memberValues(group)).toEqual([ada]);
  });
});
