import { CORE_GROUP, createGroup, createUser, expectScimError, harnessPerTest, patchBody, userBody } from "../support/harness";
import type { ListBody } from "./support";

/** Organisations are isolated: a token sees and touches only its own organisation. */
describe("organisations", () => {
  const h = harnessPerTest();
  let other: { token: string };
  beforeEach(async () => {
    other = await h.addOrg("other");
  });

  const as = (token: string, method: "get" | "post" | "put" | "patch" | "delete", path: string) => h.scim(method, path).set("Authorization", `Bearer ${token}`);

  it("shows another organisation nothing of this one", async () => {
    const ada = await createUser(h, "ada@example.com");
    const sales = await createGroup(h, "Sales", [ada]);
    for (const path of ["/Users", "/Groups"]) {
      const res = await as(other.token, "get", path);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
    }
    const search = await as(other.token, "get", "/Users").query({ filter: 'userName eq "ada@example.com"' });
    expect((search.body as ListBody).totalResults).toBe(0);
    const byMember = await as(other.token, "get", "/Groups").query({ filter: `members.value eq "${ada}"` });
    expect((byMember.body as ListBody).totalResults).toBe(0);

    expectScimError(await as(other.token, "get", `/Users/${ada}`), 404);
    expectScimError(await as(other.token, "get", `/Groups/${sales}`), 404);
    expectScimError(await as(other.token, "patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "displayName", value: "pwned" })), 404);
    expectScimError(await as(other.token, "put", `/Users/${ada}`).send(userBody("ada@example.com", { displayName: "pwned" })), 404);
    expectScimError(await as(other.token, "patch", `/Groups/${sales}`).send(patchBody({ op: "remove", path: "members" })), 404);
    expectScimError(await as(other.token, "put", `/Groups/${sales}`).send({ schemas: [CORE_GROUP], displayName: "pwned", members: [] }), 404);
    expectScimError(await as(other.token, "delete", `/Groups/${sales}`), 404);
    expectScimError(await as(other.token, "delete", `/Users/${ada}`), 404);

    const still = await h.scim("get", `/Groups/${sales}`);
    expect(still.body).toMatchObject({ displayName: "Sales", members: [{ value: ada }] });
    expect((await h.scim("get", `/Users/${ada}`)).body).not.toHaveProperty("displayName");
  });

  it("lets another organisation's groups not name this organisation's users", async () => {
    const ada = await createUser(h, "ada@example.com");
    expectScimError(await as(other.token, "post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Theirs", members: [{ value: ada }] }), 400, "invalidValue");
  });

  it("keeps userName and group displayName unique per organisation, not globally", async () => {
    await createUser(h, "ada@example.com");
    await createGroup(h, "Sales");
    expect((await as(other.token, "post", "/Users").send(userBody("ADA@example.com"))).status).toBe(201);
    expect((await as(other.token, "post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "sales" })).status).toBe(201);
    expectScimError(await h.scim("post", "/Users").send(userBody("Ada@Example.com")), 409, "uniqueness");
    expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "SALES" }), 409, "uniqueness");
    expectScimError(await as(other.token, "post", "/Users").send(userBody("ada@EXAMPLE.com")), 409, "uniqueness");
  });

  it("refuses renaming onto an existing userName or displayName with 409", async () => {
    const ada = await createUser(h, "ada@example.com");
    await createUser(h, "bob@example.com");
    const sales = await createGroup(h, "Sales");
    await createGroup(h, "Support");
    expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "userName", value: "BOB@example.com" })), 409, "uniqueness");
    expectScimError(await h.scim("put", `/Users/${ada}`).send(userBody("bob@example.com")), 409, "uniqueness");
    expectScimError(await h.scim("patch", `/Groups/${sales}`).send(patchBody({ op: "replace", path: "displayName", value: "support" })), 409, "uniqueness");
  });
});
