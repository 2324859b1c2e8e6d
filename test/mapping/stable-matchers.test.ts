import { parseMapping, planMappingChange } from "../../mapping";
import type { GroupRef } from "../../mapping";
import { expectIssue, mappingFrom } from "./helpers";

/**
 * The advice to match groups by something that survives a rename depends on the IdP that created
 * the group: Okta's Push Groups send no externalId (fixtures/okta/push-group.json), so only the id
 * this server gave the group is stable; Entra sends its group object id as externalId
 * (fixtures/entra/create-group.json).
 */
describe("advice on stable group matchers", () => {
  const okta: GroupRef = { id: "3f0c-okta-sales", displayName: "Sales", externalId: null, provisionedBy: "okta" };
  const entra: GroupRef = { id: "9a1d-entra-mkt", displayName: "Marketing", externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159", provisionedBy: "entra" };
  const unknownWithExternalId: GroupRef = { id: "77b2-unknown", displayName: "Legal", externalId: "legal-001", provisionedBy: null };
  const byDisplayName = mappingFrom(
    "version: 1\nprimaryOwner: ceo@x\nroles: { r: {} }\nmappings:\n  - group: { displayName: Sales }\n    roles: [r]\n  - group: { displayName: Marketing }\n    roles: [r]\n  - group: { displayName: Legal }\n    roles: [r]\n",
  );
  const warnings = planMappingChange({ members: [], groups: [okta, entra, unknownWithExternalId], before: null, after: byDisplayName }).warnings;
  const advice = (ruleIndex: number): string => warnings.find((w) => w.code === "display_name_rule" && w.ruleIndex === ruleIndex)?.message ?? "";

  it("advises the group's id for a group Okta pushed, saying Okta sends no externalId", () => {
    expect(advice(0)).toMatch(/Okta.*no externalId.*use `group: \{ id: "3f0c-okta-sales" \}` instead/);
    expect(advice(0)).not.toMatch(/externalId: "/);
  });

  it("advises the externalId, Entra's object id, for a group Entra created", () => {
    expect(advice(1)).toMatch(/Entra.*use `group: \{ externalId: "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159" \}` instead/);
  });

  it("gives both when it is not known which IdP created the group", () => {
    expect(advice(2)).toMatch(/`group: \{ externalId: "legal-001" \}`.*or `group: \{ id: "77b2-unknown" \}`/);
  });

  it("explains why an externalId rule matches none of Okta's pushed groups, and names the group it probably meant", () => {
    const byExternalId = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { r: {} }\nmappings:\n  - group: { externalId: Sales }\n    roles: [r]\n");
    const plan = planMappingChange({ members: [], groups: [okta], before: null, after: byExternalId });
    const warning = plan.warnings.find((w) => w.code === "rule_matches_no_group");
    expect(warning?.message).toMatch(/matches no group.*Okta's Push Groups send no externalId.*`group: \{ id: "3f0c-okta-sales" \}`/);
  });

  it("gives both in the validator's warning, which does not know the directory", () => {
    const parsed = parseMapping("version: 1\nprimaryOwner: a@x\nroles: { r: {} }\nmappings:\n  - group: { displayName: Sales }\n    roles: [r]\n", "f.yaml");
    if (!parsed.ok) throw new Error("must be valid");
    expectIssue(parsed.warnings, "display_name_matcher", 5, 14, /for a group pushed by Okta.*`id`.*for a group from Entra.*`externalId`/);
  });
});
