import { randomUUID } from "node:crypto";
import { seedUsers } from "../../db/seed";
import { type Harness, PATCH_OP, createGroup, startHarness } from "../support/harness";
import { captureQueries } from "./support";

const MAPPING = `version: 1
primaryOwner: ceo@example.com
roles:
  finance:
    admin: { billing: manage }
mappings:
  - group: { displayName: "Finance" }
    roles: [finance]
`;

/**
 * A PATCH alternating "add 10 members" and "rename the group" (a name a mapping rule matches, then
 * another): the work it asks of the database grows with its operations, not with their square.
 * Work is counted in statements and in rows the driver returned, not timed.
 */
describe("a Group PATCH alternating member adds and renames a rule matches", () => {
  let h: Harness;
  let users: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    users = Array.from({ length: 6250 }, () => randomUUID());
    await seedUsers(h.db.knex, h.orgId, users);
    await h.applyMapping(MAPPING);
  }, 60_000);
  afterAll(async () => h.close());

  /** `n` operations on a new group, adding users from `from` on; the last rename is to "Finance". */
  async function patch(n: number, name: string, from: number): Promise<{ statements: number; rows: number }> {
    const group = await createGroup(h, name);
    const operations = Array.from({ length: n }, (_, i) =>
      i % 2 === 0
        ? { op: "add", path: "members", value: users.slice(from + i * 5, from + i * 5 + 10).map((value) => ({ value })) }
        : { op: "replace", path: "displayName", value: i % 4 === 1 || i === n - 1 ? "Finance" : name },
    );
    const capture = captureQueries(h);
    const res = await h.scim("patch", `/Groups/${group}`).query({ excludedAttributes: "members" }).send({ schemas: [PATCH_OP], Operations: operations });
    capture.stop();
    expect(res.status).toBe(204);
    const stored = await h.scim("get", `/Groups/${group}`);
    expect(stored.body).toMatchObject({ id: group, displayName: "Finance" });
    expect((stored.body as { members: unknown[] }).members).toHaveLength(5 * n);
    for (const member of [users[from], users[from + 5 * n - 1]]) {
      const permissions = await h.api("get", `/members/${member ?? ""}/permissions`);
      expect(permissions.body).toMatchObject({ roles: ["finance"] });
    }
    // The group is renamed away again so that the next request's group may take the name.
    expect((await h.scim("patch", `/Groups/${group}`).send({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: `${name} done` }] })).status).toBe(204);
    return { statements: capture.queries.length, rows: capture.queries.reduce((sum, q) => sum + q.rows, 0) };
  }

  it("costs four times the statements and rows for four times the operations, and gives every member the rule's role", async () => {
    const small = await patch(250, "Small", 0);
    const large = await patch(1000, "Large", 1250);
    expect(large.statements).toBeLessThanOrEqual(4 * small.statements);
    expect(large.rows).toBeLessThanOrEqual(4 * small.rows);
  }, 120_000);
});
