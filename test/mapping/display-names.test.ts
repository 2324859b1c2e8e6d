import { hashMapping, mappingFromJSON, mappingToDocument, mappingToYaml, parseMapping } from "../../mapping";
import { errorsOf, expectIssue, mappingFrom } from "./helpers";

const WITH_DISPLAY_NAME = `version: 1
primaryOwner: po@example.com
roles:
  finance: { displayName: "Finance approvers", description: Spend, admin: { billing: manage } }
  people: { admin: { user_management: view } }
mappings:
  - { id: finance, group: { externalId: g-finance }, roles: [finance, people] }
`;

describe("a custom role's display name", () => {
  it("is read beside the role's key, and a role without one has none (not an empty name)", () => {
    const mapping = mappingFrom(WITH_DISPLAY_NAME);
    expect(mapping.roles.map((role) => [role.name, role.displayName])).toEqual([
      ["finance", "Finance approvers"],
      ["people", undefined],
    ]);
    expect(Object.hasOwn(mapping.roles[1] ?? {}, "displayName")).toBe(false);
  });

  it("survives the way back to a file, as YAML and as JSON, with the same hash", () => {
    const mapping = mappingFrom(WITH_DISPLAY_NAME);
    expect(mappingToDocument(mapping)["roles"]).toEqual({
      finance: { displayName: "Finance approvers", description: "Spend", admin: { billing: "manage" }, capabilities: [], connectors: [] },
      people: { admin: { user_management: "view" }, capabilities: [], connectors: [] },
    });
    for (const text of [mappingToYaml(mapping), JSON.stringify(mappingToDocument(mapping))]) {
      const again = parseMapping(text, "export.yaml");
      expect(again.ok && again.mapping).toEqual(mapping);
      expect(again.ok && again.hash).toBe(hashMapping(mapping));
    }
  });

  it("survives the database's JSON column, and a stored role from before display names reads back without one", () => {
    const mapping = mappingFrom(WITH_DISPLAY_NAME);
    expect(mappingFromJSON(JSON.parse(JSON.stringify(mapping)))).toEqual(mapping);
  });

  it("leaves the hash of a mapping that gives no display name as it was before display names existed", () => {
    const without = mappingFrom(WITH_DISPLAY_NAME.replace('displayName: "Finance approvers", ', ""));
    // The hash of this normalised mapping before display names were added to the format.
    const stored = { ...without, roles: without.roles.map(({ displayName: _none, ...role }) => role) };
    expect(hashMapping(without)).toBe(hashMapping(stored));
    expect(JSON.stringify(without)).not.toContain("displayName");
  });

  it("changes the mapping's hash when it changes, so renaming a role is a new version", () => {
    const before = mappingFrom(WITH_DISPLAY_NAME);
    const after = mappingFrom(WITH_DISPLAY_NAME.replace("Finance approvers", "Finance"));
    expect(hashMapping(after)).not.toBe(hashMapping(before));
  });

  it("is refused, located, when empty, not text, or longer than 100 characters", () => {
    expectIssue(errorsOf(WITH_DISPLAY_NAME.replace('"Finance approvers"', '""')), "invalid_value", 4, 27);
    expectIssue(errorsOf(WITH_DISPLAY_NAME.replace('"Finance approvers"', "[a]")), "type", 4, 27);
    expectIssue(errorsOf(WITH_DISPLAY_NAME.replace('"Finance approvers"', `"${"x".repeat(101)}"`)), "invalid_name", 4, 27, /longer than 100 characters/);
  });
});
