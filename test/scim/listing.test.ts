import request from "supertest";
import { type Harness, createGroup, createUser, startHarness, userBody } from "../support/harness";
import type { ListBody } from "./support";

const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";
const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";

/** RFC 7644 §3.4.2.3–§3.4.3: paging, sorting and searching. */
describe("listing", () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function list(path: string, query: Record<string, string | number> = {}): Promise<ListBody> {
    const res = await h.scim("get", path).query(query);
    expect(res.status).toBe(200);
    return res.body as ListBody;
  }

  describe("with seven users", () => {
    const families = ["Turing", "Hopper", "Lovelace", "Babbage", "Knuth", "Dijkstra", "Liskov"];
    beforeEach(async () => {
      h = await startHarness({ limits: { defaultCount: 4, maxCount: 5 } });
      for (const [i, family] of families.entries()) {
        await createUser(h, `user${i}@example.com`, { name: { givenName: "G", familyName: family } });
      }
    });

    it("pages 1-based with integer totalResults, startIndex and itemsPerPage, in a stable order", async () => {
      const seen: string[] = [];
      for (const startIndex of [1, 4, 7]) {
        const page = await list("/Users", { startIndex, count: 3 });
        expect(page).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 7, startIndex, itemsPerPage: startIndex === 7 ? 1 : 3 });
        expect(Number.isInteger(page.totalResults) && Number.isInteger(page.itemsPerPage) && Number.isInteger(page.startIndex)).toBe(true);
        seen.push(...page.Resources.map((r) => String(r.userName)));
      }
      expect(seen).toEqual(families.map((_f, i) => `user${i}@example.com`));
      const again = await list("/Users", { startIndex: 4, count: 3 });
      expect(again.Resources.map((r) => r.userName)).toEqual(seen.slice(3, 6));
    });

    it("pages as OFFSET does when users are deleted and created between the pages of an import", async () => {
      const names = (page: ListBody) => page.Resources.map((r) => String(r.userName));
      expect(names(await list("/Users", { startIndex: 1, count: 3 }))).toEqual(["user0@example.com", "user1@example.com", "user2@example.com"]);
      expect(names(await list("/Users", { startIndex: 4, count: 3 }))).toEqual(["user3@example.com", "user4@example.com", "user5@example.com"]);
      const all = await list("/Users", { count: 5 });
      const second = all.Resources[1];
      expect((await h.scim("delete", `/Users/${String(second?.id)}`)).status).toBe(204);
      // The row at index 4 is now user4: a page read from where the last one ended would repeat user3.
      const after = await list("/Users", { startIndex: 4, count: 3 });
      expect(after).toMatchObject({ totalResults: 6, itemsPerPage: 3 });
      expect(names(after)).toEqual(["user4@example.com", "user5@example.com", "user6@example.com"]);
      await createUser(h, "late@example.com");
      const last = await list("/Users", { startIndex: 7, count: 3 });
      expect(last).toMatchObject({ totalResults: 7, itemsPerPage: 1 });
      expect(names(last)).toEqual(["late@example.com"]);
    });

    it("counts each organisation's users apart", async () => {
      const other = await h.addOrg("other");
      const res = await request(h.app).post("/scim/v2/Users").set("Authorization", `Bearer ${other.token}`).send(userBody("solo@example.com"));
      expect(res.status).toBe(201);
      expect(await list("/Users", { count: 1 })).toMatchObject({ totalResults: 7, itemsPerPage: 1 });
      const theirs = await request(h.app).get("/scim/v2/Users").query({ count: 1 }).set("Authorization", `Bearer ${other.token}`);
      expect(theirs.body).toMatchObject({ totalResults: 1, itemsPerPage: 1 });
    });

    it("uses the configured default count and caps count at the configured maximum", async () => {
      expect((await list("/Users")).itemsPerPage).toBe(4);
      const capped = await list("/Users", { count: 1000 });
      expect(capped).toMatchObject({ totalResults: 7, itemsPerPage: 5 });
      expect(capped.Resources).toHaveLength(5);
    });

    it("answers count=0 with totalResults only", async () => {
      const page = await list("/Users", { count: 0 });
      expect(page).toMatchObject({ totalResults: 7, itemsPerPage: 0 });
      expect(page.Resources ?? []).toEqual([]);
    });

    it("treats startIndex below 1 as 1 and past the end as an empty page", async () => {
      expect((await list("/Users", { startIndex: 0, count: 1 })).Resources.map((r) => r.userName)).toEqual(["user0@example.com"]);
      expect(await list("/Users", { startIndex: 50 })).toMatchObject({ totalResults: 7, startIndex: 50, itemsPerPage: 0, Resources: [] });
    });

    it("sorts by userName descending", async () => {
      const page = await list("/Users", { sortBy: "userName", sortOrder: "descending", count: 3 });
      expect(page.Resources.map((r) => r.userName)).toEqual(["user6@example.com", "user5@example.com", "user4@example.com"]);
    });

    it("sorts by a JSON attribute, name.familyName, across pages", async () => {
      const first = await list("/Users", { sortBy: "name.familyName", count: 4 });
      const second = await list("/Users", { sortBy: "NAME.FAMILYNAME", sortOrder: "ascending", startIndex: 5, count: 4 });
      const names = [...first.Resources, ...second.Resources].map((r) => (r.name as { familyName: string }).familyName);
      expect(names).toEqual([...families].sort());
      const down = await list("/Users", { sortBy: "name.familyName", sortOrder: "descending", count: 2 });
      expect(down.Resources.map((r) => (r.name as { familyName: string }).familyName)).toEqual(["Turing", "Lovelace"]);
    });

    it("searches with POST /Users/.search and a SearchRequest body", async () => {
      const res = await h.scim("post", "/Users/.search").send({
        schemas: [SEARCH_REQUEST],
        filter: 'name.familyName sw "L"',
        sortBy: "name.familyName",
        sortOrder: "descending",
        startIndex: 1,
        count: 5,
        attributes: ["userName", "name.familyName"],
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ schemas: [LIST_RESPONSE], totalResults: 2, startIndex: 1, itemsPerPage: 2 });
      expect((res.body as ListBody).Resources.map((r) => ({ userName: r.userName, name: r.name, emails: r.emails }))).toEqual([
        { userName: "user2@example.com", name: { familyName: "Lovelace" }, emails: undefined },
        { userName: "user6@example.com", name: { familyName: "Liskov" }, emails: undefined },
      ]);
    });
  });

  describe("groups", () => {
    beforeEach(async () => {
      h = await startHarness();
    });

    it("searches with POST /Groups/.search and leaves out members when asked", async () => {
      const ada = await createUser(h, "ada@example.com");
      await createGroup(h, "Sales", [ada]);
      await createGroup(h, "Support", [ada]);
      await createGroup(h, "Engineering");
      const res = await h.scim("post", "/Groups/.search").send({ schemas: [SEARCH_REQUEST], filter: 'displayName sw "s"', sortBy: "displayName", sortOrder: "descending", excludedAttributes: ["members"] });
      expect(res.status).toBe(200);
      const body = res.body as ListBody;
      expect(body).toMatchObject({ totalResults: 2, itemsPerPage: 2 });
      expect(body.Resources.map((g) => g.displayName)).toEqual(["Support", "Sales"]);
      expect(body.Resources.every((g) => !("members" in g))).toBe(true);
      const withMembers = await list("/Groups", { filter: 'displayName eq "sales"' });
      expect(withMembers.Resources[0]?.members).toEqual([expect.objectContaining({ value: ada })]);
    });

    it("pages groups in a stable order", async () => {
      const names = ["g1", "g2", "g3", "g4", "g5"];
      for (const name of names) await createGroup(h, name);
      const first = await list("/Groups", { startIndex: 1, count: 2 });
      const second = await list("/Groups", { startIndex: 3, count: 2 });
      const third = await list("/Groups", { startIndex: 5, count: 2 });
      expect([first, second, third].map((p) => p.itemsPerPage)).toEqual([2, 2, 1]);
      expect([...first.Resources, ...second.Resources, ...third.Resources].map((g) => g.displayName)).toEqual(names);
    });
  });
});
