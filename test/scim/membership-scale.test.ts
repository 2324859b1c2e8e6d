import { randomUUID } from "node:crypto";
import { countGroupMembers } from "../../db/groups";
import { seedMembers, seedUsers } from "../../db/seed";
import { CORE_GROUP, type Harness, createGroup, createUser, patchBody, startHarness } from "../support/harness";
import { type IssuedQuery, type ListBody, captureQueries, directoryWideAccesses, queriesOf } from "./support";

const SIZE = 100_000;

/**
 * Membership writes cost in proportion to the ids a request names, never to the size of the
 * group. A 100k-member group is seeded in SQL, then every statement a PATCH issues is recorded
 * with the number of rows the driver returned.
 */
describe("a group of 100,000 members", () => {
  let h: Harness;
  let group = "";
  let small = "";
  let members: string[] = [];
  let newcomer = "";

  beforeAll(async () => {
    h = await startHarness();
    members = Array.from({ length: SIZE }, () => randomUUID());
    await seedUsers(h.db.knex, h.orgId, members);
    group = await createGroup(h, "Everyone");
    await seedMembers(h.db.knex, h.orgId, group, members);
    small = await createGroup(h, "Few", [members[0] ?? ""]);
    newcomer = await createUser(h, "newcomer@example.com");
  }, 60_000);
  afterAll(async () => h.close());

  const traced = (run: () => PromiseLike<{ status: number }>, status: number): Promise<IssuedQuery[]> => queriesOf(h, run, status);

  function expectConstantWork(queries: readonly IssuedQuery[]): void {
    expect(queries.length).toBeLessThanOrEqual(20);
    // No statement hands back more than a handful of rows…
    expect(queries.filter((q) => q.rows > 5)).toEqual([]);
    // …and none reads or deletes group_members without naming the members it wants.
    const wholeList = queries.filter((q) => /group_members/i.test(q.sql) && /^\s*(select|delete)/i.test(q.sql) && !/member_id["`]?\s*(=|in\b)/i.test(q.sql));
    expect(wholeList.map((q) => q.sql)).toEqual([]);
  }

  it("is seen by the server", async () => {
    const head = await h.scim("get", `/Groups/${group}`).query({ excludedAttributes: "members" });
    expect(head.status).toBe(200);
    expect(head.body).toMatchObject({ displayName: "Everyone" });
    const byMember = await h.scim("get", "/Groups").query({ filter: `members.value eq "${members[SIZE / 2] ?? ""}"`, excludedAttributes: "members" });
    expect((byMember.body as ListBody).Resources.map((g) => g.id)).toEqual([group]);
    const users = await h.scim("get", "/Users").query({ count: 0 });
    expect((users.body as ListBody).totalResults).toBe(SIZE + 1);
    const one = await h.scim("get", `/Users/${members[123] ?? ""}`);
    expect(one.body).toMatchObject({ groups: [{ value: group, display: "Everyone" }] });
  });

  it("adds and removes one member with the same few statements as in a one-member group", async () => {
    const addBig = await traced(() => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: newcomer }] })), 204);
    const addSmall = await traced(() => h.scim("patch", `/Groups/${small}`).send(patchBody({ op: "add", path: "members", value: [{ value: newcomer }] })), 204);
    const removeBig = await traced(() => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: `members[value eq "${members[42] ?? ""}"]` })), 204);
    const removeSmall = await traced(() => h.scim("patch", `/Groups/${small}`).send(patchBody({ op: "remove", path: `members[value eq "${members[0] ?? ""}"]` })), 204);
    for (const queries of [addBig, removeBig]) expectConstantWork(queries);
    // The membership statements are the same, word for word, whatever the group's size.
    const membership = (queries: readonly IssuedQuery[]): string[] => queries.filter((q) => /group_members|groups/i.test(q.sql)).map((q) => q.sql);
    expect(membership(addBig)).toEqual(membership(addSmall));
    expect(membership(removeBig)).toEqual(membership(removeSmall));
    expect(await countGroupMembers(h.db.knex, group)).toBe(SIZE);
    const filtered = await h.scim("get", "/Groups").query({ filter: `members.value eq "${newcomer}" and not (members.value eq "${members[42] ?? ""}")`, attributes: "displayName" });
    expect((filtered.body as ListBody).Resources.map((g) => g.displayName).sort()).toEqual(["Everyone", "Few"]);
  });

  it("reaches every row of an add or a remove through a key, never by walking the organisation", async () => {
    const spare = await createUser(h, "spare@example.com");
    const statements = [
      ...(await traced(() => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: spare }] })), 204)),
      ...(await traced(() => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: "members", value: [{ value: spare }] })), 204)),
    ];
    // Rows returned alone would not show it: a membership check filtered by organisation once
    // walked all 100,000 users per PATCH while returning one row.
    expect(await directoryWideAccesses(h, statements, ["users", "groups", "group_members", "member_permissions"])).toEqual([]);
  });

  it("serves the other per-member requests of a sync and of product services through keys as well", async () => {
    const member = members[99] ?? "";
    const statements = [
      ...(await traced(() => h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "arrival@example.com", active: true }), 201)),
      ...(await traced(() => h.scim("get", `/Users/${member}`), 200)),
      ...(await traced(() => h.scim("get", "/Users").query({ filter: 'userName eq "arrival@example.com"' }), 200)),
      ...(await traced(() => h.scim("patch", `/Users/${member}`).send(patchBody({ op: "replace", path: "active", value: false })), 200)),
      ...(await traced(() => h.api("post", "/authorize").send({ member, area: "billing", level: "view" }), 200)),
      ...(await traced(() => h.api("post", "/authorize").send({ member: "arrival@example.com", capability: "web_search" }), 200)),
      ...(await traced(() => h.api("get", `/members/${member}/permissions`), 200)),
    ];
    expect(await directoryWideAccesses(h, statements, ["users", "groups", "group_members", "member_permissions"])).toEqual([]);
  });

  it("removes one member with Entra's value-array form in constant work", async () => {
    const queries = await traced(
      () => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "remove", path: "members", value: [{ value: members[7] ?? "" }] })),
      204,
    );
    expectConstantWork(queries);
    const still = await h.scim("get", "/Groups").query({ filter: `members.value eq "${members[8] ?? ""}"`, attributes: "displayName" });
    expect((still.body as ListBody).totalResults).toBe(1);
  });

  it("applies a PUT of the whole list minus one plus one as a set difference", async () => {
    const current = await h.db.knex("group_members").where({ group_id: group }).pluck("member_id");
    const [leaving = "", ...staying] = current as string[];
    const arriving = randomUUID();
    await seedUsers(h.db.knex, h.orgId, [arriving], "late-");
    const res = await h
      .scim("put", `/Groups/${group}`)
      .query({ excludedAttributes: "members" })
      .send({ schemas: [CORE_GROUP], displayName: "Everyone", members: [...staying, arriving].map((value) => ({ value })) });
    expect(res.status).toBe(200);
    expect(await countGroupMembers(h.db.knex, group)).toBe(current.length);
    const rows = await h.db.knex("group_members").where({ group_id: group }).whereIn("member_id", [leaving, arriving, staying[0] ?? ""]).pluck("member_id");
    expect((rows as string[]).sort()).toEqual([arriving, staying[0]].sort());
  }, 30_000);

  it("streams the whole group back a page of members at a time, each member once", async () => {
    const capture = captureQueries(h);
    const res = await h.scim("get", `/Groups/${group}`);
    capture.stop();
    expect(res.status).toBe(200);
    expect(res.headers["transfer-encoding"]).toBe("chunked");
    const values = (res.body as { members: { value: string }[] }).members.map((m) => m.value);
    expect(values.length).toBe(await countGroupMembers(h.db.knex, group));
    expect(new Set(values).size).toBe(values.length);
    const pages = capture.queries.filter((q) => /\bfrom [`"]?group_members\b/i.test(q.sql));
    expect(pages.length).toBeGreaterThan(1);
    expect(pages.filter((q) => q.rows > 5000)).toEqual([]);
  }, 30_000);
});
