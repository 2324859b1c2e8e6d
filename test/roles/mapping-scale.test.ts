import { randomUUID } from "node:crypto";
import { seedMembers, seedUsers } from "../../db/seed";
import { createGroup, harnessPerTest } from "../support/harness";
import { MAPPING } from "./support";

/**
 * A mapping change recomputes every member in one transaction, in batches: more members than one
 * batch holds must all be stored and audited (SQLite caps a compound SELECT at 500 terms).
 */
describe("a mapping change over a large organisation", () => {
  const h = harnessPerTest();

  it("stores and audits the new permissions of all 1,234 members it changes", async () => {
    const ids = Array.from({ length: 1234 }, () => randomUUID());
    await seedUsers(h.db.knex, h.orgId, ids);
    const finance = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    await seedMembers(h.db.knex, h.orgId, finance, ids);

    await h.applyMapping(MAPPING);

    const audited = await h.db.knex("audit_log").where({ org_id: h.orgId }).count<{ n: number | string }[]>({ n: "*" }).first();
    expect(Number(audited?.n)).toBe(1234);
    const sample = (await h.api("get", `/members/${ids[1233] ?? ""}/permissions`)).body as { roles: string[]; admin: { billing: string } };
    expect(sample).toMatchObject({ roles: ["finance"], admin: { billing: "manage" } });
  });
});
