import { parseMapping } from "../../mapping";
import { expectIssue, mappingFrom, readFixture } from "./helpers";

describe("parseMapping on valid files", () => {
  it("accepts the issue's example and normalises every role to all six areas", () => {
    const result = parseMapping(readFixture("example.yaml"), "example.yaml");
    if (!result.ok) throw new Error("example must be valid");
    const finance = result.mapping.roles.find((role) => role.name === "finance");
    expect(finance).toEqual({
      name: "finance",
      description: "Invoices and spend",
      admin: { identity_access: "none", billing: "manage", analytics: "view", privacy: "none", user_management: "none", libraries: "none" },
      capabilities: ["web_search"],
      connectors: ["google_drive"],
    });
    expect(result.mapping.rules.map((rule) => [rule.index, rule.source.kind === "group" ? rule.source.matcher.kind : rule.source.kind, rule.orgRole])).toEqual([
      [0, "externalId", null],
      [1, "displayName", null],
      [2, "displayName", "admin"],
    ]);
    expect(result.mapping.org.features).toEqual({ web_search: true, claude_code: true, file_uploads: false });
    expect(result.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads the same mapping from JSON as from YAML", () => {
    const json = JSON.stringify({
      version: 1,
      primaryOwner: "ceo@example.com",
      roles: { finance: { admin: { billing: "manage" } } },
      mappings: [{ group: { id: "g-1" }, roles: ["finance"] }],
    });
    const yaml = "version: 1\nprimaryOwner: ceo@example.com\nroles:\n  finance: { admin: { billing: manage } }\nmappings:\n  - group: { id: g-1 }\n    roles: [finance]\n";
    expect(mappingFrom(json)).toEqual(mappingFrom(yaml));
  });

  it("gives the same hash when only comments, layout or the order of role definitions change", () => {
    const a = parseMapping("version: 1\nprimaryOwner: a@x\nroles:\n  x: {}\n  y: {}\nmappings:\n  - { group: { id: g }, roles: [y, x] }\n", "a");
    const b = parseMapping("# comment\nprimaryOwner: a@x\nversion: 1\nroles:\n  y: {}\n  x: {}\nmappings:\n  - group: { id: g }\n    roles: [x, y]\n", "b");
    if (!a.ok || !b.ok) throw new Error("both must be valid");
    expect(a.hash).toBe(b.hash);
  });

  it("gives a different hash when a level changes", () => {
    const a = parseMapping("version: 1\nprimaryOwner: a@x\nstandardRoles: { user: { admin: { analytics: view } } }\n", "a");
    const b = parseMapping("version: 1\nprimaryOwner: a@x\nstandardRoles: { user: { admin: { analytics: manage } } }\n", "b");
    if (!a.ok || !b.ok) throw new Error("both must be valid");
    expect(a.hash).not.toBe(b.hash);
  });

  it("uses the issue's defaults for admin and user when standardRoles is absent", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: a@x\n");
    expect(mapping.standardRoles.admin).toEqual({ identity_access: "none", billing: "none", analytics: "view", privacy: "none", user_management: "manage", libraries: "manage" });
    expect(Object.values(mapping.standardRoles.user)).toEqual(["none", "none", "none", "none", "none", "none"]);
  });

  it("treats a standardRoles admin block as the whole answer: areas it leaves out are none", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: a@x\nstandardRoles:\n  admin: { admin: { billing: view } }\n");
    expect(mapping.standardRoles.admin.billing).toBe("view");
    expect(mapping.standardRoles.admin.user_management).toBe("none");
    expect(mapping.standardRoles.user.billing).toBe("none");
  });

  it("accepts booleans as toggle values", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: a@x\norg:\n  features: { web_search: true, uploads: false }\n  connectors: { jira: on }\n");
    expect(mapping.org).toEqual({ features: { web_search: true, uploads: false }, connectors: { jira: true } });
  });

  it("keeps a feature named like an Object.prototype member as plain data", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: a@x\norg:\n  features: { constructor: on, toString: off }\n");
    expect(mapping.org.features).toEqual({ constructor: true, toString: false });
  });
});

describe("parseMapping warnings", () => {
  it("warns about each displayName matcher, at the matcher", () => {
    const result = parseMapping(readFixture("example.yaml"), "example.yaml");
    if (!result.ok) throw new Error("example must be valid");
    expectIssue(result.warnings, "display_name_matcher", 21, 14, /renamed/);
    expectIssue(result.warnings, "display_name_matcher", 23, 14, /'IT Admins'/);
  });

  it("warns about a role that no rule grants, without rejecting the file", () => {
    const result = parseMapping("version: 1\nprimaryOwner: a@x\nroles:\n  lonely: {}\n", "f.yaml");
    if (!result.ok) throw new Error("must be valid");
    expectIssue(result.warnings, "unused_role", 4, 3, /'lonely' is defined but no rule/);
  });

  it("warns when a role grants a feature the organisation switches off", () => {
    const result = parseMapping("version: 1\nprimaryOwner: a@x\norg: { features: { uploads: off } }\nroles:\n  r: { capabilities: [uploads] }\nmappings:\n  - { group: { id: g }, roles: [r] }\n", "f");
    if (!result.ok) throw new Error("must be valid");
    expectIssue(result.warnings, "switched_off_by_org", 5, 23, /no effect/);
  });
});
