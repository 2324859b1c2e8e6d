import { allMembers, loadMembers } from "../../db/member-snapshots";
import { permissionsFromJSON } from "../../mapping";
import { createGroup, createUser, harnessPerTest } from "../support/harness";
import { MAPPING } from "../roles/support";

/** The paged read that mapping plans and changes are computed from. */
describe("reading every member of an organisation page by page", () => {
  const h = harnessPerTest();

  it("gives each member its groups, including a group created between two pages", async () => {
    const first = await createUser(h, "first@example.com");
    const second = await createUser(h, "second@example.com");
    const early = await createGroup(h, "Early", [first]);
    const pages = allMembers(h.db.knex, h.orgId, { pageSize: 1 });

    const one = await pages.next();
    // A plan reads outside a transaction: the directory may change while it pages.
    const late = await createGroup(h, "Late", [second]);
    const two = await pages.next();
    const end = await pages.next();

    expect(one.done === false && one.value.members).toEqual([{ id: first, userName: "first@example.com", active: true, groups: [{ id: early, externalId: null, displayName: "Early", source: "scim" }], appRoles: [] }]);
    expect(two.done === false && two.value.members).toEqual([{ id: second, userName: "second@example.com", active: true, groups: [{ id: late, externalId: null, displayName: "Late", source: "scim" }], appRoles: [] }]);
    expect(end.done).toBe(true);
  });

  it("returns stored permissions with the page only when asked, and none for a member never computed", async () => {
    await h.applyMapping(MAPPING);
    const member = await createUser(h, "member@example.com");
    await createGroup(h, "Finance", [member], { externalId: "00g1finance" });
    await h.db.knex("member_permissions").where({ user_id: member }).delete();
    const stranger = await createUser(h, "stranger@example.com");

    const plain: Map<string, unknown>[] = [];
    for await (const page of allMembers(h.db.knex, h.orgId)) plain.push(page.stored);
    const withPermissions: Map<string, unknown>[] = [];
    for await (const page of allMembers(h.db.knex, h.orgId, { withPermissions: true })) withPermissions.push(page.stored);

    expect(plain.every((m) => m.size === 0)).toBe(true);
    const stored = withPermissions[0];
    expect(stored?.has(member)).toBe(false);
    expect(permissionsFromJSON(stored?.get(stranger)).admin.billing).toBe("none");
  });

  it("gives each member the values of its stored roles, reading Entra's JSON-text values as the value they carry", async () => {
    // Entra's PATCH without aadOptscim062020 (fixtures/entra/assign-app-role.json).
    const encoded = JSON.stringify({ id: "06b07648-ecfe-589f-9d2f-6325724a46ee", value: "BillingAdmins", displayName: "Billing Admins" });
    const roles = [{ value: "Admin", type: "WindowsAzureActiveDirectoryRole" }, { value: encoded }, { value: "{not json" }, { display: "no value" }, { value: "Admin" }];
    const kj = await createUser(h, "kj@example.com", { roles });
    const none = await createUser(h, "none@example.com");

    const pages: Array<{ id: string; appRoles: readonly string[] }> = [];
    for await (const page of allMembers(h.db.knex, h.orgId)) pages.push(...page.members);
    const loaded = await loadMembers(h.db.knex, h.orgId, [kj, none]);

    for (const members of [pages, loaded]) {
      expect(members.find((m) => m.id === kj)?.appRoles).toEqual(["Admin", "BillingAdmins", "{not json"]);
      expect(members.find((m) => m.id === none)?.appRoles).toEqual([]);
    }
  });
});
