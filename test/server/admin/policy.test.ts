import request from "supertest";
import { type MemberKey, errorOf, expectError, adminWorldPerTest } from "./support";

/**
 * Each row of the product's table of who may administer roles, allowed and refused, through the
 * admin API with tokens from a real sign-in. Refusals are 403 with the rule's code.
 */
describe("who may administer roles", () => {
  const w = adminWorldPerTest();

  const READERS: MemberKey[] = ["primaryOwner", "owner", "roleEditor", "roleReader"];

  it("lets owners, the Primary Owner and identity_access view or manage read roles, rules, groups, versions, plans and explanations; no one else", async () => {
    const reads = ["/mapping", "/roles", "/groups", "/mapping/versions", "/mapping/versions/1", `/audit`, "/actions"];
    for (const member of READERS) {
      for (const path of reads) expect([member, path, (await w.as(member).get(path)).status]).toEqual([member, path, 200]);
      expect((await w.as(member).post("/mapping/plan", { change: { kind: "delete_role", name: "finance" } })).status).toBe(200);
      expect((await w.as(member).get(`/members/${w.ids.finance}`)).body).toMatchObject({ explanation: { roles: ["finance"] } });
    }
    for (const member of ["plain", "finance", "peopleManager"] as const) {
      for (const path of reads) expectError(await w.as(member).get(path), 403, "identity_access_view_required");
      expectError(await w.as(member).post("/mapping/plan", { change: { kind: "delete_role", name: "finance" } }), 403, "identity_access_view_required");
    }
    // A people manager sees a member's permissions, but not the explanation behind them.
    expect((await w.as("peopleManager").get(`/members/${w.ids.finance}`)).body).toMatchObject({ permissions: { roles: ["finance"] }, explanation: null });
  });

  it("lets owners, the Primary Owner and custom identity_access managers edit custom roles, the rules giving them and manual groups; refuses readers", async () => {
    const reader = w.as("roleReader");
    expectError(await reader.put("/roles/auditor", { admin: { analytics: "view" } }, await reader.etag()), 403, "identity_access_manage_required");
    expectError(await reader.post("/rules", { group: { externalId: "g-people" }, roles: ["finance"] }, await reader.etag()), 403, "identity_access_manage_required");
    expectError(await reader.delete("/rules/finance", await reader.etag()), 403, "identity_access_manage_required");
    expectError(await reader.delete("/roles/finance", await reader.etag()), 403, "identity_access_manage_required");
    expectError(await reader.post("/groups", { displayName: "Contractors" }), 403, "identity_access_manage_required");
    const group = (await w.as("roleEditor").post("/groups", { displayName: "Contractors" })).body as { id: string };
    expectError(await reader.put(`/groups/${group.id}/members/${w.ids.plain}`, {}), 403, "user_management_manage_required");

    for (const [i, member] of (["primaryOwner", "owner", "roleEditor"] as const).entries()) {
      const client = w.as(member);
      const role = `auditor-${i}`;
      expect((await client.put(`/roles/${role}`, { admin: { analytics: "view" } }, await client.etag())).status).toBe(200);
      const rule = await client.post("/rules", { group: { manual: "Contractors" }, roles: [role] }, await client.etag());
      expect(rule.status).toBe(201);
      expect((await client.put(`/groups/${group.id}/members/${w.ids[member === "roleEditor" ? "plain" : "finance"]}`, {})).status).toBe(200);
      expect((await client.delete(`/rules/${(rule.body as { rule: { id: string } }).rule.id}`, await client.etag())).status).toBe(200);
      expect((await client.delete(`/roles/${role}`, await client.etag())).status).toBe(200);
    }
  });

  it("lets only owners and the Primary Owner change rules giving owner or admin, the standard roles' levels and the org's toggles", async () => {
    const editor = w.as("roleEditor");
    expectError(await editor.post("/rules", { group: { externalId: "g-people" }, orgRole: "admin" }, await editor.etag()), 403, "owner_required");
    expectError(await editor.delete("/rules/owners", await editor.etag()), 403, "owner_required");
    expectError(await editor.put("/standard-roles/admin", { billing: "view" }, await editor.etag()), 403, "owner_required");
    expectError(await editor.put("/org", { features: { web_search: "off" } }, await editor.etag()), 403, "owner_required");

    for (const member of ["owner", "primaryOwner"] as const) {
      const client = w.as(member);
      const added = await client.post("/rules", { id: `admins-${member}`, group: { externalId: "g-people" }, orgRole: "admin" }, await client.etag());
      expect(added.status).toBe(201);
      expect((await client.put("/standard-roles/admin", { billing: member === "owner" ? "view" : "manage" }, await client.etag())).status).toBe(200);
      expect((await client.put("/org", { features: { web_search: member === "owner" ? "off" : "on" } }, await client.etag())).status).toBe(200);
      expect((await client.delete(`/rules/admins-${member}`, await client.etag())).status).toBe(200);
    }
  });

  it("lets only the Primary Owner transfer primary ownership", async () => {
    const owner = w.as("owner");
    const refused = await owner.put("/primary-owner", { userName: "owner@example.com" }, await owner.etag());
    expectError(refused, 403, "primary_owner_required");
    const po = w.as("primaryOwner");
    const done = await po.put("/primary-owner", { userName: "owner@example.com" }, await po.etag());
    expect(done.status).toBe(200);
    expect((await w.as("owner").get("/me")).body).toMatchObject({ permissions: { orgRole: "primary_owner" }, may: { transfer_primary_owner: true } });
    expect((await w.as("primaryOwner").get("/me")).body).toMatchObject({ permissions: { orgRole: "user" } });
  });

  it("lets role readers and user_management viewers list members; no one else", async () => {
    for (const member of [...READERS, "peopleManager"] as const) {
      const res = await w.as(member).get("/members?orgRole=custom");
      expect([member, res.status]).toEqual([member, 200]);
      expect((res.body as { members: { userName: string }[] }).members.map((m) => m.userName)).toEqual(["fin@example.com", "hr@example.com", "iam@example.com", "viewer@example.com"]);
    }
    for (const member of ["plain", "finance"] as const) expectError(await w.as(member).get("/members"), 403, "user_management_view_required");
  });

  it("refuses a role editor who changes a role and a toggle, naming the toggle, and applies nothing", async () => {
    const editor = w.as("roleEditor");
    const current = (await editor.get("/mapping")).body as { version: number; document: { roles: Record<string, { description?: string }>; org: { features: Record<string, string> } } };
    const document = structuredClone(current.document);
    document.roles["finance"] = { ...document.roles["finance"], description: "Invoices" };
    document.org.features["file_uploads"] = "on";
    const res = await editor.put("/mapping", document, await editor.etag());
    expectError(res, 403, "owner_required");
    expect(errorOf(res).message).toMatch(/org\.features\.file_uploads/);
    expect(errorOf(res).message).not.toMatch(/finance/);
    expect((await editor.get("/mapping")).body).toMatchObject({ version: current.version });
  });

  it("leaves platform overrides to the operator: no member may change them, and a mapping cannot carry them", async () => {
    const po = w.as("primaryOwner");
    expect((await po.get("/me")).body).toMatchObject({ may: { change_platform_overrides: false } });
    const current = (await po.get("/mapping")).body as { document: Record<string, unknown> };
    const res = await po.put("/mapping", { ...current.document, platform: { features: { web_search: "on" } } }, await po.etag());
    expectError(res, 422, "invalid_mapping");
    expect(JSON.stringify(errorOf(res)["issues"])).toMatch(/Unknown key 'platform'/);
  });

  it("lets only owners and the Primary Owner create SCIM tokens; role editors list and revoke them, readers only list them", async () => {
    const reader = w.as("roleReader");
    expectError(await reader.post("/scim-tokens", { label: "okta" }), 403, "owner_required");
    expectError(await w.as("roleEditor").post("/scim-tokens", { label: "okta" }), 403, "owner_required");
    const created = await w.as("owner").post("/scim-tokens", { label: "okta" });
    expect(created.status).toBe(201);
    const { token, id } = created.body as { token: string; id: string };
    expect((await request(w.h.app).get("/scim/v2/Users").set("Authorization", `Bearer ${token}`)).status).toBe(200);
    const listed = (await reader.get("/scim-tokens")).body as { tokens: Array<{ id: string; label: string | null; revokedAt: string | null }> };
    expect(listed.tokens.find((t) => t.id === id)).toMatchObject({ label: "okta", revokedAt: null, expiresAt: null });
    expect(JSON.stringify(listed)).not.toContain(token);
    expectError(await reader.delete(`/scim-tokens/${id}`), 403, "identity_access_manage_required");
    expect((await w.as("roleEditor").delete(`/scim-tokens/${id}`)).status).toBe(204);
    expect((await request(w.h.app).get("/scim/v2/Users").set("Authorization", `Bearer ${token}`)).status).toBe(401);
    expectError(await w.as("owner").delete("/scim-tokens/no-such-token"), 404, "token_not_found");
    expect(((await reader.get("/actions")).body as { entries: Array<{ action: string; actor: string }> }).entries.slice(0, 2)).toEqual([
      expect.objectContaining({ action: "scim_token.revoke", actor: "member:iam@example.com" }),
      expect.objectContaining({ action: "scim_token.create", actor: "member:owner@example.com" }),
    ]);
  });
});
