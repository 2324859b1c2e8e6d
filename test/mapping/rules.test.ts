import { parseMapping } from "../../mapping";
import { errorsOf, expectIssue, group, mappingFrom, member } from "./helpers";
import { resolveMember } from "../../mapping";

const BASE = "version: 1\nprimaryOwner: ceo@x\nroles: { r: {} }\n";

describe("rule ids", () => {
  it("keeps an id the file gives", () => {
    const mapping = mappingFrom(`${BASE}mappings:\n  - { id: finance-rule, group: { id: g1 }, roles: [r] }\n`);
    expect(mapping.rules[0]?.id).toBe("finance-rule");
  });

  it("derives the same id from the same file every time, and keeps a rule's id when another rule is added before it", () => {
    const one = mappingFrom(`${BASE}mappings:\n  - { group: { externalId: e1 }, roles: [r] }\n`);
    const again = mappingFrom(`${BASE}mappings:\n  - { group: { externalId: e1 }, roles: [r] }\n`);
    const grown = mappingFrom(`${BASE}mappings:\n  - { group: { externalId: e0 }, roles: [r] }\n  - { group: { externalId: e1 }, roles: [r] }\n`);
    expect(one.rules[0]?.id).toMatch(/^r_[0-9a-f]{10}$/);
    expect(again.rules[0]?.id).toBe(one.rules[0]?.id);
    expect(grown.rules[1]?.id).toBe(one.rules[0]?.id);
  });

  it("gives two rules on the same group different ids", () => {
    const mapping = mappingFrom(`${BASE}mappings:\n  - { group: { id: g1 }, roles: [r] }\n  - { group: { id: g1 }, orgRole: admin }\n`);
    expect(new Set(mapping.rules.map((rule) => rule.id)).size).toBe(2);
  });

  it("does not hand out a derived id that a rule named explicitly", () => {
    const derived = mappingFrom(`${BASE}mappings:\n  - { group: { id: g1 }, roles: [r] }\n`).rules[0]?.id ?? "";
    const mapping = mappingFrom(`${BASE}mappings:\n  - { group: { id: g1 }, roles: [r] }\n  - { id: ${derived}, group: { id: g2 }, roles: [r] }\n`);
    expect(mapping.rules[1]?.id).toBe(derived);
    expect(mapping.rules[0]?.id).not.toBe(derived);
  });

  it("derives ids for app-role rules too, apart from a group rule naming the same text", () => {
    const mapping = mappingFrom(`${BASE}mappings:\n  - { appRole: { value: g1 }, roles: [r] }\n  - { group: { id: g1 }, roles: [r] }\n  - { appRole: { value: g1 }, orgRole: admin }\n`);
    const ids = mapping.rules.map((rule) => rule.id);
    for (const id of ids) expect(id).toMatch(/^r_[0-9a-f]{10}$/);
    expect(new Set(ids).size).toBe(3);
    expect(mappingFrom(`${BASE}mappings:\n  - { appRole: { value: g1 }, roles: [r] }\n`).rules[0]?.id).toBe(ids[0]);
  });

  it("refuses an id given to two rules, pointing at the second", () => {
    const errors = errorsOf(`${BASE}mappings:\n  - { id: a, group: { id: g1 }, roles: [r] }\n  - { id: a, group: { id: g2 }, roles: [r] }\n`);
    expectIssue(errors, "duplicate_rule_id", 6, 11, /mappings\[1\] has the id 'a', which mappings\[0\] already has/);
  });

  it("refuses an id that is not a name", () => {
    expectIssue(errorsOf(`${BASE}mappings:\n  - { id: "no spaces", group: { id: g1 }, roles: [r] }\n`), "invalid_name", 5, 11);
  });

  it("does not change the mapping's hash when the derived ids are written out", () => {
    const plain = parseMapping(`${BASE}mappings:\n  - { group: { id: g1 }, roles: [r] }\n`, "a.yaml");
    if (!plain.ok) throw new Error("valid");
    const pinned = parseMapping(`${BASE}mappings:\n  - { id: ${plain.mapping.rules[0]?.id}, group: { id: g1 }, roles: [r] }\n`, "b.yaml");
    expect(pinned.ok && pinned.hash).toBe(plain.hash);
  });
});

describe("rules on manual groups", () => {
  const mapping = mappingFrom(`${BASE}mappings:
  - { group: { manual: Contractors }, roles: [r] }
  - { group: { displayName: Contractors }, orgRole: admin }
`);
  const manual = { ...group("m1", "Contractors"), source: "manual" as const };
  const synced = group("s1", "contractors");

  it("matches a manual group by name, case-insensitively, and never an IdP group of the same name", () => {
    expect(resolveMember(member("a@x", [manual]), mapping)).toMatchObject({ orgRole: "custom", roles: ["r"] });
    expect(resolveMember(member("b@x", [synced]), mapping)).toMatchObject({ orgRole: "admin", roles: [] });
  });

  it("never lets a displayName or externalId rule match a manual group", () => {
    const byExternal = mappingFrom(`${BASE}mappings:\n  - { group: { externalId: x1 }, roles: [r] }\n`);
    expect(resolveMember(member("a@x", [{ ...manual, externalId: "x1" }]), byExternal).roles).toEqual([]);
    expect(resolveMember(member("a@x", [manual]), mapping).orgRole).not.toBe("admin");
  });

  it("lets an id rule match a manual group", () => {
    const byId = mappingFrom(`${BASE}mappings:\n  - { group: { id: m1 }, roles: [r] }\n`);
    expect(resolveMember(member("a@x", [manual]), byId).roles).toEqual(["r"]);
  });

  it("names the matcher kinds when a group block names two", () => {
    const errors = errorsOf(`${BASE}mappings:\n  - { group: { manual: A, id: b }, roles: [r] }\n`);
    expect(errors.find((issue) => issue.code === "invalid_matcher")?.message).toMatch(/`id`, `externalId`, `displayName` or `manual`/);
  });
});
