import { compileFilter } from "../../../db/filter-sql";
import { parseFilter, toStorageFilter } from "../../../scim/filter";
import { type Harness, createUser, startHarness } from "../../support/harness";

/**
 * The filters IdPs send on every sync (Entra: `userName eq`, `externalId eq`; Okta: `userName eq`)
 * must be answered from an index, or each one scans the whole directory.
 */
describe("indexed filters", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
    await createUser(h, "ada@example.com", { externalId: "00u1" });
  });
  afterAll(async () => h.close());

  async function plan(filter: string): Promise<string> {
    const where = compileFilter(h.db.dialect, "users", toStorageFilter("User", parseFilter(filter)));
    const sql = `SELECT users.* FROM users WHERE users.org_id = ? AND ${where.sql}`;
    const bindings = [h.orgId, ...where.bindings] as string[];
    if (h.db.dialect === "sqlite") {
      const rows = (await h.db.knex.raw(`EXPLAIN QUERY PLAN ${sql}`, bindings)) as { detail: string }[];
      return rows.map((r) => r.detail).join("\n");
    }
    // On a tiny table PostgreSQL prefers a scan anyway; forbid it to see whether an index could serve.
    return h.db.knex.transaction(async (tx) => {
      await tx.raw("SET LOCAL enable_seqscan = off");
      const result = (await tx.raw(`EXPLAIN ${sql}`, bindings)) as { rows: { "QUERY PLAN": string }[] };
      return result.rows.map((r) => r["QUERY PLAN"]).join("\n");
    });
  }

  it.each([
    ['userName eq "ADA@example.com"', /user_name_ci/],
    ['externalId eq "00u1"', /external_id/],
    ['userName eq "ada@example.com" and externalId eq "00u1"', /user_name_ci|external_id/],
  ])("answers %s from an index", async (filter, index) => {
    const text = await plan(filter);
    expect(text).toMatch(/USING (COVERING )?INDEX|Index Scan|Index Only Scan|Bitmap Index Scan/);
    expect(text).toMatch(index);
    expect(text).not.toMatch(/^SCAN users$/m);
  });
});
