import { applyPatch, planGroupPatch } from "../../../scim/patch";
import { expectScimError } from "../../support/scim-error";
import { CORE_GROUP, ops, sales } from "./support";

const plan = (...operations: unknown[]): ReturnType<typeof planGroupPatch> => planGroupPatch(ops(...operations));

describe("planGroupPatch", () => {
  it("plans Okta's membership change: remove by filter, then add", () => {
    expect(
      plan(
        { op: "remove", path: 'members[value eq "u-1"]' },
        { op: "add", path: "members", value: [{ value: "u-2", display: "ada@example.com" }] },
      ),
    ).toEqual([
      { kind: "removeMembers", ids: ["u-1"] },
      { kind: "addMembers", ids: ["u-2"] },
    ]);
  });

  it("plans Okta's full push as a replace", () => {
    expect(plan({ op: "replace", path: "members", value: [{ value: "u-1" }, { value: "u-2" }] })).toEqual([
      { kind: "replaceMembers", ids: ["u-1", "u-2"] },
    ]);
  });

  it("keeps Okta's repeated id+displayName replace as a harmless attributes step", () => {
    const steps = plan(
      { op: "replace", value: { id: "g-1", displayName: "Sales EMEA" } },
      { op: "add", path: "members", value: [{ value: "u-2" }] },
    );
    expect(steps).toEqual([
      { kind: "attributes", ops: [{ op: "replace", value: { id: "g-1", displayName: "Sales EMEA" } }] },
      { kind: "addMembers", ids: ["u-2"] },
    ]);
    const attributes = steps[0];
    if (attributes?.kind !== "attributes") throw new Error("expected an attributes step");
    expect(applyPatch("Group", sales(), attributes.ops)).toEqual({ ...sales(), displayName: "Sales EMEA" });
  });

  it("adds Entra's members with $ref null and no display", () => {
    expect(plan({ op: "Add", path: "members", value: [{ $ref: null, value: "u-1" }, { $ref: null, value: "u-2" }] })).toEqual([
      { kind: "addMembers", ids: ["u-1", "u-2"] },
    ]);
  });

  it("removes only the listed member when Entra sends a value array", () => {
    expect(plan({ op: "Remove", path: "members", value: [{ $ref: null, value: "u-1" }] })).toEqual([{ kind: "removeMembers", ids: ["u-1"] }]);
  });

  it("removes nobody when the value array is empty, rather than everybody", () => {
    expect(plan({ op: "Remove", path: "members", value: [] })).toEqual([]);
  });

  it("removes all members only when remove has no value", () => {
    expect(plan({ op: "remove", path: "members" })).toEqual([{ kind: "removeAllMembers" }]);
    expect(plan({ op: "remove", path: "members", value: null })).toEqual([{ kind: "removeAllMembers" }]);
  });

  it("removes several members joined with or", () => {
    expect(plan({ op: "remove", path: 'members[value eq "a" or value eq "b" or VALUE EQ "c"]' })).toEqual([
      { kind: "removeMembers", ids: ["a", "b", "c"] },
    ]);
  });

  it.each(['members[display eq "a"]', 'members[value ne "a"]', 'members[value eq "a" and value eq "b"]', "members[value pr]", "members[value eq 5]"])(
    "rejects %s with invalidFilter",
    (path) => {
      expectScimError(() => plan({ op: "remove", path }), 400, "invalidFilter", /only value eq/);
    },
  );

  it("refuses writes to member sub-attributes as their mutability forbids, and filtered adds as a bad path", () => {
    expectScimError(() => plan({ op: "replace", path: 'members[value eq "a"].display', value: "x" }), 400, "mutability", /display is read-only/);
    expectScimError(() => plan({ op: "replace", path: "members.value", value: "x" }), 400, "mutability", /immutable/);
    expectScimError(() => plan({ op: "add", path: 'members[value eq "a"]', value: { value: "a" } }), 400, "invalidPath", /only be used to remove/);
  });

  it("accepts bare-string member ids as Microsoft's validator sends them", () => {
    expect(plan({ op: "add", path: "members", value: ["u-1", "u-2"] })).toEqual([{ kind: "addMembers", ids: ["u-1", "u-2"] }]);
    expect(plan({ op: "remove", path: "members", value: "u-1" })).toEqual([{ kind: "removeMembers", ids: ["u-1"] }]);
  });

  it("accepts the member type in any case and keeps only the ids", () => {
    expect(plan({ op: "add", path: "members", value: [{ value: "u-1", type: "user", display: "Ada" }, { value: "g-2", type: "GROUP" }] })).toEqual([
      { kind: "addMembers", ids: ["u-1", "g-2"] },
    ]);
  });

  it.each([
    [[{ display: "no value" }]],
    [[{ value: 7 }]],
    [[{ value: "" }]],
    [[42]],
    [[{ value: "u-1", type: "Device" }]],
  ])("rejects the member list %j with invalidValue", (value) => {
    expectScimError(() => plan({ op: "add", path: "members", value }), 400, "invalidValue");
  });

  it("treats an empty add as a no-op", () => {
    expect(plan({ op: "add", path: "members", value: [] })).toEqual([]);
  });

  it("empties the group on replace with an empty list or null", () => {
    expect(plan({ op: "replace", path: "members", value: [] })).toEqual([{ kind: "replaceMembers", ids: [] }]);
    expect(plan({ op: "replace", path: "members", value: null })).toEqual([{ kind: "replaceMembers", ids: [] }]);
  });

  it("splits a path-less value into attributes and members", () => {
    expect(plan({ op: "add", value: { displayName: "X", members: [{ value: "u-1" }] } })).toEqual([
      { kind: "attributes", ops: [{ op: "add", value: { displayName: "X" } }] },
      { kind: "addMembers", ids: ["u-1"] },
    ]);
    expect(plan({ op: "replace", value: { Members: [{ value: "u-1" }] } })).toEqual([{ kind: "replaceMembers", ids: ["u-1"] }]);
  });

  it("merges consecutive member steps of the same kind but keeps the order of different kinds", () => {
    expect(
      plan(
        { op: "Add", path: "members", value: [{ value: "a" }] },
        { op: "Add", path: "members", value: [{ value: "b" }, { value: "a" }] },
        { op: "Remove", path: "members", value: [{ value: "c" }] },
        { op: "remove", path: 'members[value eq "d"]' },
        { op: "Add", path: "members", value: [{ value: "c" }] },
      ),
    ).toEqual([
      { kind: "addMembers", ids: ["a", "b"] },
      { kind: "removeMembers", ids: ["c", "d"] },
      { kind: "addMembers", ids: ["c"] },
    ]);
  });

  it("gathers every attribute operation, in order, into one first step, and merges the member steps around them", () => {
    expect(
      plan(
        { op: "Add", path: "members", value: [{ value: "a" }] },
        { op: "Replace", path: "displayName", value: "X" },
        { op: "Add", path: "members", value: [{ value: "b" }] },
        { op: "Add", path: "externalId", value: "e" },
        { op: "Replace", path: "displayName", value: "Y" },
        { op: "Remove", path: "members", value: [{ value: "c" }] },
      ),
    ).toEqual([
      {
        kind: "attributes",
        ops: [
          { op: "replace", path: { path: { attr: "displayName" } }, pathText: "displayName", value: "X" },
          { op: "add", path: { path: { attr: "externalId" } }, pathText: "externalId", value: "e" },
          { op: "replace", path: { path: { attr: "displayName" } }, pathText: "displayName", value: "Y" },
        ],
      },
      { kind: "addMembers", ids: ["a", "b"] },
      { kind: "removeMembers", ids: ["c"] },
    ]);
  });

  it("accepts a core-URN-qualified members path", () => {
    expect(plan({ op: "remove", path: `${CORE_GROUP}:members` })).toEqual([{ kind: "removeAllMembers" }]);
  });
});
