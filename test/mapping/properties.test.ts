import fc from "fast-check";
import {
  AREAS, NO_ACCESS, batchResolver, diffPermissions, explainMember, hashMapping, levelRank, mappingFromJSON, permissionsEqual, resolveMember,
} from "../../mapping";
import type { Mapping, MemberInput } from "../../mapping";
import { APP_ROLES, GROUPS, PRIMARY_OWNER, mappingArb, memberArb, permutation, platformArb } from "./arbitraries";

const RUNS = { numRuns: 300 };

describe("invariants of resolveMember (property-based)", () => {
  it("never lowers any level or removes any capability or connector when a custom member joins another group", () => {
    // Rules here grant no owner/admin, so the member stays custom after joining.
    fc.assert(
      fc.property(mappingArb([null, "user"]), fc.subarray([...GROUPS]), fc.constantFrom(...GROUPS), fc.option(platformArb, { nil: undefined }), (mapping, groups, extra, platform) => {
        const before = resolveMember({ id: "m", userName: "a@x", active: true, groups, appRoles: [] }, mapping, platform);
        fc.pre(before.orgRole === "custom");
        const after = resolveMember({ id: "m", userName: "a@x", active: true, groups: [...groups, extra], appRoles: [] }, mapping, platform);
        expect(after.orgRole).toBe("custom");
        for (const area of AREAS) expect(levelRank(after.admin[area])).toBeGreaterThanOrEqual(levelRank(before.admin[area]));
        expect(after.capabilities).toEqual(expect.arrayContaining(before.capabilities));
        expect(after.connectors).toEqual(expect.arrayContaining(before.connectors));
        expect(after.roles).toEqual(expect.arrayContaining(before.roles));
      }),
      RUNS,
    );
  });

  it("never lowers anything when a custom member is assigned another app role", () => {
    fc.assert(
      fc.property(mappingArb([null, "user"]), memberArb, fc.constantFrom(...APP_ROLES), fc.option(platformArb, { nil: undefined }), (mapping, member, extra, platform) => {
        const active = { ...member, userName: "a@x", active: true };
        const before = resolveMember(active, mapping, platform);
        fc.pre(before.orgRole === "custom");
        const after = resolveMember({ ...active, appRoles: [...active.appRoles, extra] }, mapping, platform);
        expect(after.orgRole).toBe("custom");
        for (const area of AREAS) expect(levelRank(after.admin[area])).toBeGreaterThanOrEqual(levelRank(before.admin[area]));
        expect(after.capabilities).toEqual(expect.arrayContaining(before.capabilities));
        expect(after.roles).toEqual(expect.arrayContaining(before.roles));
      }),
      RUNS,
    );
  });

  it("grants through an app-role rule exactly what a group rule grants to the members of a group standing for that app role", () => {
    // Rewrites every `appRole: {value: v}` rule as `group: {id: "app-role:v"}` and puts each member in
    // the groups standing for their app roles: both must resolve alike, case-sensitively.
    const asGroups = (mapping: Mapping): Mapping => ({
      ...mapping,
      rules: mapping.rules.map((r) => (r.source.kind === "appRole" ? { ...r, source: { kind: "group", matcher: { kind: "id", value: `app-role:${r.source.value}` } } } : r)),
    });
    const inGroups = (member: MemberInput): MemberInput => ({
      ...member,
      appRoles: [],
      groups: [...member.groups, ...member.appRoles.map((v) => ({ id: `app-role:${v}`, externalId: null, displayName: `app role ${v}` }))],
    });
    fc.assert(
      fc.property(mappingArb(), memberArb, fc.option(platformArb, { nil: undefined }), (mapping, member, platform) => {
        expect(resolveMember(member, mapping, platform)).toEqual(resolveMember(inGroups(member), asGroups(mapping), platform));
      }),
      RUNS,
    );
  });

  it("leaves a member who is not the Primary Owner as user, with the user levels, once every group and app role is removed", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, (mapping, member) => {
        fc.pre(member.userName !== PRIMARY_OWNER && member.active);
        const p = resolveMember({ ...member, groups: [], appRoles: [] }, mapping);
        expect(p).toMatchObject({ orgRole: "user", roles: [], admin: mapping.standardRoles.user });
      }),
      RUNS,
    );
  });

  it("gives every active owner manage in every area, whatever else their groups map to", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, platformArb, (mapping, member, platform) => {
        const ownerRule = { id: "owners", index: mapping.rules.length, source: { kind: "group" as const, matcher: { kind: "id" as const, value: "g-owners" } }, roles: [], orgRole: "owner" as const };
        const withOwnerRule = { ...mapping, rules: [...mapping.rules, ownerRule] };
        const owner = { ...member, active: true, groups: [...member.groups, { id: "g-owners", displayName: "Owners" }] };
        const p = resolveMember(owner, withOwnerRule, platform);
        expect(["owner", "primary_owner"]).toContain(p.orgRole);
        expect(p.roles).toEqual([]);
        for (const area of AREAS) expect(p.admin[area]).toBe("manage");
      }),
      RUNS,
    );
  });

  it("removes what the platform forces off from everyone, and never lets the org switch off what it forces on", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, platformArb, (mapping, member, platform) => {
        const p = resolveMember({ ...member, active: true }, mapping, platform);
        const withoutOrgOff = resolveMember({ ...member, active: true }, { ...mapping, org: { features: {}, connectors: {} } }, platform);
        for (const [kind, overrides] of [["capabilities", platform.features], ["connectors", platform.connectors]] as const) {
          for (const [name, on] of Object.entries(overrides)) {
            if (!on) expect(p[kind]).not.toContain(name);
            // Forced on: the org's own toggle makes no difference to whether the member has it.
            else expect(p[kind].includes(name)).toBe(withoutOrgOff[kind].includes(name) || p.orgRole !== "custom");
          }
        }
      }),
      RUNS,
    );
  });

  it("gives standard-role members what the platform forces on, and custom members only what their roles list", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, platformArb, (mapping, member, platform) => {
        const p = resolveMember({ ...member, active: true }, mapping, platform);
        const listed = new Set(mapping.roles.filter((role) => p.roles.includes(role.name)).flatMap((role) => role.capabilities));
        for (const [name, on] of Object.entries(platform.features)) {
          if (on) expect(p.capabilities.includes(name)).toBe(p.orgRole === "custom" ? listed.has(name) : true);
        }
      }),
      RUNS,
    );
  });

  it("gives an inactive member no access, even with platform overrides forcing things on", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, platformArb, (mapping, member, platform) => {
        expect(resolveMember({ ...member, active: false }, mapping, platform)).toEqual(NO_ACCESS);
      }),
      RUNS,
    );
  });

  it("does not depend on the order of the member's groups or app roles, of the rules, or of the role definitions", () => {
    fc.assert(
      fc.property(
        mappingArb().chain((mapping) => fc.tuple(fc.constant(mapping), permutation(mapping.rules), permutation(mapping.roles))),
        memberArb.chain((member) => fc.tuple(fc.constant(member), permutation(member.groups), permutation(member.appRoles))),
        fc.option(platformArb, { nil: undefined }),
        ([mapping, rules, roles], [member, groups, appRoles], platform) => {
          const reordered = { ...mapping, roles, rules: rules.map((rule, index) => ({ ...rule, index })) };
          expect(resolveMember({ ...member, groups, appRoles }, reordered, platform)).toEqual(resolveMember(member, mapping, platform));
        },
      ),
      RUNS,
    );
  });

  it("matches manual groups only by `id` or `manual`, and the IdP's groups never by `manual`, whatever the names", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, (mapping, member) => {
        for (const match of explainMember(member, mapping).matches) {
          if (match.kind !== "group") continue;
          if (match.group.source === "manual") expect(["id", "manual"]).toContain(match.matchedBy);
          else expect(match.matchedBy).not.toBe("manual");
        }
      }),
      RUNS,
    );
  });

  it("returns sorted, unique lists, and roles only for custom members", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, fc.option(platformArb, { nil: undefined }), (mapping, member, platform) => {
        const p = resolveMember(member, mapping, platform);
        for (const list of [p.capabilities, p.connectors, p.roles]) expect(list).toEqual([...new Set(list)].sort());
        if (p.orgRole !== "custom") expect(p.roles).toEqual([]);
      }),
      RUNS,
    );
  });
});

