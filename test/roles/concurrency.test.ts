import { createGroup, createUser, harnessPerTest, patchBody } from "../support/harness";
import { MAPPING, permissionsOf } from "./support";

/**
 * Two SCIM requests that change one member's groups at the same time must both count: each
 * recomputes from the memberships the other committed (on PostgreSQL the member's row is locked
 * before its groups are read).
 */
describe("concurrent membership changes for one member", () => {
  const h = harnessPerTest();
  beforeEach(async () => {
    await h.applyMapping(MAPPING);
  });

  it("keeps the roles of both groups when two groups add the same member in parallel", async () => {
    const finance = await createGroup(h, "Finance", [], { externalId: "00g1finance" });
    const security = await createGroup(h, "Security Team");
    for (let round = 0; round < 8; round++) {
      const member = await createUser(h, `race${round}@example.com`);
      const add = (group: string) => h.scim("patch", `/Groups/${group}`).send(patchBody({ op: "add", path: "members", value: [{ value: member }] }));
      const results = await Promise.all([add(finance), add(security)]);
      expect(results.map((r) => r.status)).toEqual([204, 204]);
      const p = await permissionsOf(h, member);
      expect({ round, roles: p.roles }).toEqual({ round, roles: ["finance", "security-auditor"] });
      expect(p.admin).toMatchObject({ billing: "manage", identity_access: "view" });
    }
  });
});
