import { DEFAULT_SOURCE_LIMITS, MAPPING_LIMITS, closestMatch, parseMapping } from "../../mapping";
import { errorsOf, expectIssue } from "./helpers";
import { MappingParser, parseResultFromJSON } from "../../server/mapping-parser";

/**
 * A mapping file is bounded (MAPPING_MAX_BYTES, MAPPING_MAX_ALIASES) and every step of reading it
 * costs in proportion to its size: these tests check the answers on large and hostile files.
 */
function unusedRoles(count: number): string {
  const lines = ["version: 1", "primaryOwner: ceo@example.com", "roles:"];
  for (let i = 0; i < count; i++) lines.push(`  role${i}:`, "    admin: { billing: view }");
  return `${lines.join("\n")}\n`;
}

function aliasBomb(levels: number): string {
  const lines = ["version: 1", "primaryOwner: ceo@example.com", 'l0: &l0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]'];
  for (let i = 1; i <= levels; i++) lines.push(`l${i}: &l${i} [${Array.from({ length: 9 }, () => `*l${i - 1}`).join(",")}]`);
  return `${lines.join("\n")}\n`;
}

describe("mapping file limits", () => {
  it("refuses a file past MAPPING_MAX_BYTES with one too_large issue, counting UTF-8 bytes", () => {
    const text = `version: 1\nprimaryOwner: ceo@example.com\n# ${"é".repeat(600)}\n`;
    expect(parseMapping(text, "big.yaml", { maxBytes: 1100, maxAliases: 100 })).toEqual({
      ok: false,
      errors: [{ file: "big.yaml", line: 1, column: 1, code: "too_large", message: expect.stringMatching(/1244 bytes; at most 1100/) as unknown }],
    });
    expect(parseMapping(text, "big.yaml", { maxBytes: 1300, maxAliases: 100 }).ok).toBe(true);
  });

  it("answers an alias bomb with a too_large issue instead of throwing", () => {
    const result = parseMapping(aliasBomb(10), "bomb.yaml");
    expect(result).toMatchObject({ ok: false, errors: [{ code: "too_large", message: expect.stringMatching(/alias/) as unknown }] });
  });

  it("still reads a file whose few aliases stay within the limit", () => {
    const text = "version: 1\nprimaryOwner: ceo@example.com\nroles:\n  a: &levels\n    admin: { billing: view }\n  b: *levels\nmappings:\n  - group: { id: g }\n    roles: [a, b]\n";
    expect(parseMapping(text, "ok.yaml", DEFAULT_SOURCE_LIMITS).ok).toBe(true);
  });

  it("locates every one of thousands of warnings at its own line", () => {
    const result = parseMapping(unusedRoles(5000), "roles.yaml");
    if (!result.ok) throw new Error(JSON.stringify(result.errors.slice(0, 3)));
    const unused = result.warnings.filter((w) => w.code === "unused_role");
    expect(unused).toHaveLength(5000);
    // role{i} is declared on line 4 + 2i, its key at column 3.
    expect(unused.every((w, i) => w.line === 4 + 2 * i && w.column === 3)).toBe(true);
  });

  it("reports thousands of undefined roles, the first with a did-you-mean and none with the whole list", () => {
    const lines = ["version: 1", "primaryOwner: ceo@example.com", "roles:"];
    for (let i = 0; i < 3000; i++) lines.push(`  role${i}:`, "    admin: { billing: view }");
    lines.push("mappings:");
    for (let i = 0; i < 3000; i++) lines.push(`  - group: { id: "g${i}" }`, `    roles: [rolx${i}]`);
    const result = parseMapping(`${lines.join("\n")}\n`, "typos.yaml");
    if (result.ok) throw new Error("typos must be refused");
    const undefinedRoles = result.errors.filter((e) => e.code === "undefined_role");
    expect(undefinedRoles).toHaveLength(3000);
    expect(undefinedRoles[0]?.message).toMatch(/Did you mean 'role0'\?/);
    expect(undefinedRoles.every((e) => !e.message.includes("Defined roles:"))).toBe(true);
  });

  it("suggests near names but never compares names far longer than a typo", () => {
    expect(closestMatch("finanse", ["finance", "security"])).toBe("finance");
    const long = "x".repeat(100_000);
    expect(closestMatch(`${long}y`, [long])).toBeNull();
    expect(closestMatch("LONG", ["long"])).toBe("long");
  });
});

/**
 * A plan and a recomputation cost members × what each member's groups grant, so an organisation's
 * mapping is bounded where every mapping is validated (admin API, CLI, files): past a limit, one
 * too_many error at the first item past it.
 */
