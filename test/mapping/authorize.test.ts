import fc from "fast-check";
import {
  AREAS, type AskedName, type AuthorizeQuestion, BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, type EffectivePermissions, LEVELS, ORG_ROLES, decide, levelRank, nameToConfirm,
  resolveMember,
} from "../../mapping";
import { CONNECTORS, FEATURES, areaLevels, mappingArb, memberArb, platformArb } from "./arbitraries";

const RUNS = { numRuns: 300 };

const names = (builtin: readonly string[], own: readonly string[]) => fc.constantFrom(...builtin, ...own, "web_serch", "sharepoynt", "nothing_like_it");
const sortedUnique = (arb: fc.Arbitrary<string[]>) => arb.map((xs) => [...new Set(xs)].sort());

const permissionsArb: fc.Arbitrary<EffectivePermissions> = fc.record({
  orgRole: fc.constantFrom(...ORG_ROLES),
  admin: areaLevels,
  capabilities: sortedUnique(fc.subarray([...BUILTIN_CAPABILITIES, ...FEATURES])),
  connectors: sortedUnique(fc.subarray([...BUILTIN_CONNECTORS, ...CONNECTORS])),
  roles: fc.constant([]),
});

const questionArb: fc.Arbitrary<AuthorizeQuestion> = fc.oneof(
  fc.record({ kind: fc.constant("area" as const), area: fc.constantFrom(...AREAS), level: fc.constantFrom(...LEVELS) }),
  fc.record({ kind: fc.constant("capability" as const), capability: names(BUILTIN_CAPABILITIES, FEATURES) }),
  fc.record({ kind: fc.constant("connector" as const), connector: names(BUILTIN_CONNECTORS, CONNECTORS) }),
);

const memberRef = fc.record({ id: fc.string({ minLength: 1, maxLength: 8 }), userName: fc.string({ minLength: 1, maxLength: 12 }), active: fc.boolean() });
/** A vocabulary: which of the asked names the organisation knows. */
const vocabularyArb = fc.func(fc.boolean());

describe("decide: authorize's answer from a member's effective permissions (property-based)", () => {
  it("allows an area exactly when the level held reaches the level asked, and says what is held", () => {
    fc.assert(
      fc.property(memberRef, permissionsArb, fc.constantFrom(...AREAS), fc.constantFrom(...LEVELS), (member, p, area, level) => {
        const verdict = decide(member, p, { kind: "area", area, level }, () => false);
        expect(verdict).toEqual({ ok: true, answer: { allowed: levelRank(p.admin[area]) >= levelRank(level), member, orgRole: p.orgRole, area, level, granted: p.admin[area] } });
      }),
      RUNS,
    );
  });

  it("allows a capability or connector exactly when the member holds it, whatever the vocabulary says about other names", () => {
    fc.assert(
      fc.property(memberRef, permissionsArb, questionArb, vocabularyArb, (member, p, question, known) => {
        fc.pre(question.kind !== "area");
        const verdict = decide(member, p, question, (asked: AskedName) => known(asked.kind, asked.name));
        const held = question.kind === "capability" ? p.capabilities.includes(question.capability) : question.kind === "connector" && p.connectors.includes(question.connector);
        if (held) expect(verdict).toMatchObject({ ok: true, answer: { allowed: true, member, orgRole: p.orgRole } });
        else if (verdict.ok) expect(verdict.answer.allowed).toBe(false);
      }),
      RUNS,
    );
  });

  it("refuses a name only when it is neither built in, nor held, nor known to the organisation — and then suggests the nearest built-in name", () => {
    fc.assert(
      fc.property(memberRef, permissionsArb, questionArb, vocabularyArb, (member, p, question, known) => {
        const asked = nameToConfirm(p, question);
        const verdict = decide(member, p, question, (name: AskedName) => known(name.kind, name.name));
        const refused = asked !== null && !known(asked.kind, asked.name);
        expect(verdict.ok).toBe(!refused);
        if (!verdict.ok && asked !== null) {
          expect(verdict.refusal.code).toBe(asked.kind === "capability" ? "unknown_capability" : "unknown_connector");
          expect(verdict.refusal.message).toContain(`"${asked.name}"`);
          if (asked.kind === "capability" && asked.name === "web_serch") expect(verdict.refusal.message).toMatch(/did you mean "web_search"\?/);
        }
      }),
      RUNS,
    );
  });

  it("never asks the vocabulary about an area, a built-in name or a name the member holds", () => {
    fc.assert(
      fc.property(permissionsArb, questionArb, (p, question) => {
        const asked = nameToConfirm(p, question);
        if (question.kind === "area") expect(asked).toBeNull();
        if (question.kind === "capability" && ((BUILTIN_CAPABILITIES as readonly string[]).includes(question.capability) || p.capabilities.includes(question.capability))) expect(asked).toBeNull();
        if (question.kind === "connector" && ((BUILTIN_CONNECTORS as readonly string[]).includes(question.connector) || p.connectors.includes(question.connector))) expect(asked).toBeNull();
      }),
      RUNS,
    );
  });

  it("never allows more when a member's area level is lowered", () => {
    fc.assert(
      fc.property(memberRef, permissionsArb, fc.constantFrom(...AREAS), fc.constantFrom(...LEVELS), fc.constantFrom(...LEVELS), (member, p, area, asked, lower) => {
        fc.pre(levelRank(lower) <= levelRank(p.admin[area]));
        const before = decide(member, p, { kind: "area", area, level: asked }, () => true);
        const after = decide(member, { ...p, admin: { ...p.admin, [area]: lower } }, { kind: "area", area, level: asked }, () => true);
        if (before.ok && after.ok && after.answer.allowed) expect(before.answer.allowed).toBe(true);
      }),
      RUNS,
    );
  });

  it("allows an inactive member nothing, as the role mapping resolves them", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, fc.option(platformArb, { nil: undefined }), questionArb, (mapping, input, platform, question) => {
        const p = resolveMember({ ...input, active: false }, mapping, platform);
        const verdict = decide({ id: input.id, userName: input.userName, active: false }, p, question, () => true);
        if (!verdict.ok) return;
        expect(verdict.answer.allowed).toBe(question.kind === "area" && question.level === "none");
      }),
      RUNS,
    );
  });
});
