import { NO_ACCESS, judgeGrant, reachOf, resolveMember } from "../../mapping";
import type { EffectivePermissions, GrantChange, GroupRef, Mapping } from "../../mapping";
import { NO_AREAS, mappingFrom, permissionsAs } from "./helpers";

const none = NO_AREAS;
const as = permissionsAs;
const PRIMARY = as("primary_owner");
const OWNER = as("owner");
const ROLE_EDITOR = as("custom", { identity_access: "manage" });
const PEOPLE = as("custom", { user_management: "manage" });
const ADMIN = as("admin", { user_management: "manage", identity_access: "manage" });

const MAPPING: Mapping = mappingFrom(`version: 1
primaryOwner: ceo@x
roles:
  beta: { capabilities: [web_search] }
  finance: { admin: { billing: manage } }
mappings:
  - { id: vault, group: { manual: Vault }, orgRole: owner }
  - { id: beta, group: { manual: Beta }, roles: [beta] }
  - { id: billing, group: { manual: Billing }, roles: [finance] }
`);
const manual = (displayName: string): GroupRef => ({ id: `id-${displayName}`, displayName, externalId: null, source: "manual" });
const joining = (displayName: string): GrantChange => {
  const group = manual(displayName);
  const member = (groups: GroupRef[]) => resolveMember({ id: "m", userName: "m@x", active: true, groups, appRoles: [] }, MAPPING);
  return { kind: "group_members", mapping: MAPPING, group, members: [{ userName: "m@x", before: member([]), after: member([group]) }] };
};
const ruleOf = (actor: EffectivePermissions, change: GrantChange): string | null => {
  const decision = judgeGrant(actor, change);
  return decision.allowed ? null : decision.rule;
};

describe("the grant: what each level may give and take", () => {
  it("reaches everything for the Primary Owner, all but primary ownership for Owners, custom roles for custom Identity & Access managers, features for User Management managers", () => {
    expect([PRIMARY, OWNER, ROLE_EDITOR, PEOPLE, ADMIN, as("user"), NO_ACCESS].map(reachOf)).toEqual(["primary", "standard", "custom_roles", "features", "features", "nothing", "nothing"]);
  });

  it("judges who joins a manual group by what its rules give: owner, Owners only; an admin area, Identity & Access too; features alone, User Management too", () => {
    expect([PRIMARY, OWNER, ROLE_EDITOR, PEOPLE].map((actor) => ruleOf(actor, joining("Vault")))).toEqual([null, null, "owner_required", "owner_required"]);
    expect([OWNER, ROLE_EDITOR, PEOPLE].map((actor) => ruleOf(actor, joining("Billing")))).toEqual([null, null, "identity_access_manage_required"]);
    expect([OWNER, ROLE_EDITOR, PEOPLE, as("user")].map((actor) => ruleOf(actor, joining("Beta")))).toEqual([null, null, null, "user_management_manage_required"]);
  });

  it("judges a removal like a gain, and names the rule that gives what is beyond the actor", () => {
    const join = joining("Vault");
    if (join.kind !== "group_members") throw new Error("a membership change");
    const leave: GrantChange = { ...join, members: join.members.map((m) => ({ ...m, before: m.after, after: m.before })) };
    const decision = judgeGrant(ROLE_EDITOR, leave);
    expect(decision).toMatchObject({ allowed: false, rule: "owner_required", refused: ["rule vault (manual group 'Vault': orgRole owner)"] });
  });

  it("refuses a User Management manager a feature-only membership that moves the member's admin areas", () => {
    const group = manual("Beta");
    const before = { ...as("user"), admin: { ...none, billing: "view" as const } };
    const after = { ...as("custom"), capabilities: ["web_search"], roles: ["beta"] };
    expect(ruleOf(PEOPLE, { kind: "group_members", mapping: MAPPING, group, members: [{ userName: "m@x", before, after }] })).toBe("identity_access_manage_required");
  });

  it("judges creating, renaming and deleting a manual group as giving and taking what rules naming it give, case-insensitively", () => {
    const create = (name: string): GrantChange => ({ kind: "manual_group", op: "create", mapping: MAPPING, before: null, after: manual(name), members: [] });
    expect(ruleOf(ROLE_EDITOR, create("vault"))).toBe("owner_required");
    expect(ruleOf(ROLE_EDITOR, create("Scratch"))).toBeNull();
    expect(ruleOf(OWNER, create("Vault"))).toBeNull();
    expect(ruleOf(ROLE_EDITOR, { kind: "manual_group", op: "rename", mapping: MAPPING, before: manual("Scratch"), after: manual("Vault"), members: [] })).toBe("owner_required");
    expect(ruleOf(ROLE_EDITOR, { kind: "manual_group", op: "delete", mapping: MAPPING, before: manual("Vault"), after: null, members: [] })).toBe("owner_required");
    expect(ruleOf(PEOPLE, create("Beta"))).toBe("identity_access_manage_required");
  });

  it("lets only Owners create or rotate SCIM tokens and change sign-in settings; Identity & Access managers may revoke", () => {
    for (const op of ["create", "rotate"] as const) expect([OWNER, ROLE_EDITOR, ADMIN].map((actor) => ruleOf(actor, { kind: "scim_token", op }))).toEqual([null, "owner_required", "owner_required"]);
    expect([OWNER, ROLE_EDITOR, PEOPLE].map((actor) => ruleOf(actor, { kind: "scim_token", op: "revoke" }))).toEqual([null, null, "identity_access_manage_required"]);
    expect([PRIMARY, OWNER, ROLE_EDITOR].map((actor) => ruleOf(actor, { kind: "sign_in_settings" }))).toEqual([null, null, "owner_required"]);
  });

  it("passes primary ownership only from the Primary Owner, and only to an active member", () => {
    const after = { ...MAPPING, primaryOwner: "a@x" };
    expect(ruleOf(OWNER, { kind: "mapping", before: MAPPING, after, successor: "active_member" })).toBe("primary_owner_required");
    expect(ruleOf(PRIMARY, { kind: "mapping", before: MAPPING, after, successor: "not_a_member" })).toBe("primary_owner_not_member");
    expect(ruleOf(PRIMARY, { kind: "mapping", before: MAPPING, after, successor: "active_member" })).toBeNull();
    expect(ruleOf(ROLE_EDITOR, { kind: "mapping", before: MAPPING, after: { ...MAPPING, primaryOwner: "CEO@x" }, successor: "not_a_member" })).toBeNull();
  });

  it("lets a User Management manager suspend only members whose every right is within their grant", () => {
    const status = (before: EffectivePermissions): GrantChange => ({ kind: "member_status", member: { userName: "m@x", before, after: NO_ACCESS } });
    expect(ruleOf(PEOPLE, status({ ...as("custom"), capabilities: ["web_search"] }))).toBeNull();
    expect(ruleOf(PEOPLE, status(as("custom", { billing: "view" })))).toBe("identity_access_manage_required");
    expect(ruleOf(PEOPLE, status(as("admin")))).toBe("owner_required");
    expect(ruleOf(OWNER, status(PRIMARY))).toBe("primary_owner_required");
  });
});
