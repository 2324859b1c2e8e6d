import { ENTERPRISE, type Harness, createGroup, createUser, expectScimError, startHarness } from "../support/harness";
import { until } from "../support/eventually";
import { type ListBody, captureQueries } from "./support";

/** RFC 7644 §3.4.2.2 filters, through HTTP, evaluated by the database. */
describe("filters", () => {
  let h: Harness;
  const id: Record<string, string> = {};
  let group = "";
  let between = "";

  beforeEach(async () => {
    h = await startHarness();
    id.ada = await createUser(h, "Ada@Example.com", {
      externalId: "ExtA",
      name: { givenName: "Ada", familyName: "Lovelace" },
      emails: [{ value: "ada@x.com", type: "work", primary: true }],
      [ENTERPRISE]: { employeeNumber: "100", department: "Engineering" },
    });
    // A moment strictly after Ada's last change and strictly before Bob's creation.
    const adaModified = ((await h.scim("get", `/Users/${id.ada}`)).body as { meta: { lastModified: string } }).meta.lastModified;
    between = await until(() => new Date().toISOString(), (now) => now > adaModified, "the clock past Ada's change", { intervalMs: 1 });
    await until(() => new Date().toISOString(), (now) => now > between, "the clock past the boundary", { intervalMs: 1 });
    id.bob = await createUser(h, "bob@example.com", {
      externalId: "extb",
      active: false,
      name: { givenName: "Bob", familyName: "Babbage" },
      emails: [
        { value: "bob@home.org", type: "home" },
        { value: "bob@x.com", type: "work" },
      ],
      [ENTERPRISE]: { employeeNumber: "200", department: "Sales", manager: { value: id.ada } },
    });
    id.quote = await createUser(h, 'a"b', { emails: [{ value: "quote@y.org", type: "work" }] });
    id.carol = await createUser(h, "carol@other.net", { displayName: "Carol", emails: [] });
    group = await createGroup(h, "Admins", [id.ada ?? ""]);
    await createGroup(h, "Others", [id.bob ?? ""]);
  });
  afterEach(async () => h.close());

  async function userNames(filter: string): Promise<string[]> {
    const res = await h.scim("get", "/Users").query({ filter });
    expect({ filter, status: res.status, body: res.status === 200 ? "ok" : res.body }).toEqual({ filter, status: 200, body: "ok" });
    const body = res.body as ListBody;
    expect(body.totalResults).toBe(body.Resources.length);
    return body.Resources.map((r) => String(r.userName)).sort();
  }

  it.each([
    ["userName eq \"ada@example.com\"", ["Ada@Example.com"]],
    ["userName ne \"ada@example.com\"", ['a"b', "bob@example.com", "carol@other.net"]],
    ["userName co \"EXAMPLE\"", ["Ada@Example.com", "bob@example.com"]],
    ["userName sw \"BOB\"", ["bob@example.com"]],
    ["userName ew \".NET\"", ["carol@other.net"]],
    ["externalId pr", ["Ada@Example.com", "bob@example.com"]],
    ["displayName pr", ["carol@other.net"]],
    ["userName gt \"b\"", ["bob@example.com", "carol@other.net"]],
    ["userName ge \"bob@example.com\"", ["bob@example.com", "carol@other.net"]],
    ["userName lt \"b\"", ['a"b', "Ada@Example.com"].sort()],
    ["userName le \"bob@example.com\"", ['a"b', "Ada@Example.com", "bob@example.com"].sort()],
    ["active eq false", ["bob@example.com"]],
    ["name.familyName eq \"lovelace\"", ["Ada@Example.com"]],
  ])("answers %s with exactly the matching users", async (filter, expected) => {
    expect(await userNames(filter)).toEqual(expected);
  });

  it("combines and, or and not with nested parentheses", async () => {
    expect(await userNames('userName sw "a" and active eq true')).toEqual(['a"b', "Ada@Example.com"].sort());
    expect(await userNames('userName eq "carol@other.net" or externalId eq "extb"')).toEqual(["bob@example.com", "carol@other.net"]);
    expect(await userNames('not (userName co "example")')).toEqual(['a"b', "carol@other.net"]);
    expect(await userNames('(userName eq "carol@other.net" or (externalId pr and (active eq false))) and not (displayName eq "nobody")')).toEqual([
      "bob@example.com",
      "carol@other.net",
    ]);
    expect(await userNames('userName eq "carol@other.net" or userName eq "bob@example.com" and active eq true')).toEqual(["carol@other.net"]);
  });

  it("matches a value path with two conditions on the same element", async () => {
    expect(await userNames('emails[type eq "work" and value co "@x"]')).toEqual(["Ada@Example.com", "bob@example.com"]);
    // bob has a home address at home.org and a work address at x.com: no single element matches both.
    expect(await userNames('emails[type eq "home" and value co "@x"]')).toEqual([]);
    expect(await userNames('emails[type eq "home"]')).toEqual(["bob@example.com"]);
    expect(await userNames('emails co "@y.org"')).toEqual(['a"b']);
    expect(await userNames('emails.type eq "home"')).toEqual(["bob@example.com"]);
  });

  it("honours JSON string escapes in compared values", async () => {
    expect(await userNames('userName eq "a\\"b"')).toEqual(['a"b']);
    expect(await userNames('userName eq "\\u0061\\"b"')).toEqual(['a"b']);
  });

  it("treats attribute names and operators case-insensitively", async () => {
    expect(await userNames('USERNAME EQ "ada@example.com"')).toEqual(["Ada@Example.com"]);
    expect(await userNames('Emails[Type Eq "home"] AnD NoT (ACTIVE eq TRUE)')).toEqual(["bob@example.com"]);
    expect(await userNames('urn:ietf:params:scim:schemas:core:2.0:User:username Eq "BOB@EXAMPLE.COM"')).toEqual(["bob@example.com"]);
  });

  it("compares userName case-insensitively and externalId case-exactly", async () => {
    expect(await userNames('userName eq "ADA@EXAMPLE.COM"')).toEqual(["Ada@Example.com"]);
    expect(await userNames('externalId eq "ExtA"')).toEqual(["Ada@Example.com"]);
    expect(await userNames('externalId eq "exta"')).toEqual([]);
    expect(await userNames('externalId eq "EXTB"')).toEqual([]);
  });

  it("filters on enterprise-extension attributes named by URN", async () => {
    expect(await userNames(`${ENTERPRISE}:employeeNumber eq "200"`)).toEqual(["bob@example.com"]);
    expect(await userNames(`${ENTERPRISE}:department sw "eng"`)).toEqual(["Ada@Example.com"]);
    expect(await userNames(`${ENTERPRISE}:employeeNumber pr`)).toEqual(["Ada@Example.com", "bob@example.com"]);
  });

  it("filters on meta.lastModified", async () => {
    expect(await userNames(`meta.lastModified gt "${between}"`)).toEqual(['a"b', "bob@example.com", "carol@other.net"]);
    expect(await userNames(`meta.lastModified lt "${between}"`)).toEqual(["Ada@Example.com"]);
  });

  it("finds users by group and groups by member", async () => {
    expect(await userNames(`groups.value eq "${group}"`)).toEqual(["Ada@Example.com"]);
    expect(await userNames(`groups[value eq "${group}"]`)).toEqual(["Ada@Example.com"]);
    const res = await h.scim("get", "/Groups").query({ filter: `members.value eq "${id.bob}"` });
    expect(res.status).toBe(200);
    expect((res.body as ListBody).Resources.map((g) => g.displayName)).toEqual(["Others"]);
    const both = await h.scim("get", "/Groups").query({ filter: `members[value eq "${id.ada}"] or displayName eq "others"` });
    expect((both.body as ListBody).Resources.map((g) => g.displayName).sort()).toEqual(["Admins", "Others"]);
  });

  it("finds reports by manager, including Entra's id-and-manager probe", async () => {
    expect(await userNames(`manager.value eq "${id.ada}"`)).toEqual(["bob@example.com"]);
    expect(await userNames(`${ENTERPRISE}:manager.value eq "${id.ada}"`)).toEqual(["bob@example.com"]);
    expect(await userNames(`id eq "${id.bob}" and manager eq "${id.ada}"`)).toEqual(["bob@example.com"]);
    expect(await userNames(`id eq "${id.bob}" and manager eq "${id.carol}"`)).toEqual([]);
  });

  it.each([
    ["a comparison with no value", "userName eq"],
    ["a bare word", "bogus"],
    ["a bare value with no operator", '"ada@example.com"'],
    ["an unclosed parenthesis", '(userName eq "a"'],
    ["an extra closing parenthesis", 'userName eq "a")'],
    ["an unknown attribute", 'nosuch eq "x"'],
    ["an unknown operator", 'userName xx "a"'],
    ["an unclosed string", 'userName eq "a'],
    ["an unknown extension attribute", `${ENTERPRISE}:shoeSize eq "4"`],
  ])("rejects %s with 400 invalidFilter", async (_what, filter) => {
    expectScimError(await h.scim("get", "/Users").query({ filter }), 400, "invalidFilter");
  });

  it("rejects a malformed filter in a SearchRequest body too", async () => {
    expectScimError(await h.scim("post", "/Users/.search").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: "userName eq" }), 400, "invalidFilter");
    expectScimError(await h.scim("get", "/Groups").query({ filter: "members.display co" }), 400, "invalidFilter");
  });

  it("evaluates the filter in SQL: the driver returns only the matching rows", async () => {
    for (let i = 0; i < 30; i += 1) await createUser(h, `filler${i}@example.org`);
    const capture = captureQueries(h);
    const res = await h.scim("get", "/Users").query({ filter: 'emails[type eq "work" and value co "@x"]' });
    capture.stop();
    expect(res.status).toBe(200);
    expect((res.body as ListBody).totalResults).toBe(2);
    const selects = capture.queries.filter((q) => /from\s+["`]?users["`]?\s/i.test(q.sql) && !/count\(/i.test(q.sql));
    expect(selects).toHaveLength(1);
    const [select] = selects;
    expect(select?.sql).toMatch(/where[\s\S]*org_id[\s\S]*(json_each|jsonb_array_elements)/i);
    expect(select?.rows).toBe(2);
    expect(capture.queries.every((q) => q.rows <= 2 || /count\(/i.test(q.sql) || /tokens|orgs/i.test(q.sql))).toBe(true);
  });
});
