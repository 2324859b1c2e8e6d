import { AREAS, mappingChanges, planMappingChange, refuseMappingChange } from "../../mapping";
import type { AreaLevels, EffectivePermissions, Mapping, OrgRole } from "../../mapping";
import { FINANCE, IT_ADMINS, example, group, mappingFrom, member } from "./helpers";

const none = Object.fromEntries(AREAS.map((area) => [area, "none"])) as AreaLevels;
const as = (orgRole: OrgRole, admin: Partial<AreaLevels> = {}): EffectivePermissions => ({ orgRole, admin: { ...none, ...admin }, capabilities: [], connectors: [], roles: [] });
const roleEditor = as("custom", { identity_access: "manage" });
const owner = as("owner", Object.fromEntries(AREAS.map((a) => [a, "manage"])));

function edit(change: (m: Mapping) => Mapping): { before: Mapping; after: Mapping } {
  const before = example();
  return { before, after: change(example()) };
}

describe("mappingChanges", () => {
  it("finds nothing between a mapping and itself, nor when only the rules' order changes", () => {
    const { before, after } = edit((m) => ({ ...m, rules: [...m.rules].reverse().map((rule, index) => ({ ...rule, index })) }));
    expect(mappingChanges(before, before)).toEqual([]);
    expect(mappingChanges(before, after)).toEqual([]);
  });

  it("names each changed part with the action it needs", () => {
    const { before, after } = edit((m) => ({
      ...m,
      primaryOwner: "cfo@example.com",
      org: { ...m.org, features: { ...m.org.features, web_search: false } },
      standardRoles: { ...m.standardRoles, user: { ...m.standardRoles.user, libraries: "view" } },
      roles: m.roles.map((role) => (role.name === "finance" ? { ...role, admin: { ...role.admin, billing: "view" } } : role)),
      rules: m.rules.filter((rule) => rule.orgRole !== "admin"),
    }));
    expect(mappingChanges(before, after).map((c) => [c.change.part, c.action, c.description])).toEqual([
      ["primary_owner", "transfer_primary_owner", "primaryOwner (ceo@example.com → cfo@example.com)"],
      ["org_toggle", "toggle_org", "the toggle org.features.web_search (on → off)"],
      ["standard_role", "edit_standard_roles", "standardRoles.user.libraries (none → view)"],
      ["role", "edit_custom_roles", "custom role 'finance' (changed)"],
      ["rule", "edit_standard_roles", `rule ${before.rules[2]?.id} (group displayName 'IT Admins', orgRole admin) (removed)`],
    ]);
  });

  it("treats a rule giving admin as an owner's only when who gets admin changes", () => {
    const rolesOnly = edit((m) => ({ ...m, rules: m.rules.map((rule) => (rule.orgRole === "admin" ? { ...rule, roles: ["finance"] } : rule)) }));
    expect(mappingChanges(rolesOnly.before, rolesOnly.after).map((c) => c.action)).toEqual(["edit_custom_roles"]);
    const retargeted = edit((m) => ({ ...m, rules: m.rules.map((rule) => (rule.orgRole === "admin" ? { ...rule, source: { kind: "group", matcher: { kind: "id", value: "g-x" } } } : rule)) }));
    expect(mappingChanges(retargeted.before, retargeted.after).map((c) => c.action)).toEqual(["edit_standard_roles"]);
    const promoted = edit((m) => ({ ...m, rules: m.rules.map((rule, i) => (i === 0 ? { ...rule, orgRole: "owner" } : rule)) }));
    expect(mappingChanges(promoted.before, promoted.after).map((c) => c.action)).toEqual(["edit_standard_roles"]);
  });

  it("judges an app-role rule by what it grants, as a group rule: custom roles are a role editor's, admin an owner's", () => {
    const appRole = (value: string) => ({ kind: "appRole" as const, value });
    const custom = edit((m) => ({ ...m, rules: [...m.rules, { id: "billing-app-role", index: m.rules.length, source: appRole("BillingAdmins"), roles: ["finance"], orgRole: null }] }));
    expect(mappingChanges(custom.before, custom.after).map((c) => [c.action, c.description])).toEqual([["edit_custom_roles", "rule billing-app-role (app role 'BillingAdmins') (added)"]]);
    const admin = edit((m) => ({ ...m, rules: [...m.rules, { id: "admins-app-role", index: m.rules.length, source: appRole("Admin"), roles: [], orgRole: "admin" }] }));
    expect(mappingChanges(admin.before, admin.after).map((c) => [c.action, c.description])).toEqual([["edit_standard_roles", "rule admins-app-role (app role 'Admin', orgRole admin) (added)"]]);
    const retargeted = edit((m) => ({ ...m, rules: m.rules.map((rule) => (rule.orgRole === "admin" ? { ...rule, source: appRole("Admin") } : rule)) }));
    expect(mappingChanges(retargeted.before, retargeted.after).map((c) => c.action)).toEqual(["edit_standard_roles"]);
  });
});

