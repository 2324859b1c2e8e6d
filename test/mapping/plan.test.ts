import { planMappingChange } from "../../mapping";
import type { PlanWarning } from "../../mapping";
import { FINANCE, IT_ADMINS, SECURITY, example, group, mappingFrom, member } from "./helpers";

const codes = (warnings: readonly PlanWarning[]): string[] => warnings.map((warning) => warning.code);

describe("planMappingChange", () => {
  const ceo = member("ceo@example.com", []);
  const fin = member("fin@x", [FINANCE]);
  const it = member("it@x", [IT_ADMINS]);
  const groups = [FINANCE, SECURITY, IT_ADMINS];

  test("lists only the members whose permissions change, with before, after and the diff", () => {
    const after = mappingFrom(`version: 1
primaryOwner: ceo@example.com
org:
  features: { web_search: on, claude_code: on, file_uploads: off }
  connectors: { google_drive: on, jira: on, slack: off }
roles:
  finance: { admin: { billing: view } }
mappings:
  - { group: { externalId: "00g1finance" }, roles: [finance] }
  - { group: { externalId: "00g3it" }, orgRole: admin }
`);
    const plan = planMappingChange({ members: [it, fin, ceo], groups, before: example(), after });
    expect(plan.changes.map((change) => change.member.userName)).toEqual(["fin@x", "it@x"]);
    expect(plan.changes[0]?.change.summary).toContain("billing: manage → view");
    expect(plan.changes[1]?.change.summary).toContain("libraries: none → manage");
    expect(plan.unchangedCount).toBe(1);
  });

  test("starts from the empty mapping when there is none yet", () => {
    const plan = planMappingChange({ members: [fin], groups, before: null, after: example() });
    expect(plan.changes[0]?.before.orgRole).toBe("user");
    expect(plan.changes[0]?.after.roles).toEqual(["finance"]);
  });

  test("warns about rules that match no group in the directory", () => {
    const plan = planMappingChange({ members: [fin], groups: [FINANCE], before: null, after: example() });
    const ruleWarnings = plan.warnings.filter((warning) => warning.code === "rule_matches_no_group");
    expect(ruleWarnings.map((warning) => warning.code === "rule_matches_no_group" && warning.ruleIndex)).toEqual([1, 2]);
  });

  test("warns about every displayName rule and suggests the group's externalId or id, not knowing which IdP created it", () => {
    const plan = planMappingChange({ members: [], groups, before: null, after: example() });
    const warning = plan.warnings.find((w) => w.code === "display_name_rule" && w.ruleIndex === 1);
    expect(warning?.message).toMatch(/renamed in the IdP.*Use `group: \{ externalId: "00g2security" \}` .* or `group: \{ id: "g-sec" \}`/);
  });

  test("warns about a role whose rules match no group, and a role no rule grants", () => {
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { a: {}, b: {} }\nmappings:\n  - { group: { id: missing }, roles: [a] }\n");
    const messages = planMappingChange({ members: [], groups, before: null, after }).warnings.filter((w) => w.code === "role_never_reached").map((w) => w.message);
    expect(messages).toEqual([
      "Role 'a' would apply to no member: the rules granting it (0) match no group or app role in the directory.",
      "Role 'b' would apply to no member: no rule grants it.",
    ]);
  });

  test("warns about roles no member would end up with, saying why", () => {
    const plan = planMappingChange({ members: [ceo, member("it@x", [IT_ADMINS, SECURITY])], groups, before: null, after: example() });
    const reached = plan.warnings.filter((w) => w.code === "role_never_reached");
    expect(reached.map((w) => w.message)).toEqual([
      "Role 'finance' would apply to no member: no active member is matched by the rules granting it (0).",
      "Role 'security-auditor' would apply to no member: every active member it is mapped to has a standard role (admin), and custom roles apply only to custom members.",
    ]);
  });

  test("warns about each member who would lose identity_access manage, and when no one but the Primary Owner could edit roles", () => {
    const before = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { iam: { admin: { identity_access: manage } } }\nmappings:\n  - { group: { id: g }, roles: [iam] }\n");
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { iam: { admin: { identity_access: view } } }\nmappings:\n  - { group: { id: g }, roles: [iam] }\n");
    const members = [member("ceo@x", []), member("sec@x", [group("g", "G")])];
    const plan = planMappingChange({ members, groups: [group("g", "G")], before, after });
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "loses_identity_access_manage", userName: "sec@x" }));
    expect(codes(plan.warnings)).toContain("no_role_editor");
    expect(codes(planMappingChange({ members, groups: [group("g", "G")], before: after, after: before }).warnings)).not.toContain("no_role_editor");
  });

  test("counts an owner as someone who can edit roles", () => {
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nmappings:\n  - { group: { id: g }, orgRole: owner }\n");
    const plan = planMappingChange({ members: [member("o@x", [group("g", "G")]), member("ceo@x", [])], groups: [group("g", "G")], before: null, after });
    expect(codes(plan.warnings)).not.toContain("no_role_editor");
  });

  test("warns when the primaryOwner named in the file is not an active member", () => {
    const plan = planMappingChange({ members: [fin], groups, before: null, after: example() });
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "primary_owner_not_in_directory", userName: "ceo@example.com" }));
  });

  test("ignores inactive members: they have no access before or after", () => {
    const plan = planMappingChange({ members: [member("fin@x", [FINANCE], false)], groups, before: null, after: example() });
    expect(plan.changes).toEqual([]);
  });
});
