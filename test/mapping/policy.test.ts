import fc from "fast-check";
import { ADMIN_ACTIONS, AREAS, NO_ACCESS, allowedActions, judgeAction } from "../../mapping";
import type { AdminAction, AreaLevels, EffectivePermissions, Level, OrgRole } from "../../mapping";
import { areaLevels } from "./arbitraries";
import { permissionsAs } from "./helpers";

const as = permissionsAs;
const allowedFor = (p: EffectivePermissions): AdminAction[] => ADMIN_ACTIONS.filter((action) => allowedActions(p)[action]);

describe("who may administer roles", () => {
  it("lets the Primary Owner do everything a member can, the transfer included", () => {
    expect(allowedFor(as("primary_owner"))).toEqual(ADMIN_ACTIONS.filter((a) => a !== "change_platform_overrides"));
  });

  it("lets an owner do everything but the transfer", () => {
    expect(allowedFor(as("owner"))).toEqual([
      "read_roles", "edit_custom_roles", "edit_manual_groups", "edit_group_members", "edit_standard_roles", "toggle_org", "list_members", "manage_members", "manage_scim_tokens", "create_scim_tokens", "change_sign_in_settings",
      "read_privacy", "manage_privacy", "read_analytics", "configure_analytics",
    ]);
  });

  it("lets privacy view read the privacy settings, and privacy manage also change retention, export and erase — nothing of roles", () => {
    expect(allowedFor(as("custom", { privacy: "view" }))).toEqual(["read_privacy"]);
    expect(allowedFor(as("custom", { privacy: "manage" }))).toEqual(["read_privacy", "manage_privacy"]);
    expect(allowedFor(as("admin", { privacy: "manage" }))).toEqual(["read_privacy", "manage_privacy"]);
    expect(judgeAction(as("custom", { privacy: "view" }), "manage_privacy")).toMatchObject({ allowed: false, rule: "privacy_manage_required" });
    expect(judgeAction(as("custom", { identity_access: "manage" }), "read_privacy")).toMatchObject({ allowed: false, rule: "privacy_view_required" });
  });

  it("lets analytics view read analytics and analytics manage also change what is collected, and nothing else", () => {
    expect(allowedFor(as("custom", { analytics: "view" }))).toEqual(["read_analytics"]);
    expect(allowedFor(as("admin", { analytics: "manage" }))).toEqual(["read_analytics", "configure_analytics"]);
    expect(judgeAction(as("custom", { analytics: "view" }), "configure_analytics")).toMatchObject({ allowed: false, rule: "analytics_manage_required" });
    expect(judgeAction(as("user"), "read_analytics")).toMatchObject({ allowed: false, rule: "analytics_view_required" });
  });

  it("lets a custom member with identity_access manage edit custom roles and manual groups and revoke SCIM tokens, and nothing owners keep (creating tokens included)", () => {
    expect(allowedFor(as("custom", { identity_access: "manage" }))).toEqual(["read_roles", "edit_custom_roles", "edit_manual_groups", "edit_group_members", "list_members", "manage_members", "manage_scim_tokens"]);
  });

  it("lets identity_access view read and list, nothing more", () => {
    expect(allowedFor(as("custom", { identity_access: "view" }))).toEqual(["read_roles", "list_members"]);
    expect(allowedFor(as("admin", { identity_access: "view" }))).toEqual(["read_roles", "list_members"]);
  });

  it("does not let an admin whose standard levels give identity_access manage edit roles", () => {
    expect(allowedFor(as("admin", { identity_access: "manage" }))).toEqual(["read_roles", "list_members"]);
  });

  it("lets user_management view list members, and manage also try group memberships and members' standing (which the grant then judges)", () => {
    expect(allowedFor(as("admin", { user_management: "manage" }))).toEqual(["edit_group_members", "list_members", "manage_members"]);
    expect(allowedFor(as("custom", { user_management: "view" }))).toEqual(["list_members"]);
  });

  it("lets a plain member or a deactivated one do nothing", () => {
    expect(allowedFor(as("user"))).toEqual([]);
    expect(allowedFor(NO_ACCESS)).toEqual([]);
  });

  it("never lets anyone change platform overrides", () => {
    expect(judgeAction(as("primary_owner"), "change_platform_overrides")).toEqual({ allowed: false, rule: "operator_only", message: expect.stringMatching(/operator/) });
  });

  it("names the rule behind each refusal", () => {
    const viewer = as("custom", { identity_access: "view" });
    expect(judgeAction(viewer, "edit_custom_roles")).toMatchObject({ allowed: false, rule: "identity_access_manage_required" });
    expect(judgeAction(viewer, "toggle_org")).toMatchObject({ allowed: false, rule: "owner_required" });
    expect(judgeAction(as("owner"), "transfer_primary_owner")).toMatchObject({ allowed: false, rule: "primary_owner_required" });
    expect(judgeAction(as("user"), "read_roles")).toMatchObject({ allowed: false, rule: "identity_access_view_required" });
    expect(judgeAction(as("user"), "list_members")).toMatchObject({ allowed: false, rule: "user_management_view_required" });
  });

  it("is monotone: raising any level never takes an action away (property-based)", () => {
    const orgRole = fc.constantFrom<OrgRole>("user", "custom", "admin", "owner", "primary_owner");
    const rank: Record<Level, number> = { none: 0, view: 1, manage: 2 };
    fc.assert(
      fc.property(orgRole, areaLevels, areaLevels, (role, a, b) => {
        const higher = Object.fromEntries(AREAS.map((area) => [area, rank[a[area]] >= rank[b[area]] ? a[area] : b[area]])) as AreaLevels;
        const lower = allowedActions({ ...as(role), admin: a });
        const raised = allowedActions({ ...as(role), admin: higher });
        for (const action of ADMIN_ACTIONS) if (lower[action]) expect(raised[action]).toBe(true);
      }),
    );
  });

  it("grants every editing action only to those who may read (property-based)", () => {
    fc.assert(
      fc.property(fc.constantFrom<OrgRole>("user", "custom", "admin", "owner", "primary_owner"), areaLevels, (role, admin) => {
        const allowed = allowedActions({ ...as(role), admin });
        const edits: AdminAction[] = ["edit_custom_roles", "edit_manual_groups", "edit_standard_roles", "toggle_org", "transfer_primary_owner", "manage_scim_tokens"];
        for (const action of edits) if (allowed[action]) expect(allowed.read_roles && allowed.list_members).toBe(true);
      }),
    );
  });
});
