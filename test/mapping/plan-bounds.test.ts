import { PLAN_ANSWER_MAX_BYTES, PLAN_LIMITS, type GroupRef, type MemberInput, type PlanPlace, indexGroups, matchingGroups, planMappingChange, rulesByRole, startPlan } from "../../mapping";
import { group, mappingFrom, member } from "./helpers";

/**
 * Any member who may view roles may plan, and a plan reads every member: the plan counts everyone
 * but lists a bounded page of members, a bounded number of warnings and lock-out names, so its
 * answer stays under PLAN_ANSWER_MAX_BYTES whatever the directory.
 */
const EVERYONE = group("g-all", "Everyone", "everyone");
const everyone = (count: number, prefix = "m"): MemberInput[] =>
  Array.from({ length: count }, (_, i) => member(`${prefix}${String(i).padStart(5, "0")}@x`, [EVERYONE]));

/** `roles` roles with names of `nameLength` characters, all given to the Everyone group. */
function manyRoles(roles: number, nameLength = 8, definition = "{ admin: { billing: view }, capabilities: [web_search] }"): string {
  const name = (i: number) => `r${String(i).padStart(nameLength - 1, "0")}`;
  const lines = ["version: 1", "primaryOwner: ceo@x", "roles:"];
  for (let i = 0; i < roles; i++) lines.push(`  ${name(i)}: ${definition}`);
  lines.push("mappings:", `  - group: { externalId: everyone }`, `    roles: [${Array.from({ length: roles }, (_, i) => name(i)).join(", ")}]`);
  return `${lines.join("\n")}\n`;
}

const FINANCE_ROLE = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { finance: { admin: { billing: manage } } }\nmappings:\n  - { group: { externalId: everyone }, roles: [finance] }\n");

