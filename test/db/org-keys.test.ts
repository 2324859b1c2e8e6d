import { randomUUID } from "node:crypto";
import type { Knex } from "knex";
import { ensureOrg } from "../../db/orgs";
import { type Harness, startHarness } from "../support/harness";

/**
 * The rows a mapping change writes by the ten thousand (audit, events, member roles) belong to an
 * organisation: a foreign key on SQLite, statement-level triggers on PostgreSQL (the
 * statement_level_org_keys migration). Both must refuse an unknown organisation and go with a
 * deleted one.
 */
describe("rows kept per organisation", () => {
  let h: Harness;
  afterEach(async () => h.close());

  const rows = (orgId: string) => ({
    audit_log: { org_id: orgId, user_id: randomUUID(), user_name: "a@example.com", before: "{}", after: "{}", cause: "{}", actor: "test", at: new Date().toISOString() },
    event_outbox: { org_id: orgId, id: 1, type: "test", member_id: null, payload: "{}", created_ms: Date.now() },
    member_roles: { user_id: randomUUID(), role: "auditor", org_id: orgId },
  });

  async function count(knex: Knex, table: string, orgId: string): Promise<number> {
    return Number((await knex(table).where({ org_id: orgId }).count({ n: "*" }).first())?.n);
  }

  it("are deleted with their organisation, and another organisation's stay", async () => {
    h = await startHarness();
    const other = await ensureOrg(h.db.knex, "other");
    for (const orgId of [h.orgId, other.id]) for (const [table, row] of Object.entries(rows(orgId))) await h.db.knex(table).insert(row);
    await h.db.knex("orgs").where({ id: other.id }).delete();
    for (const table of Object.keys(rows(""))) {
      expect([table, await count(h.db.knex, table, other.id)]).toEqual([table, 0]);
      expect([table, await count(h.db.knex, table, h.orgId)]).toEqual([table, 1]);
    }
  });

  it("are refused when they name no organisation, several rows at once included", async () => {
    h = await startHarness();
    for (const [table, row] of Object.entries(rows(randomUUID()))) {
      await expect(h.db.knex(table).insert(row)).rejects.toThrow(/foreign key/i);
      const known = rows(h.orgId)[table as keyof ReturnType<typeof rows>];
      await expect(h.db.knex(table).insert([known, row])).rejects.toThrow(/foreign key/i);
      expect([table, await count(h.db.knex, table, h.orgId)]).toEqual([table, 0]);
    }
  });
});