describe("agreement between the public functions (property-based)", () => {
  it("explainMember carries exactly resolveMember's permissions", () => {
    fc.assert(
      fc.property(mappingArb(), memberArb, fc.option(platformArb, { nil: undefined }), (mapping, member, platform) => {
        const { orgRole, admin, capabilities, connectors, roles } = explainMember(member, mapping, platform);
        expect({ orgRole, admin, capabilities, connectors, roles }).toEqual(resolveMember(member, mapping, platform));
      }),
      RUNS,
    );
  });

  it("diffPermissions reports a change exactly when permissionsEqual says they differ", () => {
    fc.assert(
      fc.property(mappingArb(), mappingArb(), memberArb, (a, b, member) => {
        const before = resolveMember(member, a);
        const after = resolveMember(member, b);
        expect(diffPermissions(before, after).changed).toBe(!permissionsEqual(before, after));
      }),
      RUNS,
    );
  });

  it("mappingFromJSON restores any mapping stored as JSON, with the same hash", () => {
    fc.assert(
      fc.property(mappingArb(), (mapping) => {
        const restored = mappingFromJSON(JSON.parse(JSON.stringify(mapping)));
        expect(restored).toEqual(mapping);
        expect(hashMapping(restored)).toBe(hashMapping(mapping));
      }),
      { numRuns: 100 },
    );
  });

  it("resolves a batch of members exactly as one at a time, whatever members share groups or app roles", () => {
    fc.assert(
      fc.property(mappingArb(), fc.array(memberArb, { maxLength: 12 }), fc.option(platformArb, { nil: undefined }), (mapping, members, platform) => {
        const resolve = batchResolver(mapping, platform);
        for (const member of [...members, ...members]) expect(resolve(member)).toEqual(resolveMember(member, mapping, platform));
      }),
      RUNS,
    );
  });
});
