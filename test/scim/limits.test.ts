import { DEFAULT_LIMITS } from "../../server/config";
import { CORE_GROUP, CORE_USER, ENTERPRISE, type Harness, createGroup, createUser, expectScimError, patchBody, startHarness, userBody } from "../support/harness";

interface ListBody {
  totalResults: number;
}

const MiB = 1024 * 1024;

async function userCount(h: Harness): Promise<number> {
  return ((await h.scim("get", "/Users?count=0")).body as ListBody).totalResults;
}

/**
 * Each SCIM route reads at most as much body as its resources need: a User is small, a Group may
 * carry its whole member list, a BulkRequest what /ServiceProviderConfig advertises. Past the
 * limit the answer is a SCIM error with status 413 and nothing is stored.
 */
describe("request body limits per route", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("refuses a User body over 1 MiB by default with 413, where a 20 MiB title used to be stored", async () => {
    h = await startHarness();
    const res = await h.scim("post", "/Users").send(userBody("ada@example.com", { title: "t".repeat(20 * MiB) }));
    expectScimError(res, 413, undefined, /limit of 1048576 bytes/);
    expect(await userCount(h)).toBe(0);
  });

  it("applies the User limit to PUT and PATCH of a user and to searches", async () => {
    h = await startHarness({ limits: { maxUserBodyBytes: 4096 } });
    const ada = await createUser(h, "ada@example.com");
    const padding = "p".repeat(5000);
    expectScimError(await h.scim("put", `/Users/${ada}`).send(userBody("ada@example.com", { nickName: padding })), 413);
    expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "nickName", value: padding })), 413);
    expectScimError(await h.scim("post", "/Users/.search").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: `userName eq "${padding}"` }), 413);
    expectScimError(await h.scim("post", "/.search").send({ filter: `userName eq "${padding}"` }), 413);
    expect((await h.scim("get", `/Users/${ada}`)).body).not.toHaveProperty("nickName");
  });

  it("reads a Group body past the User limit, up to SCIM_MAX_BODY_BYTES, for full member lists", async () => {
    h = await startHarness({ limits: { maxUserBodyBytes: 4096, maxBodyBytes: 64 * 1024 } });
    const ada = await createUser(h, "ada@example.com");
    // An IdP's mapping may send attributes we do not keep: they count towards the body, not the group.
    const group = { schemas: [CORE_GROUP], displayName: "Engineering", members: [{ value: ada }], notes: "n".repeat(20_000) };
    const created = await h.scim("post", "/Groups").send(group);
    expect(created.status).toBe(201);
    const id = (created.body as { id: string }).id;
    expectScimError(await h.scim("put", `/Groups/${id}`).send({ ...group, notes: "n".repeat(70_000) }), 413);
    expect((await h.scim("get", `/Groups/${id}`)).body).toMatchObject({ displayName: "Engineering", members: [{ value: ada }] });
  });

  it("keeps the advertised /Bulk limit for BulkRequests, whatever the User limit", async () => {
    h = await startHarness({ limits: { maxUserBodyBytes: 2048, maxBulkPayloadBytes: 16 * 1024 } });
    const bulk = (title: string) => h.scim("post", "/Bulk").send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [{ method: "POST", path: "/Users", bulkId: "a", data: { schemas: [CORE_USER], userName: "ada@example.com", title } }],
    });
    expectScimError(await bulk("t".repeat(20_000)), 413);
    expect(await userCount(h)).toBe(0);
    const accepted = await bulk("t".repeat(8_000));
    expect(accepted.body).toMatchObject({ Operations: [{ status: "201" }] });
  });
});

/**
 * One attribute value may hold at most SCIM_MAX_STRING_BYTES (UTF-8) whatever the body limit: a
 * longer string anywhere in a User or Group — core, enterprise extension, a sub-attribute, an
 * element of a list — is 400 invalidValue naming the attribute, by POST, PUT, PATCH and Bulk alike.
 */
