import { NO_ACCESS, diffPermissions, permissionsEqual, resolveMember } from "../../mapping";
import { FINANCE, IT_ADMINS, example, member } from "./helpers";

describe("diffPermissions", () => {
  const before = resolveMember(member("m@x", [FINANCE]), example());
  const after = resolveMember(member("m@x", [IT_ADMINS]), example());

  it("lists each changed field before → after and nothing unchanged", () => {
    const change = diffPermissions(before, after);
    expect(change.changed).toBe(true);
    expect(change.orgRole).toEqual({ before: "custom", after: "admin" });
    expect(change.admin).toEqual([
      { area: "billing", before: "manage", after: "none" },
      { area: "user_management", before: "none", after: "manage" },
    ]);
    expect(change.capabilities).toEqual({ added: ["claude_code"], removed: [] });
    expect(change.connectors).toEqual({ added: ["jira"], removed: [] });
    expect(change.roles).toEqual({ added: [], removed: ["finance"] });
    expect(change.summary).toEqual([
      "org role: custom → admin",
      "billing: manage → none",
      "user_management: none → manage",
      "capabilities: + claude_code",
      "connectors: + jira",
      "roles: - finance",
    ]);
  });

  it("reports no change between equal permissions", () => {
    expect(diffPermissions(before, { ...before })).toMatchObject({ changed: false, summary: [] });
  });

  it("describes losing everything on deactivation", () => {
    expect(diffPermissions(before, NO_ACCESS).capabilities.removed).toEqual(["web_search"]);
  });
});

describe("permissionsEqual", () => {
  it("is true for equal permissions and false when any field differs", () => {
    const p = resolveMember(member("m@x", [FINANCE]), example());
    expect(permissionsEqual(p, structuredClone(p))).toBe(true);
    expect(permissionsEqual(p, { ...p, orgRole: "user" })).toBe(false);
    expect(permissionsEqual(p, { ...p, admin: { ...p.admin, privacy: "view" } })).toBe(false);
    expect(permissionsEqual(p, { ...p, connectors: [] })).toBe(false);
  });

  it("ignores list order, so permissions read back from storage compare equal", () => {
    const p = { ...NO_ACCESS, capabilities: ["a", "b"] };
    expect(permissionsEqual(p, { ...NO_ACCESS, capabilities: ["b", "a"] })).toBe(true);
  });
});
