import { CORE_GROUP, ENTERPRISE, createUser, expectScimError, harnessPerTest, patchBody, userBody } from "../support/harness";

/**
 * A value is read by one set of rules whether it arrives in a POST, a PUT or a PATCH: the same
 * value is accepted, or refused with the same error, by all three.
 */
describe("attribute values by POST, PUT and PATCH", () => {
  const h = harnessPerTest();
  let ada = "";
  let grace = "";
  beforeEach(async () => {
    ada = await createUser(h, "ada@example.com");
    grace = await createUser(h, "grace@example.com");
  });

  const post = (extra: Record<string, unknown>) => h.scim("post", "/Users").send(userBody("bob@example.com", extra));
  const put = (id: string, extra: Record<string, unknown>) => h.scim("put", `/Users/${id}`).send(userBody("bob@example.com", extra));
  const patch = (id: string, path: string, value: unknown) => h.scim("patch", `/Users/${id}`).send(patchBody({ op: "replace", path, value }));

  it("refuses two managers with invalidValue, rather than keeping the first, on every verb", async () => {
    const two = [{ value: ada }, { value: grace }];
    expectScimError(await post({ [ENTERPRISE]: { manager: two } }), 400, "invalidValue");
    const bob = await createUser(h, "bob@example.com");
    expectScimError(await put(bob, { [ENTERPRISE]: { manager: two } }), 400, "invalidValue");
    expectScimError(await patch(bob, `${ENTERPRISE}:manager`, two), 400, "invalidValue");
    const stored = await h.scim("get", `/Users/${bob}`);
    expect(stored.body).not.toHaveProperty([ENTERPRISE, "manager"]);
  });

  it("keeps the manager of an older Entra tenant's one-element array on every verb", async () => {
    const created = await post({ [ENTERPRISE]: { manager: [{ $ref: `../Users/${ada}`, value: ada }] } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ [ENTERPRISE]: { manager: { value: ada } } });
    const bob = (created.body as { id: string }).id;
    expect((await put(bob, { [ENTERPRISE]: { manager: [{ value: grace }] } })).body).toMatchObject({ [ENTERPRISE]: { manager: { value: grace } } });
    expect((await patch(bob, `${ENTERPRISE}:manager`, [{ value: ada }])).body).toMatchObject({ [ENTERPRISE]: { manager: { value: ada } } });
  });

  it("reads a number sent for a string attribute as its text on every verb", async () => {
    const created = await post({ [ENTERPRISE]: { employeeNumber: 701984 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ [ENTERPRISE]: { employeeNumber: "701984" } });
    const bob = (created.body as { id: string }).id;
    expect((await put(bob, { [ENTERPRISE]: { employeeNumber: 7 } })).body).toMatchObject({ [ENTERPRISE]: { employeeNumber: "7" } });
    expect((await patch(bob, `${ENTERPRISE}:employeeNumber`, 8)).body).toMatchObject({ [ENTERPRISE]: { employeeNumber: "8" } });
  });

  it("reads Entra's string booleans on every verb", async () => {
    const created = await post({ active: "False", emails: [{ value: "bob@example.com", primary: "True" }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ active: false, emails: [{ value: "bob@example.com", primary: true }] });
    const bob = (created.body as { id: string }).id;
    expect((await put(bob, { active: "TRUE" })).body).toMatchObject({ active: true });
    expect((await patch(bob, "active", "false")).body).toMatchObject({ active: false });
  });

  it("refuses a value of the wrong type with invalidValue on every verb", async () => {
    expectScimError(await post({ active: "maybe" }), 400, "invalidValue");
    expectScimError(await put(ada, { name: "Ada" }), 400, "invalidValue");
    expectScimError(await patch(ada, "active", "maybe"), 400, "invalidValue");
  });

  it("drops unknown sub-attributes of a whole representation, but refuses them in a PATCH, which names what it changes", async () => {
    const created = await post({ name: { givenName: "Bob", nickname: "Bobby" } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: { givenName: "Bob" } });
    expect(created.body).not.toHaveProperty(["name", "nickname"]);
    expectScimError(await patch(ada, "name", { givenName: "Ada", nickname: "Countess" }), 400, "invalidValue");
  });

  it("treats a null group member list as no members", async () => {
    const res = await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Empty", members: null });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ members: [] });
  });
});

/**
 * RFC 7643 §7: canonical values are suggestions ("MAY be used"), and §4.1.2 gives `roles` no
 * vocabulary at all, so a `type` outside the suggested list is stored as sent, never refused.
 */
describe("type sub-attributes outside the suggested values", () => {
  const h = harnessPerTest();

  const entraRole = { primary: false, type: "WindowsAzureActiveDirectoryRole", display: "Admin", value: "Admin" };
  const unusual = {
    roles: [entraRole],
    x509Certificates: [{ value: "TUlJRA==", type: "signing" }],
    emails: [{ value: "bob@example.com", type: "internal", primary: true }],
    phoneNumbers: [{ value: "+1 555 0100", type: "satellite" }],
    addresses: [{ locality: "Lyon", type: "branch office" }],
    ims: [{ value: "bob@matrix.example", type: "matrix" }],
    photos: [{ value: "https://photos.example.com/bob.jpg", type: "avatar" }],
  };

  it("stores them as sent on POST, and again on PUT", async () => {
    const created = await h.scim("post", "/Users").send(userBody("bob@example.com", unusual));
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject(unusual);
    const id = (created.body as { id: string }).id;
    const replaced = await h.scim("put", `/Users/${id}`).send(userBody("bob@example.com", { ...unusual, roles: [{ ...entraRole, value: "User", display: "User" }] }));
    expect(replaced.status).toBe(200);
    expect(replaced.body).toMatchObject({ roles: [{ type: "WindowsAzureActiveDirectoryRole", value: "User" }] });
    expect((await h.scim("get", `/Users/${id}`)).body).toMatchObject({ emails: unusual.emails, x509Certificates: unusual.x509Certificates });
  });

  it("stores them from a PATCH add, a replace through a filtered path, and a path-less replace", async () => {
    const bob = await createUser(h, "bob@example.com");
    const add = await h.scim("patch", `/Users/${bob}`).send(patchBody({ op: "Add", path: "roles", value: [entraRole] }));
    expect(add.status).toBe(200);
    expect(add.body).toMatchObject({ roles: [entraRole] });
    const filtered = await h.scim("patch", `/Users/${bob}`).send(patchBody({ op: "Add", path: 'phoneNumbers[type eq "satellite"].value', value: "+1 555 0199" }));
    expect(filtered.status).toBe(200);
    expect(filtered.body).toMatchObject({ phoneNumbers: [{ type: "satellite", value: "+1 555 0199" }] });
    const pathless = await h.scim("patch", `/Users/${bob}`).send(patchBody({ op: "replace", value: { emails: unusual.emails } }));
    expect(pathless.status).toBe(200);
    expect(pathless.body).toMatchObject({ emails: unusual.emails });
  });
});
