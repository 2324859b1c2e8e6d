import { CORE_GROUP, ENTERPRISE, createGroup, createUser, expectScimError, harnessPerTest, patchBody, userBody } from "../support/harness";
import { withoutHost } from "./support";

interface Resource {
  id: string;
  meta: { version: string };
  [key: string]: unknown;
}

/** RFC 7644 §3.14 versioning, and writes that race. */
describe("ETags and versions", () => {
  const h = harnessPerTest();

  async function read(path: string): Promise<{ body: Resource; etag: string }> {
    const res = await h.scim("get", path);
    expect(res.status).toBe(200);
    return { body: withoutHost(res.body as Resource), etag: String(res.headers.etag) };
  }

  it("gives every user and group a meta.version equal to its ETag header", async () => {
    const created = await h.scim("post", "/Users").send(userBody("ada@example.com"));
    expect(created.status).toBe(201);
    expect((created.body as Resource).meta.version).toBe(created.headers.etag);
    const user = await read(`/Users/${(created.body as Resource).id}`);
    expect(user.body.meta.version).toBe(user.etag);
    expect(user.etag).toMatch(/^W\/".+"$/);

    const group = await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Sales" });
    expect(group.status).toBe(201);
    expect((group.body as Resource).meta.version).toBe(group.headers.etag);
    const patched = await h.scim("patch", `/Groups/${(group.body as Resource).id}`).send(patchBody({ op: "add", path: "members", value: [{ value: user.body.id }] }));
    expect(patched.status).toBe(204);
    const after = await read(`/Groups/${(group.body as Resource).id}`);
    expect(after.body.meta.version).toBe(after.etag);
    expect(patched.headers.etag).toBe(after.etag);
    expect(after.etag).not.toBe(group.headers.etag);

    const listed = await h.scim("get", "/Users");
    expect((listed.body as { Resources: Resource[] }).Resources[0]?.meta.version).toBe(user.etag);
  });

  it("changes the version of a user on every write and of a group when its members change", async () => {
    const ada = await createUser(h, "ada@example.com");
    const before = await read(`/Users/${ada}`);
    await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "displayName", value: "Ada" }));
    const after = await read(`/Users/${ada}`);
    expect(after.etag).not.toBe(before.etag);
    const group = await createGroup(h, "Sales", [ada]);
    const g1 = await read(`/Groups/${group}`);
    expect((await h.scim("delete", `/Users/${ada}`)).status).toBe(204);
    const g2 = await read(`/Groups/${group}`);
    expect(g2.etag).not.toBe(g1.etag);
  });

  describe("a stale If-Match", () => {
    let ada = "";
    let group = "";
    let stale = "";
    let staleGroup = "";
    let bob = "";
    beforeEach(async () => {
      ada = await createUser(h, "ada@example.com", { displayName: "Ada" });
      bob = await createUser(h, "bob@example.com");
      group = await createGroup(h, "Sales", [ada]);
      stale = (await read(`/Users/${ada}`)).etag;
      staleGroup = (await read(`/Groups/${group}`)).etag;
      expect((await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "title", value: "Countess" }))).status).toBe(200);
      expect((await h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "replace", path: "displayName", value: "Sales EMEA" }))).status).toBe(204);
    });

    it("refuses PUT, PATCH and DELETE of a user with 412 and writes nothing", async () => {
      const current = await read(`/Users/${ada}`);
      expectScimError(await h.scim("put", `/Users/${ada}`).set("If-Match", stale).send(userBody("renamed@example.com")), 412);
      expectScimError(await h.scim("patch", `/Users/${ada}`).set("If-Match", stale).send(patchBody({ op: "replace", path: "displayName", value: "X" })), 412);
      expectScimError(await h.scim("delete", `/Users/${ada}`).set("If-Match", stale), 412);
      expect(await read(`/Users/${ada}`)).toEqual(current);
    });

    it("refuses PUT, PATCH and DELETE of a group with 412 and writes nothing", async () => {
      const current = await read(`/Groups/${group}`);
      expectScimError(await h.scim("put", `/Groups/${group}`).set("If-Match", staleGroup).send({ schemas: [CORE_GROUP], displayName: "Renamed", members: [{ value: bob }] }), 412);
      expectScimError(await h.scim("patch", `/Groups/${group}`).set("If-Match", staleGroup).send(patchBody({ op: "add", path: "members", value: [{ value: bob }] })), 412);
      expectScimError(await h.scim("patch", `/Groups/${group}`).set("If-Match", staleGroup).send(patchBody({ op: "remove", path: `members[value eq "${ada}"]` })), 412);
      expectScimError(await h.scim("delete", `/Groups/${group}`).set("If-Match", staleGroup), 412);
      expect(await read(`/Groups/${group}`)).toEqual(current);
      expect(current.body.members).toEqual([expect.objectContaining({ value: ada })]);
    });

    it("accepts the current version and *", async () => {
      const current = await read(`/Users/${ada}`);
      const res = await h.scim("patch", `/Users/${ada}`).set("If-Match", current.etag).send(patchBody({ op: "replace", path: "displayName", value: "Ada L." }));
      expect(res.status).toBe(200);
      const g = await read(`/Groups/${group}`);
      expect((await h.scim("put", `/Groups/${group}`).set("If-Match", g.etag).send({ schemas: [CORE_GROUP], displayName: "Sales", members: [] })).status).toBe(200);
      expect((await h.scim("delete", `/Users/${bob}`).set("If-Match", "*")).status).toBe(204);
    });
  });

  it("answers If-None-Match with the current version by 304 and a stale one by 200", async () => {
    const ada = await createUser(h, "ada@example.com");
    const group = await createGroup(h, "Sales", [ada]);
    for (const path of [`/Users/${ada}`, `/Groups/${group}`]) {
      const { etag } = await read(path);
      const cached = await h.scim("get", path).set("If-None-Match", etag);
      expect(cached.status).toBe(304);
      expect(cached.headers.etag).toBe(etag);
      expect(cached.text ?? "").toBe("");
      expect((await h.scim("get", path).set("If-None-Match", 'W/"999999"')).status).toBe(200);
    }
  });
});

