import { createGroup, createUser } from "../../support/harness";
import { expectError, adminWorldPerTest } from "./support";

interface Page {
  members: Array<{ id: string; userName: string; displayName: string | null; orgRole: string; roles: string[] }>;
  nextCursor: string | null;
}

/** The members list a console pages through: server-side search and filters, keyset cursors. */
describe("listing members", () => {
  const w = adminWorldPerTest();

  const page = async (query: string): Promise<Page> => {
    const res = await w.as("peopleManager").get(`/members${query}`);
    expect(res.status).toBe(200);
    return res.body as Page;
  };
  const names = (p: Page) => p.members.map((m) => m.userName);

  it("lists every member in userName order with org role and custom roles", async () => {
    const all = await page("");
    expect(names(all)).toEqual(["fin@example.com", "hr@example.com", "iam@example.com", "owner@example.com", "plain@example.com", "po@example.com", "viewer@example.com"]);
    expect(all.members.find((m) => m.userName === "fin@example.com")).toMatchObject({ orgRole: "custom", roles: ["finance"] });
    expect(all.members.find((m) => m.userName === "po@example.com")).toMatchObject({ orgRole: "primary_owner", roles: [] });
    expect(all.nextCursor).toBeNull();
  });

  it("pages with a cursor, each page picking up after the last", async () => {
    const seen: string[] = [];
    let cursor: string | null = "";
    while (cursor !== null) {
      const p: Page = await page(`?limit=3${cursor === "" ? "" : `&cursor=${cursor}`}`);
      seen.push(...names(p));
      cursor = p.nextCursor;
    }
    expect(seen).toEqual(names(await page("")));
    expectError(await w.as("peopleManager").get("/members?cursor=bm90LWEtY3Vyc29y"), 400, "invalid_request");
  });

  it("searches by the start of a userName or displayName, in any case", async () => {
    await createUser(w.h, "zoe@example.com", { displayName: "Ada Lovelace" });
    expect(names(await page("?q=PL"))).toEqual(["plain@example.com"]);
    expect(names(await page("?q=ada%20love"))).toEqual(["zoe@example.com"]);
    expect(names(await page("?q=nobody"))).toEqual([]);
  });

  it("filters by org role and by custom role", async () => {
    expect(names(await page("?orgRole=owner"))).toEqual(["owner@example.com"]);
    expect(names(await page("?orgRole=user"))).toEqual(["plain@example.com"]);
    expect(names(await page("?role=finance"))).toEqual(["fin@example.com"]);
    expect(names(await page("?role=finance&q=zz"))).toEqual([]);
    expectError(await w.as("peopleManager").get("/members?orgRole=king"), 400, "invalid_request");
  });

  it("counts each role's members for the roles list, and names the groups that give it", async () => {
    const alsoFinance = await createUser(w.h, "fin2@example.com");
    await createGroup(w.h, "Finance EU", [alsoFinance], { externalId: "g-finance" });
    const roles = (await w.as("roleReader").get("/roles")).body as { roles: Array<{ name: string; memberCount: number; groups: Array<{ displayName: string }>; rules: Array<{ id: string }> }> };
    const finance = roles.roles.find((r) => r.name === "finance");
    expect(finance).toMatchObject({ memberCount: 2, rules: [{ id: "finance" }] });
    expect(finance?.groups.map((g) => g.displayName).sort()).toEqual(["Finance", "Finance EU"]);
    expect(roles.roles.find((r) => r.name === "people")).toMatchObject({ memberCount: 1 });
  });

  it("pages the audit log newest first, filtered by member or by actor, with actor and cause on every entry", async () => {
    type AuditBody = { entries: Array<{ seq: number; member: { userName: string }; actor: string | null; cause: { kind: string } }>; nextCursor: string | null };
    const reader = w.as("roleReader");
    const all = (await reader.get("/audit?limit=200")).body as AuditBody;
    expect(all.entries.length).toBeGreaterThanOrEqual(6);
    expect(all.entries.every((e, i) => i === 0 || (all.entries[i - 1]?.seq ?? 0) > e.seq)).toBe(true);
    expect(new Set(all.entries.map((e) => e.actor))).toEqual(new Set(["test"]));
    const first = (await reader.get("/audit?limit=2")).body as AuditBody;
    const second = (await reader.get(`/audit?limit=2&cursor=${first.nextCursor ?? ""}`)).body as AuditBody;
    expect([...first.entries, ...second.entries].map((e) => e.seq)).toEqual(all.entries.slice(0, 4).map((e) => e.seq));
    expect(((await reader.get("/audit?member=fin@example.com")).body as AuditBody).entries.map((e) => e.member.userName)).toEqual(["fin@example.com"]);
    expect(((await reader.get("/audit?actor=scim")).body as AuditBody).entries).toEqual([]);
    expect(((await reader.get("/audit?actor=te")).body as AuditBody).entries).toEqual([]);
  });
});