describe("a plan's bounds", () => {
  it("counts every member but lists a page of them, in userName order, with where the next page starts", () => {
    const members = everyone(120).reverse();
    const first = planMappingChange({ members, groups: [EVERYONE], before: null, after: FINANCE_ROLE });
    expect(first.changedCount).toBe(120);
    expect(first.effects).toEqual([
      { kind: "orgRole", name: "custom", gained: 120, lost: 0 },
      { kind: "orgRole", name: "user", gained: 0, lost: 120 },
      { kind: "admin", name: "billing", gained: 120, lost: 0 },
      { kind: "role", name: "finance", gained: 120, lost: 0 },
    ]);
    expect(first.changes.map((c) => c.member.userName)).toEqual(everyone(PLAN_LIMITS.defaultMembers).map((m) => m.userName));
    const pages: string[][] = [first.changes.map((c) => c.member.userName)];
    let next: PlanPlace | null = first.next;
    while (next !== null) {
      const page = planMappingChange({ members, groups: [EVERYONE], before: null, after: FINANCE_ROLE }, { limit: 30, after: next });
      expect(page.changedCount).toBe(120);
      pages.push(page.changes.map((c) => c.member.userName));
      next = page.next;
    }
    expect(pages.map((p) => p.length)).toEqual([50, 30, 30, 10]);
    expect(pages.flat()).toEqual(everyone(120).map((m) => m.userName));
  });

  it("never lists more than PLAN_LIMITS.maxMembers members, whatever limit is asked for", () => {
    const plan = planMappingChange({ members: everyone(300), groups: [EVERYONE], before: null, after: FINANCE_ROLE }, { limit: 10_000 });
    expect(plan.changes).toHaveLength(PLAN_LIMITS.maxMembers);
    expect(plan.next).toEqual({ userName: plan.changes.at(-1)?.member.userName, id: plan.changes.at(-1)?.member.id });
  });

  it("stops listing members once their changes reach PLAN_LIMITS.memberBytes, but always lists one", () => {
    const after = mappingFrom(manyRoles(2_000, 40));
    const plan = planMappingChange({ members: everyone(100), groups: [EVERYONE], before: null, after }, { limit: PLAN_LIMITS.maxMembers });
    expect(plan.changedCount).toBe(100);
    expect(plan.changes.length).toBeGreaterThan(0);
    expect(plan.changes.length).toBeLessThan(100);
    expect(Buffer.byteLength(JSON.stringify(plan.changes))).toBeLessThan(PLAN_LIMITS.memberBytes + Buffer.byteLength(JSON.stringify(plan.changes[0])));
    expect(plan.next).not.toBeNull();
    expect(plan.effects).toContainEqual({ kind: "role", name: `r${"1999".padStart(39, "0")}`, gained: 100, lost: 0 });
  });

  // Names of 100 characters (the longest allowed) for as many roles as a file of MAPPING_MAX_BYTES holds.
  it("stays under PLAN_ANSWER_MAX_BYTES for everyone gaining as many roles of the longest names as a mapping holds", () => {
    const text = manyRoles(4_500, 100, "{}");
    expect(Buffer.byteLength(text)).toBeGreaterThan(900_000);
    const after = mappingFrom(text);
    const plan = planMappingChange({ members: everyone(300), groups: [EVERYONE], before: null, after }, { limit: PLAN_LIMITS.maxMembers });
    expect(plan.changes).toHaveLength(1);
    expect(Buffer.byteLength(JSON.stringify(plan))).toBeLessThan(PLAN_ANSWER_MAX_BYTES);
  });

  it("lists at most PLAN_LIMITS.warningsPerCode members losing identity_access manage, then says how many more", () => {
    const before = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { iam: { admin: { identity_access: manage } } }\nmappings:\n  - { group: { externalId: everyone }, roles: [iam] }\n");
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { iam: { admin: { identity_access: view } } }\nmappings:\n  - { group: { externalId: everyone }, roles: [iam] }\n");
    const plan = planMappingChange({ members: [...everyone(250), member("ceo@x", [])], groups: [EVERYONE], before, after });
    const losing = plan.warnings.filter((w) => w.code === "loses_identity_access_manage");
    expect(losing).toHaveLength(PLAN_LIMITS.warningsPerCode);
    expect(losing[0]).toMatchObject({ userName: "m00000@x" });
    expect(plan.warnings).toContainEqual(expect.objectContaining({ code: "more_warnings", of: "loses_identity_access_manage", count: 150 }));
  });

  it("names at most PLAN_LIMITS.lockoutMembers members in a lock-out, and counts them all", () => {
    const before = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { iam: { admin: { identity_access: manage } } }\nmappings:\n  - { group: { externalId: everyone }, roles: [iam] }\n");
    const after = mappingFrom("version: 1\nprimaryOwner: nobody@x\nroles: { iam: { admin: { identity_access: view } } }\nmappings:\n  - { group: { externalId: everyone }, roles: [iam] }\n");
    const plan = planMappingChange({ members: everyone(250), groups: [EVERYONE], before, after });
    expect(plan.lockout?.losingCount).toBe(250);
    expect(plan.lockout?.losing).toHaveLength(PLAN_LIMITS.lockoutMembers);
    expect(plan.lockout?.message).toMatch(/m00009@x and 240 other members would lose the right/);
  });

  it("gives the same plan fed a member at a time as all at once", () => {
    const before = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { a: { admin: { billing: view } } }\nmappings:\n  - { group: { id: g1 }, roles: [a] }\n");
    const after = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { b: { admin: { analytics: view } } }\nmappings:\n  - { group: { id: g2 }, roles: [b] }\n  - { group: { id: g3 }, orgRole: admin }\n");
    const [g1, g2, g3] = [group("g1", "One"), group("g2", "Two"), group("g3", "Three")];
    const members = Array.from({ length: 90 }, (_, i) => member(`u${i}@x`, [[g1], [g2], [g1, g3], []][i % 4] ?? [], i % 7 !== 0));
    const input = { groups: [g1, g2, g3], before, after };
    const planner = startPlan(input, { limit: 20 });
    for (const m of members) planner.add([m]);
    expect(planner.finish()).toEqual(planMappingChange({ ...input, members }, { limit: 20 }));
  });

  it("finds a rule's groups through the index exactly as matching every group does, and each role's rules in rule order", () => {
    const groups: GroupRef[] = [
      group("g1", "Sales", "ext-1"),
      group("g2", "SALES", null),
      { id: "g3", displayName: "Sales", externalId: null, source: "manual" },
      group("g4", "Ops", "ext-4"),
      group("ext-1", "Other", "g1"),
    ];
    const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles: { a: {}, b: {} }
mappings:
  - { group: { id: g1 }, roles: [a] }
  - { group: { id: g3 }, roles: [b, a, a] }
  - { group: { externalId: ext-1 }, roles: [b] }
  - { group: { displayName: sales }, roles: [a] }
  - { group: { manual: SALES }, roles: [b] }
  - { group: { externalId: g1 }, roles: [a] }
  - { group: { displayName: nobody }, roles: [a] }
  - { appRole: { value: Sales }, roles: [b] }
`);
    const index = indexGroups(groups);
    for (const rule of mapping.rules) expect(index.matching(rule)).toEqual(matchingGroups(rule, groups));
    const byRole = rulesByRole(mapping);
    expect(byRole.get("a")?.map((rule) => rule.index)).toEqual([0, 1, 3, 5, 6]);
    expect(byRole.get("b")?.map((rule) => rule.index)).toEqual([1, 2, 4, 7]);
  });
});
