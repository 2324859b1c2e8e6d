import { NO_ACCESS, canEditRoles, resolveMember } from "../../mapping";
import type { AreaLevels, EffectivePermissions, OrgRole } from "../../mapping";
import { FINANCE, IT_ADMINS, SECURITY, example, group, mappingFrom, member } from "./helpers";

const ALL_MANAGE: AreaLevels = { identity_access: "manage", billing: "manage", analytics: "manage", privacy: "manage", user_management: "manage", libraries: "manage" };
const ALL_NONE: AreaLevels = { identity_access: "none", billing: "none", analytics: "none", privacy: "none", user_management: "none", libraries: "none" };

describe("org role", () => {
  it("makes the member named by primaryOwner the Primary Owner, case-insensitively and without groups", () => {
    const p = resolveMember(member("CEO@Example.com", []), example());
    expect(p.orgRole).toBe("primary_owner");
    expect(p.admin).toEqual(ALL_MANAGE);
  });

  it("lets the highest standard role across groups win", () => {
    const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
mappings:
  - { group: { id: g-owner }, orgRole: owner }
  - { group: { id: g-admin }, orgRole: admin }
  - { group: { id: g-user }, orgRole: user }
`);
    const groups = [group("g-user", "Users"), group("g-admin", "Admins"), group("g-owner", "Owners")];
    expect(resolveMember(member("a@x", groups), mapping).orgRole).toBe("owner");
    expect(resolveMember(member("a@x", groups.slice(0, 2)), mapping).orgRole).toBe("admin");
    expect(resolveMember(member("a@x", groups.slice(0, 1)), mapping).orgRole).toBe("user");
  });

  it("makes a member with custom roles and no standard role custom", () => {
    const p = resolveMember(member("fin@x", [FINANCE]), example());
    expect(p).toEqual({
      orgRole: "custom",
      admin: { ...ALL_NONE, billing: "manage", analytics: "view" },
      capabilities: ["web_search"],
      connectors: ["google_drive"],
      roles: ["finance"],
    });
  });

  it("does not let an explicit orgRole user block custom roles, because user is the floor", () => {
    const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles: { r: { admin: { billing: view } } }
mappings:
  - { group: { id: g }, orgRole: user, roles: [r] }
`);
    const p = resolveMember(member("a@x", [group("g", "G")]), mapping);
    expect(p.orgRole).toBe("custom");
    expect(p.roles).toEqual(["r"]);
  });

  it("leaves a member whose groups match nothing as user with the user levels", () => {
    const p = resolveMember(member("a@x", [group("g-other", "Other")]), example());
    expect(p).toEqual({ orgRole: "user", admin: ALL_NONE, capabilities: ["claude_code", "web_search"], connectors: ["google_drive", "jira"], roles: [] });
  });
});

describe("rule matching", () => {
  const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
mappings:
  - { group: { id: G-1 }, orgRole: admin }
  - { group: { externalId: Ext-1 }, orgRole: admin }
  - { group: { displayName: "IT Admins" }, orgRole: admin }
`);
  const roleOf = (g: ReturnType<typeof group>): string => resolveMember(member("a@x", [g]), mapping).orgRole;

  it("matches id exactly", () => {
    expect(roleOf(group("G-1", "x"))).toBe("admin");
    expect(roleOf(group("g-1", "x"))).toBe("user");
  });

  it("matches externalId exactly, case included", () => {
    expect(roleOf(group("z", "x", "Ext-1"))).toBe("admin");
    expect(roleOf(group("z", "x", "ext-1"))).toBe("user");
  });

  it("matches displayName case-insensitively", () => {
    expect(roleOf(group("z", "it admins"))).toBe("admin");
    expect(roleOf(group("z", "IT Admin"))).toBe("user");
  });

  it("never matches an externalId rule against a group without externalId", () => {
    expect(roleOf({ id: "z", displayName: "x" })).toBe("user");
  });
});

describe("custom roles apply only to custom members", () => {
  it("gives an admin whose groups also map to custom roles only the admin levels and no roles", () => {
    const p = resolveMember(member("a@x", [FINANCE, IT_ADMINS]), example());
    expect(p.orgRole).toBe("admin");
    expect(p.roles).toEqual([]);
    expect(p.admin).toEqual({ ...ALL_NONE, user_management: "manage", analytics: "view" });
  });

  it("gives an owner every area at manage regardless of custom roles", () => {
    const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles: { r: { admin: { billing: view } } }
mappings:
  - { group: { id: g }, orgRole: owner, roles: [r] }
`);
    const p = resolveMember(member("a@x", [group("g", "G")]), mapping);
    expect(p).toMatchObject({ orgRole: "owner", admin: ALL_MANAGE, roles: [] });
  });
});