describe("refuseMappingChange", () => {
  it("lets a role editor change custom roles and the rules giving them", () => {
    const { before, after } = edit((m) => ({ ...m, roles: m.roles.filter((role) => role.name !== "security-auditor"), rules: m.rules.filter((rule) => !rule.roles.includes("security-auditor")) }));
    expect(refuseMappingChange(roleEditor, mappingChanges(before, after))).toBeNull();
  });

  it("refuses a role editor who changes a role and a toggle, naming the toggle and not the role", () => {
    const { before, after } = edit((m) => ({
      ...m,
      org: { ...m.org, connectors: { ...m.org.connectors, slack: true } },
      roles: m.roles.map((role) => (role.name === "finance" ? { ...role, description: "Spend" } : role)),
    }));
    const refusal = refuseMappingChange(roleEditor, mappingChanges(before, after));
    expect(refusal?.rule).toBe("owner_required");
    expect(refusal?.message).toMatch(/org\.connectors\.slack/);
    expect(refusal?.message).not.toMatch(/finance/);
  });

  it("refuses an owner the transfer of primary ownership", () => {
    const { before, after } = edit((m) => ({ ...m, primaryOwner: "someone@x" }));
    expect(refuseMappingChange(owner, mappingChanges(before, after))?.rule).toBe("primary_owner_required");
    expect(refuseMappingChange(as("primary_owner", owner.admin), mappingChanges(before, after))).toBeNull();
  });
});

describe("the plan's lock-out", () => {
  const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles:
  iam: { admin: { identity_access: manage } }
mappings:
  - { group: { id: g-iam }, roles: [iam] }
  - { group: { externalId: "00g3it" }, orgRole: admin }
`);
  const iam = group("g-iam", "IAM");
  const ada = member("ada@x", [iam]);
  const bob = member("bob@x", [IT_ADMINS]);

  it("names who would lose the right to edit roles when no one would keep it", () => {
    const after: Mapping = { ...mapping, roles: [{ ...mapping.roles[0]!, admin: none }] };
    const plan = planMappingChange({ members: [ada, bob], groups: [iam, IT_ADMINS, FINANCE], before: mapping, after });
    expect(plan.lockout?.losing).toEqual([{ id: ada.id, userName: "ada@x" }]);
    expect(plan.lockout?.message).toMatch(/ada@x would lose the right/);
  });

  it("is not a lock-out while an active Primary Owner remains", () => {
    const after: Mapping = { ...mapping, roles: [{ ...mapping.roles[0]!, admin: none }] };
    const plan = planMappingChange({ members: [ada, member("ceo@x", [])], groups: [iam], before: mapping, after });
    expect(plan.lockout).toBeNull();
  });

  it("is not a lock-out when no one could edit roles before either", () => {
    const plan = planMappingChange({ members: [bob], groups: [IT_ADMINS], before: null, after: mapping });
    expect(plan.lockout).toBeNull();
  });
});