describe("the per-attribute string limit", () => {
  let h: Harness;
  afterEach(async () => h.close());

  const MAX = 300;
  const over = "x".repeat(MAX + 1);

  it("accepts 64 KiB in one attribute by default and refuses one byte more, naming it", async () => {
    h = await startHarness();
    const limit = DEFAULT_LIMITS.maxStringBytes;
    expect(limit).toBe(65536);
    const res = await h.scim("post", "/Users").send(userBody("ada@example.com", { title: "t".repeat(limit + 1) }));
    expectScimError(res, 400, "invalidValue", /^title is 65537 bytes long; an attribute value may be at most 65536 bytes\.$/);
    expect(await userCount(h)).toBe(0);
    const accepted = await h.scim("post", "/Users").send(userBody("ada@example.com", { title: "t".repeat(limit) }));
    expect(accepted.status).toBe(201);
  });

  it("counts UTF-8 bytes, not characters", async () => {
    h = await startHarness({ limits: { maxStringBytes: MAX } });
    // 200 two-byte characters are 400 bytes.
    expectScimError(await h.scim("post", "/Users").send(userBody("ada@example.com", { nickName: "é".repeat(200) })), 400, "invalidValue", /^nickName is 400 bytes/);
    expect((await h.scim("post", "/Users").send(userBody("ada@example.com", { nickName: "é".repeat(150) }))).status).toBe(201);
  });

  it("names the attribute at any depth of a POST, and stores nothing", async () => {
    h = await startHarness({ limits: { maxStringBytes: MAX } });
    const cases: [Record<string, unknown>, RegExp][] = [
      [{ userName: over }, /^userName is/],
      [{ name: { givenName: over } }, /^name\.givenName is/],
      [{ emails: [{ value: "a@example.com", type: "work" }, { value: "b@example.com", type: over }] }, /^emails\[1\]\.type is/],
      [{ addresses: [{ formatted: over }] }, /^addresses\[0\]\.formatted is/],
      [{ roles: [{ value: over }] }, /^roles\[0\]\.value is/],
      [{ externalId: over }, /^externalId is/],
      [{ [ENTERPRISE]: { department: over } }, new RegExp(`^${ENTERPRISE}\\.department is`)],
      [{ [`${ENTERPRISE}:costCenter`]: over }, new RegExp(`^${ENTERPRISE}:costCenter is`)],
      [{ [ENTERPRISE]: { manager: { value: "m-1", displayName: over } } }, /manager\.displayName is/],
    ];
    for (const [extra, detail] of cases) {
      expectScimError(await h.scim("post", "/Users").send(userBody("ada@example.com", extra)), 400, "invalidValue", detail);
    }
    expect(await userCount(h)).toBe(0);
  });

  it("refuses an over-long value by PUT and by PATCH, with or without a path, and keeps the stored user", async () => {
    h = await startHarness({ limits: { maxStringBytes: MAX } });
    const ada = await createUser(h, "ada@example.com", { title: "Engineer" });
    expectScimError(await h.scim("put", `/Users/${ada}`).send(userBody("ada@example.com", { title: over })), 400, "invalidValue", /^title is/);
    const patches = [
      { op: "replace", path: "title", value: over },
      { op: "replace", value: { title: over } },
      { op: "replace", path: 'emails[type eq "work"].value', value: over },
      { op: "add", path: "phoneNumbers", value: [{ value: over, type: "work" }] },
      { op: "add", path: `${ENTERPRISE}:department`, value: over },
      { op: "replace", path: "name", value: { familyName: over } },
    ];
    for (const op of patches) {
      expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody(op)), 400, "invalidValue", /is 301 bytes long/);
    }
    const stored = await h.scim("get", `/Users/${ada}`);
    expect(stored.body).toMatchObject({ title: "Engineer", emails: [{ value: "ada@example.com" }], meta: { version: 'W/"1"' } });
    expect(stored.body).not.toHaveProperty("phoneNumbers");
    expect(stored.body).not.toHaveProperty([ENTERPRISE]);
  });

  it("bounds a Group's attributes by POST, PUT and PATCH", async () => {
    h = await startHarness({ limits: { maxStringBytes: MAX } });
    expectScimError(await h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: over }), 400, "invalidValue", /^displayName is/);
    const id = await createGroup(h, "Engineering");
    expectScimError(await h.scim("put", `/Groups/${id}`).send({ schemas: [CORE_GROUP], displayName: "Engineering", externalId: over }), 400, "invalidValue", /^externalId is/);
    expectScimError(await h.scim("patch", `/Groups/${id}`).send(patchBody({ op: "replace", path: "displayName", value: over })), 400, "invalidValue", /^displayName is/);
    expect((await h.scim("get", `/Groups/${id}`)).body).toMatchObject({ displayName: "Engineering", meta: { version: 'W/"1"' } });
  });

  it("refuses an over-long value inside a BulkRequest as that operation's error", async () => {
    h = await startHarness({ limits: { maxStringBytes: MAX } });
    const res = await h.scim("post", "/Bulk").send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "POST", path: "/Users", bulkId: "a", data: userBody("ada@example.com", { title: over }) },
        { method: "POST", path: "/Users", bulkId: "b", data: userBody("bob@example.com") },
      ],
    });
    expect(res.body).toMatchObject({
      Operations: [
        { bulkId: "a", status: "400", response: { scimType: "invalidValue", detail: expect.stringMatching(/^title is 301 bytes/) } },
        { bulkId: "b", status: "201" },
      ],
    });
    expect(await userCount(h)).toBe(1);
  });

  it("refuses a string with an unpaired surrogate, which UTF-8 cannot encode, by POST and PATCH on both databases", async () => {
    h = await startHarness();
    expectScimError(await h.scim("post", "/Users").send(userBody("ada@example.com", { nickName: "Ada\ud800" })), 400, "invalidValue", /^nickName is not valid Unicode/);
    expect(await userCount(h)).toBe(0);
    const ada = await createUser(h, "ada@example.com", { name: { givenName: "Ada", familyName: "Lovelace" } });
    expectScimError(await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "name.givenName", value: "\udc00Ada" })), 400, "invalidValue", /not valid Unicode/);
    expect((await h.scim("get", `/Users/${ada}`)).body).toMatchObject({ name: { givenName: "Ada" } });
    // A pair is one character, and kept.
    expect((await h.scim("patch", `/Users/${ada}`).send(patchBody({ op: "replace", path: "nickName", value: "Ada \ud83d\ude00" }))).body).toMatchObject({ nickName: "Ada 😀" });
  });

  it("echoes only the start of a rejected value, never the whole of it", async () => {
    h = await startHarness();
    const res = await h.scim("post", "/Users").send(userBody("ada@example.com", { active: { note: "v".repeat(500_000) } }));
    expectScimError(res, 400, "invalidValue", /^active must be a boolean/);
    expect(JSON.stringify(res.body).length).toBeLessThan(1000);
  });
});