describe("mapping size limits", () => {
  const header = ["version: 1", "primaryOwner: ceo@example.com"];

  it("refuses more roles than MAPPING_LIMITS.maxRoles at the first role past the limit", () => {
    const lines = [...header, "roles:"];
    for (let i = 0; i <= MAPPING_LIMITS.maxRoles; i++) lines.push(`  role${i}: {}`);
    lines.push("mappings:", `  - group: { id: g }`, `    roles: [role0]`);
    const issues = errorsOf(`${lines.join("\n")}\n`);
    // role{i} is on line 4 + i; the one past the limit is role{maxRoles}.
    expectIssue(issues, "too_many", 4 + MAPPING_LIMITS.maxRoles, 3, new RegExp(`defines ${MAPPING_LIMITS.maxRoles + 1} roles; at most ${MAPPING_LIMITS.maxRoles} .*'role${MAPPING_LIMITS.maxRoles}'`));
    expect(issues.filter((issue) => issue.code === "too_many")).toHaveLength(1);
  });

  it("accepts exactly MAPPING_LIMITS.maxRoles roles", () => {
    const lines = [...header, "roles:"];
    for (let i = 0; i < MAPPING_LIMITS.maxRoles; i++) lines.push(`  role${i}: {}`);
    const result = parseMapping(`${lines.join("\n")}\n`, "roles.yaml");
    expect(result.ok).toBe(true);
  });

  it("refuses more rules than MAPPING_LIMITS.maxRules at the first rule past the limit", () => {
    const lines = [...header, "roles: { a: {} }", "mappings:"];
    for (let i = 0; i <= MAPPING_LIMITS.maxRules; i++) lines.push(`  - { group: { id: "g${i}" }, roles: [a] }`);
    const issues = errorsOf(`${lines.join("\n")}\n`);
    expectIssue(issues, "too_many", 5 + MAPPING_LIMITS.maxRules, 5, new RegExp(`${MAPPING_LIMITS.maxRules + 1} rules; at most ${MAPPING_LIMITS.maxRules}.*mappings\\[${MAPPING_LIMITS.maxRules}\\]`));
  });

  it("refuses more role names in rules than MAPPING_LIMITS.maxRuleRoles, at the first name past it", () => {
    const perRule = 1_000;
    const rules = Math.ceil((MAPPING_LIMITS.maxRuleRoles + 1) / perRule);
    const lines = [...header, "roles: { a: {} }", "mappings:"];
    for (let i = 0; i < rules; i++) lines.push(`  - group: { id: "g${i}" }`, `    roles: [${Array.from({ length: perRule }, () => "a").join(", ")}]`);
    const issues = errorsOf(`${lines.join("\n")}\n`);
    const rule = Math.floor(MAPPING_LIMITS.maxRuleRoles / perRule);
    // mappings[rule].roles is on line 5 + 2 * rule + 1; its first name at column 13.
    expectIssue(issues, "too_many", 5 + 2 * rule + 1, 13, new RegExp(`${rules * perRule} role names in all; at most ${MAPPING_LIMITS.maxRuleRoles}.*mappings\\[${rule}\\]\\.roles\\[0\\]`));
  });

  it("refuses more toggles than MAPPING_LIMITS.maxToggles under org.features", () => {
    const lines = [...header, "org:", "  features:"];
    for (let i = 0; i <= MAPPING_LIMITS.maxToggles; i++) lines.push(`    f${i}: on`);
    const issues = errorsOf(`${lines.join("\n")}\n`);
    expectIssue(issues, "too_many", 5 + MAPPING_LIMITS.maxToggles, 5, /`org.features` names 1001 features; at most 1000/);
  });
});

describe("the server's mapping parser", () => {
  it("gives the same answer from its worker thread as parsing in this thread, decoded", async () => {
    const parser = new MappingParser(DEFAULT_SOURCE_LIMITS);
    try {
      for (const text of [unusedRoles(50), aliasBomb(10), "version: 2\n"]) {
        expect(await parser.parse(text, "roles.yaml")).toEqual(parseMapping(text, "roles.yaml"));
      }
    } finally {
      await parser.close();
    }
  });

  it("refuses a worker answer that is not a parse result", () => {
    expect(() => parseResultFromJSON({ ok: false, errors: [{ file: "f", line: 1, column: 1, code: "nonsense", message: "m" }] })).toThrow(/malformed issue/);
    expect(() => parseResultFromJSON({ ok: true, hash: "h", mapping: { version: 7 }, warnings: [] })).toThrow();
  });
});
