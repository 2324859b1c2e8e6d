import fc from "fast-check";
import { type JsonObject } from "../../../mapping/json";
import { applyPatch, planGroupPatch } from "../../../scim/patch";
import { DEFAULT_INPUT_LIMITS } from "../../../scim/limits";
import { ada, ops } from "./support";

/**
 * One PATCH request of many operations is planned in time linear in its operations (each list keeps
 * an index for the whole request): the answer must be the one the operations give one at a time.
 */
describe("PATCH with many operations", () => {
  const types = ["work", "home", "other", "t1", "t2"];
  const operation = fc.oneof(
    fc.record({ op: fc.constant("add"), path: fc.constant("emails"), value: fc.array(fc.record({ value: fc.constantFrom("a@x", "b@x", "c@x"), type: fc.constantFrom(...types), primary: fc.boolean() }), { minLength: 1, maxLength: 2 }) }),
    fc.record({ op: fc.constantFrom("add", "replace"), path: fc.constantFrom(...types.map((t) => `emails[type eq "${t}"].value`)), value: fc.constantFrom("a@x", "d@x", "E@X") }),
    fc.record({ op: fc.constant("add"), path: fc.constantFrom(...types.map((t) => `emails[type eq "${t}"]`)), value: fc.record({ primary: fc.boolean() }) }),
    fc.record({ op: fc.constant("remove"), path: fc.constantFrom(...types.map((t) => `emails[type eq "${t}"]`), 'emails[value eq "a@x"]') }),
    fc.record({ op: fc.constant("replace"), path: fc.constant("emails"), value: fc.constant([{ value: "z@x", type: "work", primary: true }]) }),
    fc.record({ op: fc.constant("replace"), path: fc.constant("emails.type"), value: fc.constantFrom(...types) }),
  );

  it("gives the same user as applying the operations one request at a time", () => {
    fc.assert(fc.property(fc.array(operation, { minLength: 1, maxLength: 25 }), (raw) => {
      const together = applyPatch("User", ada(), ops(...raw));
      const oneByOne = raw.reduce<JsonObject>((user, op) => applyPatch("User", user, ops(op)), ada());
      expect(together).toEqual(oneByOne);
    }), { numRuns: 500 });
  });

  it("keeps every one of a thousand emails added one operation each, once, with one primary", () => {
    const raw = Array.from({ length: 1000 }, (_, i) => ({ op: "add", path: "emails", value: [{ value: `e${i % 900}@x`, type: "work", primary: i === 500 }] }));
    const emails = applyPatch("User", ada(), ops(...raw))["emails"] as JsonObject[];
    expect(emails).toHaveLength(1 + 900);
    expect(emails.filter((e) => e["primary"] === true)).toEqual([{ value: "e500@x", type: "work", primary: true }]);
  });

  it("upserts a thousand filtered values each into its own element", () => {
    const raw = Array.from({ length: 1000 }, (_, i) => ({ op: "add", path: `emails[type eq "t${i}"].value`, value: `e${i}@x` }));
    const emails = applyPatch("User", ada(), ops(...raw))["emails"] as JsonObject[];
    expect(emails).toHaveLength(1001);
    expect(emails[1000]).toEqual({ type: "t999", value: "e999@x" });
  });

  it("plans a thousand one-member adds as one step naming each member once, in order", () => {
    const raw = Array.from({ length: 1000 }, (_, i) => ({ op: "add", path: "members", value: [{ value: `u${i % 700}` }] }));
    const steps = planGroupPatch(ops(...raw));
    expect(steps).toEqual([{ kind: "addMembers", ids: Array.from({ length: 700 }, (_, i) => `u${i}`) }]);
    // As many terms as one filter may hold (SCIM_MAX_FILTER_TERMS' default).
    const terms = DEFAULT_INPUT_LIMITS.maxFilterTerms;
    expect(planGroupPatch(ops({ op: "remove", path: `members[${Array.from({ length: terms }, (_, i) => `value eq "u${i}"`).join(" or ")}]` }))).toEqual([
      { kind: "removeMembers", ids: Array.from({ length: terms }, (_, i) => `u${i}`) },
    ]);
  });
});
