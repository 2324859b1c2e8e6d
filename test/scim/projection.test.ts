import { CORE_GROUP, ENTERPRISE, createGroup, createUser, expectScimError, harnessPerTest, patchBody, userBody } from "../support/harness";
import type { ListBody } from "./support";

/** `attributes` and `excludedAttributes` (RFC 7644 §3.4.2.5, §3.9). */
describe("projection", () => {
  const h = harnessPerTest();
  let ada = "";
  beforeEach(async () => {
    ada = await createUser(h, "ada@example.com", { displayName: "Ada", [ENTERPRISE]: { employeeNumber: "7", department: "R&D" } });
  });

  it("returns only the asked attributes plus id and schemas", async () => {
    const res = await h.scim("get", `/Users/${ada}`).query({ attributes: "userName,name.familyName" });
    expect(res.status).toBe(200);
    expect(Object.keys(res.body as object).sort()).toEqual(["id", "meta", "name", "schemas", "userName"].sort());
    expect(res.body).toMatchObject({ id: ada, userName: "ada@example.com", name: { familyName: "ada@example.com" } });
    expect((res.body as { name: object }).name).not.toHaveProperty("givenName");
  });

  it("reads an attribute named with a value filter as that attribute, as Microsoft's collection sends it", async () => {
    const res = await h.scim("get", "/Users").query({ attributes: 'emails[type eq "work"]' });
    expect(res.status).toBe(200);
    const [user] = (res.body as ListBody).Resources;
    expect(user).toMatchObject({ id: ada, emails: [{ value: "ada@example.com", type: "work" }] });
    expect(user).not.toHaveProperty("userName");
  });

  it("leaves out excluded attributes and keeps the rest", async () => {
    const res = await h.scim("get", `/Users/${ada}`).query({ excludedAttributes: "emails,name.givenName" });
    expect(res.status).toBe(200);
    expect(res.body).not.toHaveProperty("emails");
    expect(res.body).toMatchObject({ userName: "ada@example.com", displayName: "Ada", name: { familyName: "ada@example.com" } });
    expect((res.body as { name: object }).name).not.toHaveProperty("givenName");
  });

  it("projects enterprise attributes named by URN, case-insensitively", async () => {
    const res = await h.scim("get", "/Users").query({ attributes: `${ENTERPRISE.toUpperCase()}:EMPLOYEENUMBER` });
    const [user] = (res.body as ListBody).Resources;
    expect(user?.[ENTERPRISE]).toEqual({ employeeNumber: "7" });
    expect(user).not.toHaveProperty("userName");
  });

  it("resolves an unqualified extension attribute as filters and PATCH paths do", async () => {
    const filtered = await h.scim("get", "/Users").query({ filter: 'employeeNumber eq "7"', attributes: "employeeNumber" });
    const [user] = (filtered.body as ListBody).Resources;
    expect(user?.[ENTERPRISE]).toEqual({ employeeNumber: "7" });
    const excluded = await h.scim("get", `/Users/${ada}`).query({ excludedAttributes: "department" });
    expect(excluded.body).toMatchObject({ [ENTERPRISE]: { employeeNumber: "7" } });
    expect(excluded.body).not.toHaveProperty([ENTERPRISE, "department"]);
  });

  it("refuses an attribute list that is not made of attribute paths, naming the parameter", async () => {
    const res = await h.scim("get", `/Users/${ada}`).query({ attributes: "userName,name.givenName.first" });
    expectScimError(res, 400, "invalidValue", /^attributes: "name\.givenName\.first"/);
  });

  it("omits members from a group with excludedAttributes=members on GET and list", async () => {
    const group = await createGroup(h, "Sales", [ada]);
    const one = await h.scim("get", `/Groups/${group}`).query({ excludedAttributes: "members" });
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ id: group, displayName: "Sales" });
    expect(one.body).not.toHaveProperty("members");
    const list = await h.scim("get", "/Groups").query({ excludedAttributes: "members" });
    expect((list.body as ListBody).Resources).toEqual([expect.not.objectContaining({ members: expect.anything() })]);
    const onlyName = await h.scim("get", `/Groups/${group}`).query({ attributes: "displayName" });
    expect(Object.keys(onlyName.body as object).sort()).toEqual(["displayName", "id", "meta", "schemas"]);
    const full = await h.scim("get", `/Groups/${group}`);
    expect(full.body).toMatchObject({ members: [{ value: ada, type: "User" }] });
  });

  it("shapes the resource returned by POST, PUT and PATCH of a User as it shapes a GET", async () => {
    const only = { attributes: "userName" };
    const expected = ["id", "meta", "schemas", "userName"];
    const created = await h.scim("post", "/Users").query(only).send(userBody("bob@example.com", { displayName: "Bob" }));
    expect(created.status).toBe(201);
    expect(Object.keys(created.body as object).sort()).toEqual(expected);
    const bob = (created.body as { id: string }).id;
    const replaced = await h.scim("put", `/Users/${bob}`).query(only).send(userBody("bob@example.com", { displayName: "Robert" }));
    expect(replaced.status).toBe(200);
    expect(Object.keys(replaced.body as object).sort()).toEqual(expected);
    const patched = await h.scim("patch", `/Users/${bob}`).query(only).send(patchBody({ op: "replace", path: "displayName", value: "Bobby" }));
    expect(Object.keys(patched.body as object).sort()).toEqual(expected);
    expect((await h.scim("get", `/Users/${bob}`)).body).toMatchObject({ displayName: "Bobby" });
  });

  it("shapes the group returned by POST, PUT and PATCH as it shapes a GET", async () => {
    const created = await h.scim("post", "/Groups").query({ excludedAttributes: "members" }).send({ schemas: [CORE_GROUP], displayName: "Sales", members: [{ value: ada }] });
    expect(created.status).toBe(201);
    expect(created.body).not.toHaveProperty("members");
    const group = (created.body as { id: string }).id;
    const replaced = await h.scim("put", `/Groups/${group}`).query({ attributes: "members" }).send({ schemas: [CORE_GROUP], displayName: "Sales", members: [{ value: ada }] });
    expect(Object.keys(replaced.body as object).sort()).toEqual(["id", "members", "meta", "schemas"]);
    const patched = await h.scim("patch", `/Groups/${group}`).query({ attributes: "displayName" }).send(patchBody({ op: "replace", path: "displayName", value: "Sales EMEA" }));
    expect(patched.body).toEqual({ schemas: [CORE_GROUP], id: group, displayName: "Sales EMEA", meta: { resourceType: "Group" } });
  });

  it("omits groups from users when excluded", async () => {
    await createGroup(h, "Sales", [ada]);
    const withGroups = await h.scim("get", `/Users/${ada}`);
    expect(withGroups.body).toMatchObject({ groups: [{ display: "Sales" }] });
    const without = await h.scim("get", `/Users/${ada}`).query({ excludedAttributes: "groups" });
    expect(without.body).not.toHaveProperty("groups");
  });
});
