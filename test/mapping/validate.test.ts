import { errorsOf, expectIssue, readFixture } from "./helpers";

describe("parseMapping reports every problem at once, located", () => {
  const typos = errorsOf(readFixture("invalid/typos.yaml"), "typos.yaml");

  it("reports all seven typos in one run, in file order, naming the file", () => {
    expect(typos.map((issue) => issue.code)).toEqual([
      "invalid_toggle", "unknown_area", "unknown_level", "unknown_key", "undefined_role", "invalid_org_role", "invalid_org_role",
    ]);
    expect(typos.every((issue) => issue.file === "typos.yaml")).toBe(true);
  });

  it("suggests the area for a misspelt one", () => {
    expectIssue(typos, "unknown_area", 7, 14, /'biling' is not an admin area.*Did you mean 'billing'\?/);
  });

  it("suggests the level for a misspelt one, even with swapped letters", () => {
    expectIssue(typos, "unknown_level", 7, 41, /'veiw'.*Did you mean 'view'\?/);
  });

  it("suggests the key for a misspelt one", () => {
    expectIssue(typos, "unknown_key", 8, 5, /Unknown key 'capabilites' in `roles.finance`. Did you mean 'capabilities'\?/);
  });

  it("suggests the role for a rule naming an undefined one", () => {
    expectIssue(typos, "undefined_role", 11, 13, /'finanse', which is not defined.*Did you mean 'finance'\?/);
  });

  it("explains that primary_owner comes only from primaryOwner", () => {
    expectIssue(typos, "invalid_org_role", 13, 14, /primary_owner.*never a group/);
  });

  it("rejects an orgRole that is not a standard role", () => {
    expectIssue(typos, "invalid_org_role", 15, 14, /'superuser' is not a standard org role/);
  });

  it("tells YAML 1.1 users that yes means on", () => {
    expectIssue(typos, "invalid_toggle", 4, 27, /'yes'.*Did you mean 'on'\?/);
  });
});

describe("parseMapping structural errors", () => {
  const structure = errorsOf(readFixture("invalid/structure.yaml"));

  it("rejects a version other than 1", () => {
    expectIssue(structure, "invalid_version", 1, 10, /must be 1.*found 2/);
  });

  it("reports a missing required key at the object that lacks it, and the near-miss key separately", () => {
    expectIssue(structure, "missing", 1, 1, /missing `primaryOwner`/);
    expectIssue(structure, "unknown_key", 2, 1, /Did you mean 'primaryOwner'\?/);
  });

  it("requires capabilities to be a list and its items to be text", () => {
    expectIssue(structure, "type", 5, 19, /`roles.auditor.capabilities` must be a list, not the text 'web_search'/);
    expectIssue(structure, "type", 6, 24, /`roles.auditor.connectors\[1\]` must be text, not number 42/);
  });

  it("requires exactly one matcher key per rule", () => {
    expectIssue(structure, "invalid_matcher", 8, 12, /exactly one of.*found `id` and `displayName`/);
  });

  it("rejects a rule that grants neither roles nor an orgRole", () => {
    expectIssue(structure, "rule_grants_nothing", 10, 5, /give it `roles`, `orgRole`, or both/);
  });

  it("rejects a rule without a group or an app role, saying how to write either", () => {
    expectIssue(structure, "missing", 11, 5, /Rule `mappings\[2\]` needs what it matches: `group: .*`appRole: \{ value/);
  });

  it("rejects a rule whose roles list is empty and has no orgRole", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: a@x\nmappings:\n  - group: { id: g }\n    roles: []\n");
    expectIssue(errors, "rule_grants_nothing", 5, 12, /empty/);
  });

  it("rejects an empty matcher", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: a@x\nmappings:\n  - group: {}\n    orgRole: admin\n");
    expectIssue(errors, "invalid_matcher", 4, 12, /found none/);
  });

  it("rejects configuring owners under standardRoles, saying why", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: a@x\nstandardRoles:\n  owner: { admin: { billing: view } }\n");
    expectIssue(errors, "unknown_key", 4, 3, /always manage every area/);
  });

  it("rejects role names that are not plain identifiers", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: a@x\nroles:\n  \"bad name\": {}\n");
    expectIssue(errors, "invalid_name", 4, 3, /'bad name' is not a valid name/);
  });

  it("rejects a top level that is not a map", () => {
    const errors = errorsOf("- version: 1\n");
    expectIssue(errors, "type", 1, 1, /The top level must be a map/);
  });
});

describe("parseMapping duplicate keys", () => {
  it("reports a role defined twice in YAML at the second definition", () => {
    const errors = errorsOf(readFixture("invalid/duplicate-role.yaml"));
    expectIssue(errors, "duplicate_role", 6, 3, /Role 'finance' is defined twice \(first at line 4\)/);
  });

  it("reports a role defined twice in JSON at the second definition", () => {
    const errors = errorsOf(readFixture("invalid/duplicate-role.json"));
    expectIssue(errors, "duplicate_role", 6, 5, /defined twice \(first at line 5\)/);
  });

  it("reports other duplicate keys with their place in the file", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: a@x\nprimaryOwner: b@x\n");
    expectIssue(errors, "duplicate_key", 3, 1, /'primaryOwner' appears twice at the top level/);
  });
});

describe("parseMapping on files that are not YAML", () => {
  it("reports a syntax error with its position and nothing else", () => {
    const errors = errorsOf(readFixture("invalid/syntax.yaml"));
    expect(errors).toHaveLength(1);
    expectIssue(errors, "syntax", 5, 1, /not valid YAML/);
  });

  it("reports broken JSON as a syntax error", () => {
    const errors = errorsOf('{"version": 1,, }');
    expect(errors[0]?.code).toBe("syntax");
  });

  it("reports an empty file", () => {
    expectIssue(errorsOf(""), "empty", 1, 1, /empty/);
    expectIssue(errorsOf("# only a comment\n"), "empty", 1, 1);
  });

  it("reports a file with two YAML documents as a syntax error", () => {
    expect(errorsOf("version: 1\n---\nversion: 1\n")[0]?.code).toBe("syntax");
  });
});
