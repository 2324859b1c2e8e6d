import { roleHolderCounts } from "../../db/permissions";
import { createGroup, createUser, harnessPerTest, patchBody } from "../support/harness";

const mapping = (fromB: string) => `version: 1
primaryOwner: owner@example.com
roles:
  r1: { admin: { billing: view } }
  r2: { admin: { analytics: view } }
  r3: { admin: { privacy: view } }
mappings:
  - group: { externalId: "g-a" }
    roles: [r1]
  - group: { externalId: "g-b" }
    roles: [${fromB}]
`;

/** The role rows the admin API filters and counts members by follow every recompute. */
describe("each member's custom role rows", () => {
  const h = harnessPerTest();

  const counts = async () => Object.fromEntries(await roleHolderCounts(h.db.knex, h.orgId));

  it("keep the roles a member keeps and swap the ones a mapping change or a membership change swaps", async () => {
    await h.applyMapping(mapping("r2"));
    const ada = await createUser(h, "ada@example.com");
    const bob = await createUser(h, "bob@example.com");
    const a = await createGroup(h, "A", [ada, bob], { externalId: "g-a" });
    await createGroup(h, "B", [ada], { externalId: "g-b" });
    expect(await counts()).toEqual({ r1: 2, r2: 1 });
    await h.applyMapping(mapping("r3"));
    expect(await counts()).toEqual({ r1: 2, r3: 1 });
    await h.applyMapping(mapping("r1"));
    expect(await counts()).toEqual({ r1: 2 });
    expect((await h.scim("patch", `/Groups/${a}`).send(patchBody({ op: "remove", path: `members[value eq "${ada}"]` }))).status).toBe(204);
    expect(await counts()).toEqual({ r1: 2 });
    expect((await h.scim("patch", `/Groups/${a}`).send(patchBody({ op: "remove", path: `members[value eq "${bob}"]` }))).status).toBe(204);
    expect(await counts()).toEqual({ r1: 1 });
    await h.applyMapping(mapping("r2"));
    expect(await counts()).toEqual({ r2: 1 });
  });
});
