import { capabilityLabel, connectorLabel, humanise, listInWords, ordinal, plural, roleLabel } from "../../console/src/labels";
import { inWords, partInWords, pathInWords, refusalInWords, roleChangeLines } from "../../console/src/wording";
import type { ChangePart, PlanAnswer, RoleDocument } from "../../console/src/api/types";

const NAMES = new Map([["finance", "Finance approvers"]]);

describe("the console's words for the model's names", () => {
  it("labels built-in capabilities and connectors, and humanises names the product does not know", () => {
    expect(capabilityLabel("web_search")).toBe("Web search");
    expect(connectorLabel("microsoft_365")).toBe("Microsoft 365");
    expect(connectorLabel("sales_ops-crm")).toBe("Sales ops crm");
    expect(capabilityLabel("deepResearch.v2")).toBe("Deep research v2");
    expect(humanise("_")).toBe("_");
  });

  it("names a role by its display name when it has one, else by its key", () => {
    expect(roleLabel("finance", NAMES)).toBe("Finance approvers");
    expect(roleLabel("people", NAMES)).toBe("people");
  });

  it("counts in correct plurals and ordinals", () => {
    expect([0, 1, 2].map((n) => plural(n, "member"))).toEqual(["0 members", "1 member", "2 members"]);
    expect(plural(1, "member moves", "members move")).toBe("1 member moves");
    expect([0, 1, 2, 10, 11, 12, 20, 21, 22].map(ordinal)).toEqual(["first", "second", "third", "11th", "12th", "13th", "21st", "22nd", "23rd"]);
    expect(listInWords(["a", "b", "c"])).toBe("a, b and c");
  });
});

describe("the explanation's sentences, in words", () => {
  it("names the group or app role a rule matched, never the rule's place in the file", () => {
    expect(inWords("Rule 3 (group 'Owners', matched by externalId 'g-owners') maps the member to owner, the highest standard role among their groups and app roles.", NAMES)).toBe(
      "Their group “Owners” maps the member to owner, the highest standard role among their groups and app roles.",
    );
    expect(inWords("No rule maps the member to owner or admin, and rule 0 (manual group 'Vault', matched by manual 'Vault') and rule 2 (app role 'Finance.Approver') grant custom roles, so the member is custom.", NAMES)).toBe(
      "No rule maps the member to owner or admin, and their manual group “Vault” and their app role “Finance.Approver” grant custom roles, so the member is custom.",
    );
  });
});

describe("places in the mapping, in words", () => {
  it("translates a JSON path into words, naming the role as people know it", () => {
    expect(pathInWords("roles.finance.connectors[1]", NAMES)).toBe("the Finance approvers role's second connector");
    expect(pathInWords("roles.people.admin.billing", NAMES)).toBe("the people role's Billing level");
    expect(pathInWords("roles.finance.displayName", NAMES)).toBe("the Finance approvers role's display name");
    expect(pathInWords("mappings[3].roles[0]", NAMES)).toBe("the fourth rule's first role");
    expect(pathInWords("org.connectors", NAMES)).toBe("the organisation's setting for connectors");
    expect(pathInWords("org.features.web_search", NAMES)).toBe("the organisation's Web search setting");
    expect(pathInWords("standardRoles.admin.admin.privacy", NAMES)).toBe("the Admin role's Privacy level");
  });

  it("words the standard roles' and the Primary Owner's places as the explanation names them", () => {
    expect(inWords("Admins get view in analytics from `standardRoles.admin` (the built-in default unless the file sets it).", NAMES)).toBe(
      "Admins get view in analytics from the Admin role's admin levels (the built-in default unless the file sets it).",
    );
    expect(inWords("named by `primaryOwner` in the mapping file", NAMES)).toBe("named by the Primary Owner setting in the mapping file");
  });

  it("leaves no JSON path in a server message shown to people", () => {
    const message = "Role 'finance' grants the connector 'jira', but `org.connectors` switches it off for everyone, so `roles.finance.connectors[1]` has no effect.";
    expect(inWords(message, NAMES)).toBe(
      "The Finance approvers role grants the connector Jira, but the organisation's setting for connectors switches it off for everyone, so the Finance approvers role's second connector has no effect.",
    );
  });
});

describe("a mapping change, in words", () => {
  const rolePart = (before: RoleDocument | null, after: RoleDocument | null): ChangePart => ({
    part: "role",
    name: "finance",
    change: before === null ? "added" : after === null ? "removed" : "changed",
    before,
    after,
    action: "edit_custom_roles",
    description: "custom role 'finance' (changed)",
  });

  it("shows a role's own changes before → after: display name, description, levels, capabilities and connectors", () => {
    const part = partInWords(
      rolePart(
        { description: "Spend", admin: { billing: "manage" }, capabilities: ["web_search"], connectors: [] },
        { displayName: "Finance approvers", description: "Spend", admin: { billing: "view", analytics: "view" }, capabilities: ["web_search", "memory"], connectors: ["slack"] },
      ),
      new Map(),
    );
    expect(part.title).toBe("Role Finance approvers");
    expect(part.lines).toEqual([
      { what: "Display name", before: "none", after: "“Finance approvers”" },
      { what: "Billing", before: "Can manage", after: "Can view" },
      { what: "Analytics", before: "No access", after: "Can view" },
      { what: "Capabilities", before: "Web search", after: "Memory, Web search" },
      { what: "Connectors", before: "none", after: "Slack" },
    ]);
    expect(roleChangeLines({ admin: {}, capabilities: [], connectors: [] }, { admin: {}, capabilities: [], connectors: [] })).toEqual([]);
  });

  it("words a rule by the group it matches and the roles it gives, never by its id", () => {
    const rule: ChangePart = {
      part: "rule",
      id: "r_2e70674167",
      change: "added",
      before: null,
      after: { id: "r_2e70674167", group: { id: "g-123" }, roles: ["finance"] },
      action: "edit_custom_roles",
      description: "rule r_2e70674167 (group id 'g-123') (added)",
    };
    const words = partInWords(rule, NAMES, new Map([["g-123", "Contractors"]]));
    expect(words.title).toBe("Give the Finance approvers role to the group Contractors");
    expect(JSON.stringify(words)).not.toContain("r_2e70674167");
  });

  it("words a refusal's refused parts, keeping the server's sentence of who may make the change", () => {
    const rule: ChangePart = {
      part: "rule",
      id: "r_2e70674167",
      change: "removed",
      before: { id: "r_2e70674167", group: { externalId: "g-design" }, roles: ["finance"], orgRole: "admin" },
      after: null,
      action: "edit_standard_roles",
      description: "rule r_2e70674167 (group externalId 'g-design', orgRole admin) (removed)",
    };
    const message = `Rules giving owner or admin, the standard roles' levels, and the organisation's toggles can be changed only by Owners and the Primary Owner. Refused: ${rule.description}. Nothing was applied.`;
    const plan: PlanAnswer = {
      changedCount: 0, unchangedCount: 0, effects: [], changes: [], warnings: [], lockout: null, nextCursor: null,
      parts: [rule], partsCount: 1, refusal: { code: "owner_required", message }, validationWarnings: [], validationWarningsCount: 0,
    };
    expect(refusalInWords(plan, NAMES)).toBe(
      "Rules giving owner or admin, the standard roles' levels, and the organisation's toggles can be changed only by Owners and the Primary Owner. Refused: Stop giving the Finance approvers role and the Admin org role to the identity provider's group g-design. Nothing was applied.",
    );
  });
});
