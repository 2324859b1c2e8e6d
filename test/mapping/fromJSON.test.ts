import { StoredMappingError, hashMapping, mappingFromJSON, parseMapping } from "../../mapping";
import { example, readFixture } from "./helpers";

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (error) {
    return error;
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
    const error = thrownBy(() => mappingFromJSON({ ...example(), version: 2, rules: [{ index: 5, group: { kind: "name", value: "x" }, roles: [], orgRole: "primary_owner" }] }));
    expect(error).toBeInstanceOf(StoredMappingError);
    expect(error instanceof StoredMappingError && error.problems).toEqual([
        "version is not 1",
        "rules[0].index is not 0",
        "rules[0].orgRole is not owner, admin, user or null",
      "rules[0].group is not { kind: id|externalId|displayName, value: text }",
    ]);
  });

  it("refuses a stored rule that uses an undefined role", () => {
    const stored = { ...example(), roles: [] };
    expect(() => mappingFromJSON(stored)).toThrow(/undefined role 'finance'/);
  });
});
