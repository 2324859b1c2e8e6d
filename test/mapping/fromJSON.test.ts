import { NO_ACCESS, StoredMappingError, StoredPermissionsError, hashMapping, mappingFromJSON, parseMapping, permissionsFromJSON, resolveMember } from "../../mapping";
import { example, readFixture } from "./helpers";

/** The problems listed by the decoder error `action` throws, which must be of `type`. */
function problemsThrownBy(action: () => unknown, type: typeof StoredMappingError | typeof StoredPermissionsError): readonly string[] {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(type);
    return error instanceof StoredMappingError || error instanceof StoredPermissionsError ? error.problems : [];
  }
  throw new Error("expected a throw");
}

describe("mappingFromJSON", () => {
  it("reads back a mapping stored as JSON, unchanged and with the same hash", () => {
    const parsed = parseMapping(readFixture("example.yaml"), "example.yaml");
    if (!parsed.ok) throw new Error("example must be valid");
    const restored = mappingFromJSON(JSON.parse(JSON.stringify(parsed.mapping)));
    expect(restored).toEqual(parsed.mapping);
    expect(hashMapping(restored)).toBe(parsed.hash);
  });

  it("refuses a value that is not a normalised mapping, listing the problems", () => {
    expect(() => mappingFromJSON({ version: 1 })).toThrow(StoredMappingError);
    const stored = { ...example(), version: 2, rules: [{ index: 5, group: { kind: "name", value: "x" }, roles: [], orgRole: "primary_owner" }] };
    expect(problemsThrownBy(() => mappingFromJSON(stored), StoredMappingError)).toEqual([
        "version is not 1",
        "rules[0].index is not 0",
        "rules[0].orgRole is not owner, admin, user or null",
      "rules[0].group is not { kind: id|externalId|displayName|manual, value: text }",
    ]);
  });

  it("refuses a stored rule that uses an undefined role", () => {
    const stored = { ...example(), roles: [] };
    expect(() => mappingFromJSON(stored)).toThrow(/undefined role 'finance'/);
  });
});

describe("permissionsFromJSON", () => {
  it("reads back permissions stored as JSON, unchanged", () => {
    const parsed = parseMapping(readFixture("example.yaml"), "example.yaml");
    if (!parsed.ok) throw new Error("example must be valid");
    const member = { id: "u1", userName: "ada@example.com", active: true, groups: [{ id: "g1", externalId: "00g1finance", displayName: "Finance" }], appRoles: [] };
    const permissions = resolveMember(member, parsed.mapping);
    expect(permissions.roles).toEqual(["finance"]);
    expect(permissionsFromJSON(JSON.parse(JSON.stringify(permissions)))).toEqual(permissions);
    expect(permissionsFromJSON(JSON.parse(JSON.stringify(NO_ACCESS)))).toEqual(NO_ACCESS);
  });

  it("refuses a value that is not effective permissions, listing the problems", () => {
    const stored = { orgRole: "emperor", admin: { billing: "all" }, capabilities: "web_search", connectors: [], roles: [1] };
    expect(problemsThrownBy(() => permissionsFromJSON(stored), StoredPermissionsError)).toEqual([
      "orgRole is not a known org role",
      "capabilities is not a list of strings",
      "roles is not a list of strings",
      "admin does not give a level for every area",
    ]);
    expect(() => permissionsFromJSON(null)).toThrow(StoredPermissionsError);
  });
});
