import { randomUUID } from "node:crypto";
import { seedUsers } from "../../db/seed";
import { type Harness, createGroup, patchBody, startHarness } from "../support/harness";
import { type IssuedQuery, captureQueries, directoryWideAccesses, queriesOf } from "./support";

const USERS = 20_000;
const GROUPS = 200;
const TABLES = ["users", "groups", "group_members", "member_permissions"];

/**
 * An IdP's initial sync creates every user and group first and sends memberships last, so the
 * planner's statistics (SQLite's `PRAGMA optimize` at open, PostgreSQL's autovacuum) can describe
 * many groups and no memberships at all. In that state SQLite once planned "the groups of these
 * members" as a scan of every group probing group_members for each: a 100-member PATCH cost
 * (groups × members) lookups, and Entra's sync of 1,000 groups crawled. Every statement must
 * reach its rows through a key whatever the statistics say.
 */
describe("statements planned on statistics taken before any membership", () => {
  let h: Harness;
  let users: string[] = [];
  const groups: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await h.applyMapping(`version: 1
primaryOwner: owner@example.com
roles:
  reader:
    admin: { analytics: view }
mappings:
  - group: { displayName: "group-0" }
    roles: [reader]
`);
    users = Array.from({ length: USERS }, () => randomUUID());
    await seedUsers(h.db.knex, h.orgId, users);
    for (let i = 0; i < GROUPS; i++) groups.push(await createGroup(h, `group-${i}`));
    await h.db.knex.raw("ANALYZE");
  }, 120_000);
  afterAll(async () => h.close());

  const traced = (run: () => PromiseLike<{ status: number }>, status: number): Promise<IssuedQuery[]> => queriesOf(h, run, status);

  it("adds a batch of members and reads one member through keys", async () => {
    const batch = users.slice(0, 100).map((value) => ({ value }));
    const statements = [
      ...(await traced(() => h.scim("patch", `/Groups/${groups[0] ?? ""}`).query({ excludedAttributes: "members" }).send(patchBody({ op: "add", path: "members", value: batch })), 204)),
      ...(await traced(() => h.scim("get", `/Users/${users[1] ?? ""}`), 200)),
      ...(await traced(() => h.api("get", `/members/${users[2] ?? ""}/permissions`), 200)),
    ];
    expect(await directoryWideAccesses(h, statements, TABLES)).toEqual([]);
  });

  it("finds the groups of a page of users and of a whole mapping change through the members' keys", async () => {
    // Listing and a mapping change read the organisation by design (a page in seq order, every
    // member); what must not happen is reaching each member's groups by walking all groups.
    const statements = [...(await traced(() => h.scim("get", "/Users").query({ count: 50 }), 200))];
    const capture = captureQueries(h);
    await h.applyMapping(`version: 1
primaryOwner: owner@example.com
roles:
  reader:
    admin: { analytics: manage }
mappings:
  - group: { displayName: "group-0" }
    roles: [reader]
`);
    capture.stop();
    statements.push(...capture.queries);
    const membershipReads = statements.filter((q) => /group_members/i.test(q.sql));
    expect(membershipReads.length).toBeGreaterThanOrEqual(2);
    expect(await directoryWideAccesses(h, membershipReads, TABLES)).toEqual([]);
    const after = await h.api("get", `/members/${users[0] ?? ""}/permissions`);
    expect(after.body).toMatchObject({ orgRole: "custom", admin: { analytics: "manage" } });
  });
});