describe("area levels of custom members", () => {
  it("takes the highest level per area across all roles from all groups", () => {
    const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles:
  a: { admin: { billing: view, privacy: manage } }
  b: { admin: { billing: manage, analytics: view } }
mappings:
  - { group: { id: g1 }, roles: [a] }
  - { group: { id: g2 }, roles: [b] }
`);
    const p = resolveMember(member("m@x", [group("g1", "1"), group("g2", "2")]), mapping);
    expect(p.admin).toEqual({ ...ALL_NONE, billing: "manage", privacy: "manage", analytics: "view" });
    expect(p.roles).toEqual(["a", "b"]);
  });
});

describe("capabilities and connectors", () => {
  const mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
org:
  features: { web_search: on, uploads: off, beta_tool: off }
  connectors: { jira: on }
roles:
  r: { capabilities: [uploads, beta_tool, memory], connectors: [slack] }
mappings:
  - { group: { id: custom }, roles: [r] }
  - { group: { id: admins }, orgRole: admin }
`);
  const custom = member("c@x", [group("custom", "C")]);
  const admin = member("a@x", [group("admins", "A")]);
  const plainUser = member("u@x", []);

  it("gives a custom member the union of its roles' lists, not what the org has on", () => {
    expect(resolveMember(custom, mapping).capabilities).toEqual(["memory"]);
    expect(resolveMember(custom, mapping).connectors).toEqual(["slack"]);
  });

  it("switches off for a custom member what the org switches off, even if a role lists it", () => {
    expect(resolveMember(custom, mapping).capabilities).not.toContain("uploads");
  });

  it("grants a custom member what its role lists and the org does not mention", () => {
    expect(resolveMember(custom, mapping).capabilities).toContain("memory");
  });

  it("gives standard roles, user included, everything the org has switched on", () => {
    for (const m of [admin, plainUser, member("ceo@x", [])]) {
      expect(resolveMember(m, mapping)).toMatchObject({ capabilities: ["web_search"], connectors: ["jira"] });
    }
  });

  it("keeps a feature the platform forces on out of the org's reach: standard roles get it although the org switched it off", () => {
    const platform = { features: { uploads: true }, connectors: {} };
    for (const m of [admin, plainUser, member("ceo@x", [])]) expect(resolveMember(m, mapping, platform).capabilities).toContain("uploads");
  });

  it("gives a custom member a feature the platform forces on only through their roles", () => {
    const platform = { features: { uploads: true, web_search: true }, connectors: { jira: true } };
    const p = resolveMember(custom, mapping, platform);
    expect(p.capabilities).toContain("uploads");
    expect(p.capabilities).not.toContain("web_search");
    expect(p.connectors).not.toContain("jira");
  });

  it("lets a platform override force a feature off for everyone, beating roles and the org's on", () => {
    const platform = { features: { web_search: false, memory: false }, connectors: { slack: false, jira: false } };
    for (const m of [custom, admin, plainUser]) {
      expect(resolveMember(m, mapping, platform)).toMatchObject({ capabilities: [], connectors: [] });
    }
  });
});

describe("inactive members", () => {
  it("have no access at all, whatever their groups, role or platform overrides", () => {
    const platform = { features: { web_search: true }, connectors: { jira: true } };
    expect(resolveMember(member("ceo@example.com", [FINANCE, SECURITY], false), example(), platform)).toEqual(NO_ACCESS);
    expect(resolveMember(member("fin@x", [FINANCE], false), example())).toEqual(NO_ACCESS);
  });

  it("get their access back on reactivation", () => {
    expect(resolveMember(member("fin@x", [FINANCE], true), example()).roles).toEqual(["finance"]);
  });

  it("share a NO_ACCESS constant that cannot be mutated", () => {
    expect(() => NO_ACCESS.capabilities.push("web_search")).toThrow();
  });
});

describe("canEditRoles", () => {
  const permissions = (orgRole: OrgRole, admin: AreaLevels): EffectivePermissions => ({ orgRole, admin, capabilities: [], connectors: [], roles: [] });
  it("allows owners, the Primary Owner and custom members who manage identity_access", () => {
    expect(canEditRoles(permissions("owner", { ...ALL_MANAGE }))).toBe(true);
    expect(canEditRoles(permissions("primary_owner", { ...ALL_MANAGE }))).toBe(true);
    expect(canEditRoles(permissions("custom", { ...ALL_NONE, identity_access: "manage" }))).toBe(true);
  });

  it("refuses custom members who only view identity_access, and admins even with identity_access manage", () => {
    expect(canEditRoles(permissions("custom", { ...ALL_NONE, identity_access: "view" }))).toBe(false);
    expect(canEditRoles(permissions("admin", { ...ALL_NONE, identity_access: "manage" }))).toBe(false);
    expect(canEditRoles(NO_ACCESS)).toBe(false);
  });
});
