import { applyMappingText } from "../../roles";
import { createSync } from "../../server/bootstrap";
import { type Harness, createUser, startHarness } from "../support/harness";
import { MAPPING, NONE, auditOf, permissionsOf } from "./support";

/**
 * A user created with no access has its permissions row written with the mapping this process last
 * saw in force, by a statement that writes it only if that mapping is still in force
 * (roles/sync.ts memberCreated). A mapping stored by another process in between must win.
 */
describe("members created by SCIM", () => {
  let h: Harness;
  afterEach(async () => h.close());

  it("get the mapping another process stored since this one last looked", async () => {
    h = await startHarness();
    await h.applyMapping(MAPPING);
    const first = await createUser(h, "first@example.com");
    expect(await permissionsOf(h, first)).toMatchObject({ orgRole: "user", admin: NONE, roles: [] });

    // As the CLI would, from its own process: a new Primary Owner.
    const other = createSync();
    const applied = await applyMappingText(h.db, other.sync, { orgId: h.orgId, text: MAPPING.replace("primaryOwner: ceo@example.com", "primaryOwner: boss@example.com"), sourceName: "cli.yaml", actor: "cli:test" });
    expect(applied).toMatchObject({ ok: true });

    const boss = await createUser(h, "boss@example.com");
    expect(await permissionsOf(h, boss)).toMatchObject({ orgRole: "primary_owner", roles: [] });
    expect((await auditOf(h, boss)).map((e) => e.after.orgRole)).toEqual(["primary_owner"]);
    const third = await createUser(h, "third@example.com");
    expect(await permissionsOf(h, third)).toMatchObject({ orgRole: "user", admin: NONE, roles: [] });
  });

  it("get no access without a mapping, then what a mapping stored by another process gives", async () => {
    h = await startHarness();
    const first = await createUser(h, "first@example.com");
    expect(await permissionsOf(h, first)).toMatchObject({ orgRole: "user", admin: NONE, roles: [], capabilities: [] });
    const ceoBefore = await createUser(h, "early-ceo@example.com");
    expect(await permissionsOf(h, ceoBefore)).toMatchObject({ orgRole: "user", admin: NONE });

    const other = createSync();
    expect(await applyMappingText(h.db, other.sync, { orgId: h.orgId, text: MAPPING, sourceName: "cli.yaml", actor: "cli:test" })).toMatchObject({ ok: true });
    const ceo = await createUser(h, "ceo@example.com");
    expect(await permissionsOf(h, ceo)).toMatchObject({ orgRole: "primary_owner" });
    expect((await auditOf(h, ceo)).map((e) => e.after.orgRole)).toEqual(["primary_owner"]);
  });
});
