/** fast-check generators over a small universe, so random groups (IdP and manual), app roles, roles and rules actually meet. */
import fc from "fast-check";
import { AREAS } from "../../mapping";
import type {
  AreaLevels, GroupMatcher, GroupRef, Level, Mapping, MappingRule, MemberInput, PlatformOverrides, RoleDefinition, RuleSource, StandardOrgRole,
} from "../../mapping";

export const ROLE_NAMES = ["r0", "r1", "r2", "r3"] as const;
export const FEATURES = ["f0", "f1", "f2", "f3"] as const;
export const CONNECTORS = ["k0", "k1", "k2"] as const;
export const PRIMARY_OWNER = "ceo@x";
const IDP_GROUPS: readonly GroupRef[] = [0, 1, 2, 3, 4, 5].map((i) => ({
  id: `g${i}`,
  externalId: i % 2 === 0 ? `ext${i}` : null,
  displayName: `Group ${i}`,
}));
/** Groups created in the admin API; one has an IdP group's name, which must never make either answer the other's rules. */
const MANUAL_GROUPS: readonly GroupRef[] = [
  { id: "m0", externalId: null, displayName: "Group 1", source: "manual" },
  { id: "m1", externalId: null, displayName: "Contractors", source: "manual" },
];
export const GROUPS: readonly GroupRef[] = [...IDP_GROUPS, ...MANUAL_GROUPS];
/** Entra app-role values; two differ only in case, which must never match each other. */
export const APP_ROLES = ["BillingAdmins", "billingadmins", "Auditors", "Admin"] as const;

const level: fc.Arbitrary<Level> = fc.constantFrom("none", "view", "manage");
export const areaLevels: fc.Arbitrary<AreaLevels> = fc.tuple(...AREAS.map(() => level)).map(
  (levels) => Object.fromEntries(AREAS.map((area, i) => [area, levels[i] ?? "none"])) as AreaLevels,
);
const sorted = (values: readonly string[]): string[] => [...values].sort();
const toggles = (names: readonly string[]): fc.Arbitrary<Record<string, boolean>> => fc.dictionary(fc.constantFrom(...names), fc.boolean());

/** A role sometimes has a display name (absent, not null, when it has none). */
const role = (name: string): fc.Arbitrary<RoleDefinition> =>
  fc.record(
    {
      name: fc.constant(name),
      displayName: fc.constantFrom("Finance approvers", "Équipe RH: opérations", "IT: read only"),
      description: fc.constant(null),
      admin: areaLevels,
      capabilities: fc.subarray([...FEATURES]).map(sorted),
      connectors: fc.subarray([...CONNECTORS]).map(sorted),
    },
    { requiredKeys: ["name", "description", "admin", "capabilities", "connectors"] },
  );

/**
 * Matchers that sometimes hit a group (in any of the four ways) and sometimes miss: a name matcher
 * picks any group's name, so `displayName` rules meet manual groups' names and `manual` rules meet
 * IdP groups' names, and must not match them.
 */
const matcher: fc.Arbitrary<GroupMatcher> = fc
  .tuple(fc.constantFrom(...GROUPS), fc.constantFrom("id", "externalId", "displayName", "manual"), fc.boolean())
  .map(([group, kind, shout]): GroupMatcher => {
    if (kind === "id") return { kind, value: group.id };
    if (kind === "externalId") return { kind, value: group.externalId ?? "ext-none" };
    return { kind, value: shout ? group.displayName.toUpperCase() : group.displayName };
  });

/** Sources that sometimes reach the member through a group, sometimes through an app role, sometimes nothing. */
const source: fc.Arbitrary<RuleSource> = fc.oneof(
  { weight: 2, arbitrary: matcher.map((m): RuleSource => ({ kind: "group", matcher: m })) },
  { weight: 1, arbitrary: fc.constantFrom(...APP_ROLES, "NoSuchRole").map((value): RuleSource => ({ kind: "appRole", value })) },
);

const rule = (orgRoles: ReadonlyArray<StandardOrgRole | null>): fc.Arbitrary<Omit<MappingRule, "index" | "id">> =>
  fc.record({ source, roles: fc.subarray([...ROLE_NAMES]).map(sorted), orgRole: fc.constantFrom(...orgRoles) });

export function mappingArb(orgRoles: ReadonlyArray<StandardOrgRole | null> = [null, null, "owner", "admin", "user"]): fc.Arbitrary<Mapping> {
  return fc
    .record({
      roles: fc.tuple(...ROLE_NAMES.map(role)),
      rules: fc.array(rule(orgRoles), { maxLength: 8 }),
      features: toggles(FEATURES),
      connectors: toggles(CONNECTORS),
      admin: areaLevels,
      user: areaLevels,
    })
    .map(({ roles, rules, features, connectors, admin, user }) => ({
      version: 1,
      primaryOwner: PRIMARY_OWNER,
      org: { features, connectors },
      standardRoles: { admin, user },
      roles: [...roles],
      rules: rules.map((r, index) => ({ ...r, id: `rule-${index}`, index })),
    }));
}

export const memberArb: fc.Arbitrary<MemberInput> = fc.record({
  id: fc.constant("m1"),
  userName: fc.constantFrom(PRIMARY_OWNER, "a@x", "b@x"),
  active: fc.boolean(),
  groups: fc.subarray([...GROUPS]),
  appRoles: fc.subarray([...APP_ROLES]),
});

export const platformArb: fc.Arbitrary<PlatformOverrides> = fc.record({ features: toggles(FEATURES), connectors: toggles(CONNECTORS) });

/** A permutation of `items`. */
export const permutation = <T>(items: readonly T[]): fc.Arbitrary<T[]> =>
  fc.shuffledSubarray([...items], { minLength: items.length, maxLength: items.length });
