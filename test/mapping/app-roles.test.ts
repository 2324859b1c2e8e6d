import { explainMember, mappingFromJSON, parseMapping, planMappingChange, resolveMember } from "../../mapping";
import { errorsOf, expectIssue, group, mappingFrom, member, readFixture } from "./helpers";

const ENTRA = () => mappingFrom(readFixture("entra.example.yaml"));
const MARKETING = group("g-mkt", "Marketing", "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159");

/** Rules may match an IdP app role (a value of the user's SCIM `roles`) as well as a group. */
describe("app-role rules", () => {
  it("read `appRole: { value }` as a rule source, beside group rules, in file order", () => {
    expect(ENTRA().rules.map((rule) => rule.source)).toEqual([
      { kind: "appRole", value: "BillingAdmins" },
      { kind: "group", matcher: { kind: "externalId", value: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" } },
      { kind: "appRole", value: "Admin" },
    ]);
  });

  it("grant custom roles to a member holding the app role, added to what their groups grant", () => {
    const p = resolveMember(member("kj@contoso.com", [MARKETING], true, ["BillingAdmins"]), ENTRA());
    expect(p).toMatchObject({ orgRole: "custom", roles: ["auditor", "billing-admin"] });
    expect(p.admin).toMatchObject({ billing: "manage", analytics: "view", identity_access: "view", privacy: "view" });
  });

  it("grant a standard role from an app role", () => {
    expect(resolveMember(member("it@contoso.com", [], true, ["Admin"]), ENTRA()).orgRole).toBe("admin");
  });

  it("compare the value exactly, as Entra sends it: another case is another app role", () => {
    expect(resolveMember(member("kj@contoso.com", [], true, ["billingadmins", "ADMIN"]), ENTRA())).toMatchObject({ orgRole: "user", roles: [] });
  });

  it("name the app role in the explanation's trail", () => {
    const explanation = explainMember(member("kj@contoso.com", [], true, ["BillingAdmins"]), ENTRA());
    expect(explanation.matches).toEqual([{ ruleIndex: 0, ruleId: ENTRA().rules[0]?.id, kind: "appRole", appRole: "BillingAdmins", roles: ["billing-admin"], orgRole: null }]);
    expect(explanation.orgRoleReason).toMatch(/rule 0 \(app role 'BillingAdmins'\) grants custom roles/);
    expect(explanation.chains.admin.billing.reason).toMatch(/role 'billing-admin' \(manage, via rule 0\)/);
  });

  it("are planned: who gains and loses, and a warning, with the closest value, for an app role no member holds", () => {
    const before = ENTRA();
    const after = mappingFrom(readFixture("entra.example.yaml").replace('value: "BillingAdmins"', 'value: "billingadmins"'));
    const kj = member("kj@contoso.com", [], true, ["BillingAdmins"]);
    const plan = planMappingChange({ members: [kj, member("ceo@contoso.com", [])], groups: [MARKETING], before, after });
    expect(plan.changes.map((c) => [c.member.userName, c.change.summary])).toEqual([["kj@contoso.com", ["org role: custom → user", "billing: manage → none", "analytics: view → none", "capabilities: + web_search", "roles: - billing-admin"]]]);
    const warning = plan.warnings.find((w) => w.code === "rule_matches_no_app_role");
    expect(warning).toMatchObject({ ruleIndex: 0, appRole: "billingadmins" });
    expect(warning?.message).toMatch(/Members hold 'BillingAdmins': app-role values are case-sensitive/);
  });

  it("suggest the value a misspelt app role probably meant", () => {
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { b: {} }\nmappings:\n  - appRole: { value: BilingAdmins }\n    roles: [b]\n");
    const plan = planMappingChange({ members: [member("kj@x", [], true, ["BillingAdmins"])], groups: [], before: null, after });
    expect(plan.warnings.find((w) => w.code === "rule_matches_no_app_role")?.message).toMatch(/Did you mean 'BillingAdmins'\?/);
    expect(plan.warnings.find((w) => w.code === "role_never_reached")?.message).toMatch(/match no group or app role in the directory/);
  });

  it("survive storage as JSON, and a mapping stored before app roles (rules with `group`) still reads", () => {
    const mapping = ENTRA();
    expect(mappingFromJSON(JSON.parse(JSON.stringify(mapping)))).toEqual(mapping);
    const legacy = { ...mapping, rules: [{ index: 0, group: { kind: "externalId", value: "x" }, roles: ["auditor"], orgRole: null }] };
    // It gets the id a file naming the same group would get today.
    const id = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { auditor: {} }\nmappings:\n  - { group: { externalId: x }, roles: [auditor] }\n").rules[0]?.id;
    expect(id).toMatch(/^r_[0-9a-f]{10}$/);
    expect(mappingFromJSON(legacy).rules).toEqual([{ id, index: 0, source: { kind: "group", matcher: { kind: "externalId", value: "x" } }, roles: ["auditor"], orgRole: null }]);
    expect(() => mappingFromJSON({ ...mapping, rules: [{ index: 0, source: { kind: "appRole" }, roles: [], orgRole: null }] })).toThrow(/source.value/);
  });
});

describe("validating app-role rules", () => {
  const base = "version: 1\nprimaryOwner: a@x\nroles: { r: {} }\nmappings:\n";

  it("refuses a rule naming both a group and an app role, at the app role", () => {
    const errors = errorsOf(`${base}  - group: { id: g }\n    appRole: { value: Admin }\n    roles: [r]\n`);
    expectIssue(errors, "invalid_rule_source", 6, 5, /names both `group` and `appRole`/);
  });

  it("suggests `appRole` for a misspelt key, and `value` inside it", () => {
    expectIssue(errorsOf(`${base}  - approle: { value: Admin }\n    roles: [r]\n`), "unknown_key", 5, 5, /Unknown key 'approle'.*Did you mean 'appRole'\?/);
    expectIssue(errorsOf(`${base}  - appRole: { valeu: Admin }\n    roles: [r]\n`), "unknown_key", 5, 16, /Unknown key 'valeu'.*Did you mean 'value'\?/);
  });

  it("refuses an empty value and a bare string, saying what to write", () => {
    expectIssue(errorsOf(`${base}  - appRole: { value: "" }\n    roles: [r]\n`), "invalid_value", 5, 23, /must not be empty/);
    expectIssue(errorsOf(`${base}  - appRole: Admin\n    roles: [r]\n`), "type", 5, 14, /must be a map/);
    expectIssue(errorsOf(`${base}  - appRole: {}\n    roles: [r]\n`), "missing", 5, 14, /missing `value`.*appRole: \{ value: "BillingAdmins" \}/);
  });

  it("accepts the Entra example file, with no warning", () => {
    const parsed = parseMapping(readFixture("entra.example.yaml"), "entra.example.yaml");
    expect(parsed.ok && parsed.warnings).toEqual([]);
  });
});
