import { PLAN_LIMITS, mappingChanges, newValidationWarnings, parseMapping, planMappingChange, warningsTouchedBy } from "../../mapping";
import type { Mapping, MappingIssue, MemberInput, PlanWarning } from "../../mapping";
import { group, mappingFrom, member } from "./helpers";

const ADMINS = group("g-admins", "Admins", "g-admins");
const FINANCE = group("g-finance", "Finance", "g-finance");
const GONE = "g-no-such-group";

const BEFORE = `version: 1
primaryOwner: po@example.com
org:
  features: { web_search: on, memory: on }
  connectors: { slack: on }
standardRoles:
  admin: { admin: { user_management: manage, analytics: view } }
roles:
  finance: { admin: { billing: manage }, capabilities: [web_search] }
  orphan: { admin: { privacy: view } }
mappings:
  - { id: owners, group: { externalId: g-owners }, orgRole: owner }
  - { id: admins, group: { externalId: g-admins }, orgRole: admin }
  - { id: finance, group: { externalId: g-finance }, roles: [finance] }
  - { id: ghost, group: { externalId: ${GONE} }, roles: [orphan] }
`;

const po = member("po@example.com", []);
const owner = member("owner@example.com", [group("g-owners", "Owners", "g-owners")]);
const ada = member("ada@example.com", [ADMINS, FINANCE]);
const fin = member("fin@example.com", [FINANCE]);
const MEMBERS: MemberInput[] = [po, owner, ada, fin];
const GROUPS = [ADMINS, FINANCE, group("g-owners", "Owners", "g-owners")];

/** The warnings an admin edit's plan shows: the plan of `after`, filtered by what changed from `before`. */
function shown(beforeText: string, afterText: string): PlanWarning[] {
  const before = mappingFrom(beforeText);
  const after = mappingFrom(afterText);
  const plan = planMappingChange({ members: MEMBERS, groups: GROUPS, before, after });
  return warningsTouchedBy(plan.warnings, mappingChanges(before, after), plan.effects);
}

const codes = (warnings: readonly PlanWarning[]): string[] => warnings.map((w) => w.code);

describe("the warnings a plan shows for one edit", () => {
  it("leaves out a warning about another role and another rule when an unrelated role changes", () => {
    const all = planMappingChange({ members: MEMBERS, groups: GROUPS, before: mappingFrom(BEFORE), after: mappingFrom(BEFORE.replace("billing: manage", "billing: view")) });
    // The whole directory's plan knows of the rule that matches nothing and the role it would give.
    expect(codes(all.warnings)).toEqual(expect.arrayContaining(["rule_matches_no_group", "role_never_reached"]));
    expect(shown(BEFORE, BEFORE.replace("billing: manage", "billing: view"))).toEqual([]);
  });

  it("shows the warning about the role being edited, and about the rule being added, once each", () => {
    const edited = BEFORE.replace("orphan: { admin: { privacy: view } }", "orphan: { admin: { privacy: manage } }");
    // With why, as a code a console can word: its only rule matches no group in the directory.
    expect(shown(BEFORE, edited).map((w) => [w.code, w.code === "role_never_reached" ? [w.role, w.reason] : ""])).toEqual([["role_never_reached", ["orphan", "rules_match_nothing"]]]);

    const added = `${BEFORE}  - { id: nobody, group: { externalId: g-nobody }, roles: [finance] }\n`;
    const warnings = shown(BEFORE, added);
    expect(warnings.map((w) => [w.code, "ruleId" in w ? w.ruleId : ""])).toEqual([["rule_matches_no_group", "nobody"]]);
  });

  it("says once that no one but the Primary Owner could edit roles, only when the edit takes that right from someone", () => {
    const withoutOwners = BEFORE.replace("  - { id: owners, group: { externalId: g-owners }, orgRole: owner }\n", "");
    expect(codes(shown(BEFORE, withoutOwners))).toEqual(["loses_identity_access_manage", "no_role_editor"]);
    // The same state, reached by an edit that takes nothing from an editor, is not repeated.
    expect(codes(shown(withoutOwners, withoutOwners.replace("billing: manage", "billing: view")))).toEqual([]);
  });

  it("says what members moving from a standard role to custom roles lose, and that custom roles replace it", () => {
    // ada is an admin (user_management manage, analytics view, every capability and connector on);
    // taken out of the admins' rule she keeps only the finance role.
    const after = BEFORE.replace("  - { id: admins, group: { externalId: g-admins }, orgRole: admin }\n", "");
    const warning = shown(BEFORE, after).find((w) => w.code === "standard_to_custom");
    expect(warning).toEqual({
      code: "standard_to_custom",
      members: 1,
      from: ["admin"],
      admin: [{ area: "analytics", before: "view" }, { area: "user_management", before: "manage" }],
      capabilities: ["memory"],
      connectors: ["slack"],
      message: expect.stringMatching(/^1 member moves from a standard role \(admin\) to custom roles, which replace the standard role: .*memory.*Grant these in a custom role to keep them\.$/) as unknown,
    });
  });

  it("says nothing of a move to custom roles that takes nothing away", () => {
    const bare = (text: string) => text.replace("features: { web_search: on, memory: on }", "features: {}").replace("connectors: { slack: on }", "connectors: {}").replace(", capabilities: [web_search]", "");
    const quiet = bare(BEFORE).replace("admin: { admin: { user_management: manage, analytics: view } }", "admin: { admin: {} }");
    const after = quiet.replace("  - { id: admins, group: { externalId: g-admins }, orgRole: admin }\n", "");
    expect(codes(shown(quiet, after))).not.toContain("standard_to_custom");
  });
});

