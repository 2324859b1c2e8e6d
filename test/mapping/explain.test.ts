import { explainMember, resolveMember } from "../../mapping";
import { FINANCE, IT_ADMINS, SECURITY, example, group, mappingFrom, member } from "./helpers";

describe("explainMember", () => {
  it("carries exactly the permissions resolveMember computes, plus the member", () => {
    const m = member("fin@x", [FINANCE, SECURITY]);
    const { orgRole, admin, capabilities, connectors, roles, member: who } = explainMember(m, example());
    expect({ orgRole, admin, capabilities, connectors, roles }).toEqual(resolveMember(m, example()));
    expect(who).toEqual({ id: "id-fin@x", userName: "fin@x", active: true });
  });

  it("lists each matched rule by index, with the group and how it matched", () => {
    const explanation = explainMember(member("fin@x", [SECURITY, FINANCE]), example());
    expect(explanation.matches).toEqual([
      { ruleIndex: 0, ruleId: example().rules[0]?.id, kind: "group", group: { id: "g-fin", externalId: "00g1finance", displayName: "Finance", source: "scim" }, matchedBy: "externalId", matcherValue: "00g1finance", roles: ["finance"], orgRole: null },
      { ruleIndex: 1, ruleId: example().rules[1]?.id, kind: "group", group: { id: "g-sec", externalId: "00g2security", displayName: "Security Team", source: "scim" }, matchedBy: "displayName", matcherValue: "Security Team", roles: ["security-auditor"], orgRole: null },
    ]);
    expect(explanation.orgRoleReason).toMatch(/custom/);
  });

  it("traces an area level to the role and rule that granted it", () => {
    const chain = explainMember(member("fin@x", [FINANCE, SECURITY]), example()).chains.admin;
    expect(chain.billing.level).toBe("manage");
    expect(chain.billing.source).toEqual({ kind: "custom_roles", grants: [{ role: "finance", rules: [0], level: "manage" }] });
    expect(chain.identity_access.reason).toMatch(/role 'security-auditor' \(view, via rule 1\)/);
    expect(chain.privacy.reason).toMatch(/None of the member's roles/);
  });

  it("says why custom roles do not apply to a standard-role member and which roles they were", () => {
    const explanation = explainMember(member("it@x", [IT_ADMINS, FINANCE]), example());
    expect(explanation.roles).toEqual([]);
    expect(explanation.customRolesNotApplied?.roles).toEqual(["finance"]);
    expect(explanation.customRolesNotApplied?.reason).toMatch(/custom roles apply only to custom members; this member is admin/);
    expect(explanation.orgRoleReason).toMatch(/Rule 2 \(group 'IT Admins', matched by displayName 'IT Admins'\) maps the member to admin/);
    expect(explanation.chains.admin.user_management.source).toEqual({ kind: "standard_role", orgRole: "admin" });
  });

  it("records what the org toggle switched off and that it changed the outcome", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\norg: { features: { uploads: off } }\nroles: { r: { capabilities: [uploads] } }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
    const uploads = explainMember(member("a@x", [group("g", "G")]), mapping).chains.capabilities.find((c) => c.name === "uploads");
    expect(uploads).toMatchObject({
      granted: false,
      base: { granted: true, via: "custom_roles", roles: [{ role: "r", rules: [0] }] },
      layers: [{ layer: "org", setting: "off", changed: true }],
    });
    expect(uploads?.reason).toMatch(/switched off for everyone by `org.features`, although the member would otherwise have it/);
  });

  it("records that the org cannot switch off what the platform keeps on, for a standard-role member", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\norg: { connectors: { slack: off } }\n");
    const slack = explainMember(member("a@x", []), mapping, { features: {}, connectors: { slack: true } }).chains.connectors.find((c) => c.name === "slack");
    expect(slack).toMatchObject({
      granted: true,
      layers: [{ layer: "org", setting: "off", changed: false, overridden: true }, { layer: "platform", setting: "on", changed: true, overridden: false }],
    });
    expect(slack?.reason).toMatch(/kept on by the platform .* standard role.* the organisation cannot while the platform keeps it on/);
  });

  it("explains that a custom member gets what the platform keeps on only through their roles", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\norg: { connectors: { slack: off } }\nroles: { r: { connectors: [jira] } }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
    const platform = { features: {}, connectors: { slack: true, jira: true } };
    const chains = explainMember(member("a@x", [group("g", "G")]), mapping, platform).chains.connectors;
    expect(chains.find((c) => c.name === "slack")).toMatchObject({ granted: false, layers: [{ layer: "org", overridden: true }, { layer: "platform", setting: "on", changed: false }] });
    expect(chains.find((c) => c.name === "slack")?.reason).toMatch(/custom members get it only through their roles/);
    expect(chains.find((c) => c.name === "jira")).toMatchObject({ granted: true });
    expect(chains.find((c) => c.name === "jira")?.reason).toMatch(/granted by role 'r'.*the organisation cannot switch it off/);
  });

  it("records a platform off as removing what the roles granted", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { r: { connectors: [jira] } }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
    const jira = explainMember(member("a@x", [group("g", "G")]), mapping, { features: {}, connectors: { jira: false } }).chains.connectors.find((c) => c.name === "jira");
    expect(jira).toMatchObject({ granted: false, layers: [{ layer: "platform", setting: "off", changed: true }] });
    expect(jira?.reason).toMatch(/forced off by the platform/);
  });

  it("explains a standard member's capability as the org having it on", () => {
    const web = explainMember(member("a@x", []), example()).chains.capabilities.find((c) => c.name === "web_search");
    expect(web).toMatchObject({ granted: true, base: { via: "org_enabled" } });
    expect(web?.reason).toMatch(/user is a standard role/);
  });

  it("gives an inactive member no access and says why, naming what reactivation restores", () => {
    const explanation = explainMember(member("fin@x", [FINANCE], false), example());
    expect(explanation).toMatchObject({ orgRole: "user", roles: [], capabilities: [], connectors: [] });
    expect(explanation.inactiveReason).toMatch(/deactivated.*no access.*would be custom/);
    expect(explanation.chains.admin.billing).toMatchObject({ level: "none", source: { kind: "inactive" } });
    expect(explanation.chains.capabilities.every((chain) => !chain.granted)).toBe(true);
  });

  it("names the Primary Owner rule, which never comes from groups", () => {
    expect(explainMember(member("ceo@example.com", []), example()).orgRoleReason).toMatch(/Primary Owner named by `primaryOwner`/);
  });

  it("says when no rule matches", () => {
    expect(explainMember(member("a@x", [group("x", "Nobody")]), example()).orgRoleReason).toMatch(/No mapping rule matches/);
  });
});