describe("concurrent writes", () => {
  const h = harnessPerTest();

  it("lands all of 20 parallel add-member PATCHes to one group", async () => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i += 1) ids.push(await createUser(h, `u${i}@example.com`));
    const group = await createGroup(h, "Crowd");
    const results = await Promise.all(ids.map((id) => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: id }] }))));
    expect(results.map((r) => r.status).filter((s) => s !== 200 && s !== 204)).toEqual([]);
    const res = await h.scim("get", `/Groups/${group}`);
    expect(((res.body as { members: { value: string }[] }).members).map((m) => m.value).sort()).toEqual([...ids].sort());
  });

  it("loses none of 20 parallel PATCHes to different attributes of one user", async () => {
    const ada = await createUser(h, "ada@example.com");
    const paths = [
      "displayName", "nickName", "title", "userType", "preferredLanguage", "locale", "timezone", "profileUrl",
      "name.givenName", "name.familyName", "name.middleName", "name.honorificPrefix", "name.honorificSuffix", "name.formatted",
      `${ENTERPRISE}:employeeNumber`, `${ENTERPRISE}:costCenter`, `${ENTERPRISE}:organization`, `${ENTERPRISE}:division`, `${ENTERPRISE}:department`, "externalId",
    ];
    const valueOf = (path: string): string => (path === "profileUrl" ? "https://example.com/ada" : `v-${path.split(":").pop() ?? path}`);
    const results = await Promise.all(paths.map((path) => h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path, value: valueOf(path) }))));
    expect(results.map((r) => r.status)).toEqual(paths.map(() => 200));
    const res = await h.scim("get", `/Users/${ada}`);
    const user = res.body as Record<string, unknown> & { name: Record<string, unknown> } & Record<typeof ENTERPRISE, Record<string, unknown>>;
    for (const path of paths) {
      const [, attr = path] = /^(?:urn:.*:)?(.*)$/.exec(path) ?? [];
      const [head, sub] = attr.split(".") as [string, string | undefined];
      const actual = path.startsWith("urn:") ? user[ENTERPRISE]?.[head] : sub ? user.name?.[sub] : user[head];
      expect({ path, value: actual }).toEqual({ path, value: valueOf(path) });
    }
    expect(user.meta).toMatchObject({ version: expect.stringMatching(/^W\/"21"$/) });
  });

  it("creates exactly one of 10 parallel POSTs of the same userName and answers the rest 409 uniqueness", async () => {
    const results = await Promise.all(Array.from({ length: 10 }, (_v, i) => h.scim("post", "/Users").send(userBody(i % 2 === 0 ? "same@example.com" : "SAME@example.com"))));
    expect(results.filter((r) => r.status === 201)).toHaveLength(1);
    const refused = results.filter((r) => r.status !== 201);
    expect(refused).toHaveLength(9);
    for (const res of refused) expectScimError(res, 409, "uniqueness");
    const list = await h.scim("get", "/Users").query({ filter: 'userName eq "same@example.com"' });
    expect(list.body).toMatchObject({ totalResults: 1 });
  });
});