describe("a plan told which parts an edit changes", () => {
  it("keeps the warning about the rule the edit adds, though more warnings of its kind than the cap are in force", () => {
    const many = Array.from({ length: PLAN_LIMITS.warningsPerCode + 5 }, (_, i) => `  - { id: missing-${i}, group: { externalId: g-missing-${i} }, roles: [finance] }\n`).join("");
    const before = mappingFrom(BEFORE + many);
    const after = mappingFrom(`${BEFORE}${many}  - { id: zz-added, group: { externalId: g-zz }, roles: [finance] }\n`);
    const whole = planMappingChange({ members: MEMBERS, groups: GROUPS, before, after });
    // Untouched, the added rule's warning is past the cap, counted among those left out.
    expect(whole.warnings.some((w) => w.code === "rule_matches_no_group" && w.ruleId === "zz-added")).toBe(false);
    const touched = planMappingChange({ members: MEMBERS, groups: GROUPS, before, after, touchedBy: mappingChanges(before, after) });
    expect(touched.warnings.map((w) => [w.code, "ruleId" in w ? w.ruleId : ""])).toEqual([["rule_matches_no_group", "zz-added"]]);
  });
});

describe("the validation warnings a plan shows for one edit", () => {
  const warningsOf = (text: string): MappingIssue[] => {
    const parsed = parseMapping(text, "admin API");
    if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
    return parsed.warnings;
  };
  const switchedOff = BEFORE.replace("connectors: { slack: on }", "connectors: { slack: on, jira: off }");

  it("shows only those the edit brings, not those the mapping in force already had", () => {
    const before = switchedOff.replace("capabilities: [web_search] }", "capabilities: [web_search], connectors: [jira] }");
    const after = before.replace("orphan: { admin: { privacy: view } }", "orphan: { admin: { privacy: view }, connectors: [jira] }");
    const fresh = newValidationWarnings(warningsOf(after), warningsOf(before));
    expect(fresh.map((w) => [w.code, w.message.includes("'orphan'")])).toEqual([["switched_off_by_org", true]]);
  });

  it("leaves unused roles and displayName rules to the plan, which warns of the same with the directory in view", () => {
    const after: string = `${BEFORE.replace("orphan: { admin: { privacy: view } }", "orphan: { admin: { privacy: view } }\n  unused: { admin: { billing: view } }")}  - { id: by-name, group: { displayName: Finance }, roles: [finance] }\n`;
    expect(warningsOf(after).map((w) => w.code)).toEqual(expect.arrayContaining(["unused_role", "display_name_matcher"]));
    expect(newValidationWarnings(warningsOf(after), warningsOf(BEFORE))).toEqual([]);
    const mapping: Mapping = mappingFrom(after);
    const plan = planMappingChange({ members: MEMBERS, groups: GROUPS, before: mappingFrom(BEFORE), after: mapping });
    expect(codes(warningsTouchedBy(plan.warnings, mappingChanges(mappingFrom(BEFORE), mapping), plan.effects))).toEqual(["display_name_rule", "role_never_reached"]);
  });
});
