import request from "supertest";
import { createToken } from "../../../db/tokens";
import { until } from "../../support/eventually";
import { patchBody } from "../../support/harness";
import { permissionsOf } from "../../roles/support";
import { errorOf, expectError, adminWorldPerTest } from "./support";

/**
 * Nobody can come to hold, hand to anyone, or take from anyone a right beyond what their own level
 * may grant — through every admin path: manual groups' members, names and existence, SCIM tokens,
 * and the transfer of primary ownership. Each case below was a way around it.
 */
describe("the grant through every admin path", () => {
  const w = adminWorldPerTest();

  const groupOf = async (member: "owner" | "roleEditor", displayName: string): Promise<string> => {
    const res = await w.as(member).post("/groups", { displayName });
    if (res.status !== 201) throw new Error(`create ${displayName}: ${res.status} ${JSON.stringify(res.body)}`);
    return (res.body as { id: string }).id;
  };
  const addRule = async (rule: Record<string, unknown>): Promise<void> => {
    const owner = w.as("owner");
    const res = await owner.post("/rules", rule, await owner.etag());
    if (res.status !== 201) throw new Error(`add rule: ${res.status} ${JSON.stringify(res.body)}`);
  };
  const scimAs = (token: string) => request(w.h.app).get("/scim/v2/Users").set("Authorization", `Bearer ${token}`);

  describe("who is in a manual group", () => {
    it("refuses an Identity & Access manager who joins a group whose rule gives owner, or takes Owners out of it: 403 owner_required", async () => {
      const breakGlass = await groupOf("owner", "Break glass");
      await addRule({ id: "break-glass", group: { manual: "Break glass" }, orgRole: "owner" });
      const editor = w.as("roleEditor");
      const joined = await editor.put(`/groups/${breakGlass}/members/${w.ids.roleEditor}`, {});
      expectError(joined, 403, "owner_required");
      expect(errorOf(joined).message).toMatch(/rule break-glass/);
      expect((await permissionsOf(w.h, w.ids.roleEditor)).orgRole).toBe("custom");
      expectError(await editor.put("/org", { features: { web_search: "off" } }, await editor.etag()), 403, "owner_required");

      expect((await w.as("owner").put(`/groups/${breakGlass}/members/${w.ids.plain}`, {})).body).toEqual({ changed: true, revision: expect.any(String) });
      expectError(await editor.delete(`/groups/${breakGlass}/members/${w.ids.plain}`), 403, "owner_required");
      expect((await permissionsOf(w.h, w.ids.plain)).orgRole).toBe("owner");
    });

    it("lets User Management managers change who is in feature-only groups, and nothing that gives an admin area", async () => {
      const owner = w.as("owner");
      expect((await owner.put("/roles/people", { admin: { user_management: "manage" } }, await owner.etag())).status).toBe(200);
      expect((await owner.put("/roles/beta", { capabilities: ["web_search"] }, await owner.etag())).status).toBe(200);
      const beta = await groupOf("owner", "Beta");
      const billing = await groupOf("owner", "Billing");
      await addRule({ group: { manual: "Beta" }, roles: ["beta"] });
      await addRule({ group: { manual: "Billing" }, roles: ["finance"] });
      const people = w.as("peopleManager");
      expect((await people.put(`/groups/${beta}/members/${w.ids.plain}`, {})).body).toEqual({ changed: true, revision: expect.any(String) });
      expect(await permissionsOf(w.h, w.ids.plain)).toMatchObject({ orgRole: "custom", roles: ["beta"], capabilities: ["web_search"] });
      expect((await people.delete(`/groups/${beta}/members/${w.ids.plain}`)).body).toEqual({ changed: true, revision: expect.any(String) });
      expectError(await people.put(`/groups/${billing}/members/${w.ids.plain}`, {}), 403, "identity_access_manage_required");
      expectError(await people.put(`/groups/${billing}/members/${w.ids.peopleManager}`, {}), 403, "identity_access_manage_required");
      // Nor may they create groups, or anyone below them change memberships at all.
      expectError(await people.post("/groups", { displayName: "Mine" }), 403, "identity_access_manage_required");
      expectError(await w.as("finance").put(`/groups/${beta}/members/${w.ids.plain}`, {}), 403, "user_management_manage_required");
    });

    it("refuses a User Management manager a feature-only membership that would move a member's admin areas", async () => {
      const owner = w.as("owner");
      expect((await owner.put("/roles/people", { admin: { user_management: "manage" } }, await owner.etag())).status).toBe(200);
      expect((await owner.put("/roles/beta", { capabilities: ["web_search"] }, await owner.etag())).status).toBe(200);
      // Users get billing view from the standard role; a custom member's levels come only from custom roles.
      expect((await owner.put("/standard-roles/user", { billing: "view" }, await owner.etag())).status).toBe(200);
      const beta = await groupOf("owner", "Beta");
      await addRule({ group: { manual: "Beta" }, roles: ["beta"] });
      const refused = await w.as("peopleManager").put(`/groups/${beta}/members/${w.ids.plain}`, {});
      expectError(refused, 403, "identity_access_manage_required");
      expect(errorOf(refused).message).toMatch(/billing view → none/);
      expect((await permissionsOf(w.h, w.ids.plain)).admin.billing).toBe("view");
    });
  });

  describe("a manual group that a rule names", () => {
    it("cannot be created by an Identity & Access manager when a rule gives its name owner, so joining it cannot capture the rule", async () => {
      await addRule({ id: "vault", group: { manual: "Vault" }, orgRole: "owner" });
      const editor = w.as("roleEditor");
      const created = await editor.post("/groups", { displayName: "vault" });
      expectError(created, 403, "owner_required");
      expect(errorOf(created).message).toMatch(/rule vault/);
      expect(((await editor.get("/groups?source=manual")).body as { groups: unknown[] }).groups).toEqual([]);
    });

    it("cannot be renamed into, renamed out of, or deleted by an Identity & Access manager when the rule gives owner", async () => {
      await addRule({ id: "vault", group: { manual: "Vault" }, orgRole: "owner" });
      const editor = w.as("roleEditor");
      const scratch = await groupOf("roleEditor", "Scratch");
      expect((await editor.put(`/groups/${scratch}/members/${w.ids.roleEditor}`, {})).body).toEqual({ changed: true, revision: expect.any(String) });
      expectError(await editor.patch(`/groups/${scratch}`, { displayName: "Vault" }), 403, "owner_required");
      expect((await permissionsOf(w.h, w.ids.roleEditor)).orgRole).toBe("custom");

      const vault = await groupOf("owner", "Vault");
      expect((await w.as("owner").put(`/groups/${vault}/members/${w.ids.plain}`, {})).body).toEqual({ changed: true, revision: expect.any(String) });
      expectError(await editor.patch(`/groups/${vault}`, { displayName: "Not the vault" }), 403, "owner_required");
      expectError(await editor.delete(`/groups/${vault}`), 403, "owner_required");
      expect((await permissionsOf(w.h, w.ids.plain)).orgRole).toBe("owner");
    });

    it("is renamed by an Owner, or by an Identity & Access manager when its rules give custom roles, recomputing its members", async () => {
      await addRule({ id: "auditors", group: { manual: "Auditors" }, roles: ["finance"] });
      const editor = w.as("roleEditor");
      const group = await groupOf("roleEditor", "Temp");
      await editor.put(`/groups/${group}/members/${w.ids.plain}`, {});
      expect((await permissionsOf(w.h, w.ids.plain)).roles).toEqual([]);
      expect((await editor.patch(`/groups/${group}`, { displayName: "Auditors" })).body).toMatchObject({ id: group, displayName: "Auditors" });
      expect((await permissionsOf(w.h, w.ids.plain)).roles).toEqual(["finance"]);
      expectError(await editor.patch(`/groups/${group}`, { displayName: " " }), 400, "invalid_request");
      await groupOf("owner", "Other");
      expectError(await editor.patch(`/groups/${group}`, { displayName: "other" }), 409, "group_exists");
      expectError(await editor.patch(`/groups/${w.groups.finance}`, { displayName: "X" }), 409, "managed_by_idp");
    });
  });

  describe("SCIM tokens", () => {
    it("are created only by Owners: an Identity & Access manager cannot mint one and make themselves Owner over SCIM", async () => {
      const editor = w.as("roleEditor");
      const minted = await editor.post("/scim-tokens", { label: "mine" });
      expectError(minted, 403, "owner_required");
      expect(errorOf(minted).message).toMatch(/Owners/);
      expect(((await editor.get("/scim-tokens")).body as { tokens: Array<{ label: string }> }).tokens.map((t) => t.label)).not.toContain("mine");
    });

    it("carry the expiry they were created with, in the future only", async () => {
      const later = new Date(Date.now() + 3_600_000).toISOString();
      const created = await w.as("owner").post("/scim-tokens", { label: "short", expiresAt: later });
      expect(created.status).toBe(201);
      expect(Date.parse((created.body as { expiresAt: string }).expiresAt)).toBe(Date.parse(later));
      expect((await scimAs((created.body as { token: string }).token)).status).toBe(200);
      expectError(await w.as("owner").post("/scim-tokens", { expiresAt: new Date(Date.now() - 1000).toISOString() }), 400, "invalid_request");
      expectError(await w.as("owner").post("/scim-tokens", { expiresAt: "next tuesday" }), 400, "invalid_request");
    });

    it("stop authenticating at their expiry, even while the verified token is kept in memory", async () => {
      // Stored directly, so the first request comes well before the expiry however slow a sign-in is.
      const soon = new Date(Date.now() + 2500).toISOString();
      const { token } = await createToken(w.h.db.knex, { orgId: w.h.orgId, kind: "scim", label: "short", expiresAt: soon });
      // Asked continuously, so the token stays in the read cache up to its expiry: no request sent after it may pass.
      const answers: Array<{ sentAfterExpiry: boolean; status: number }> = [];
      const ask = async (): Promise<number> => {
        const sentAfterExpiry = Date.now() > Date.parse(soon);
        const { status } = await scimAs(token);
        answers.push({ sentAfterExpiry, status });
        return status;
      };
      await until(ask, (status) => status === 401, "the expired token refused", { timeoutMs: 20_000, intervalMs: 0 });
      expect(answers[0]).toEqual({ sentAfterExpiry: false, status: 200 });
      expect(answers.filter((a) => a.sentAfterExpiry && a.status !== 401)).toEqual([]);
      expect(answers[answers.length - 1]?.status).toBe(401);
    });

    it("rotate without a gap: the successor first, then the old one expires after the overlap (an hour unless asked)", async () => {
      const owner = w.as("owner");
      const old = (await owner.post("/scim-tokens", { label: "okta" })).body as { id: string; token: string };
      expect((await scimAs(old.token)).status).toBe(200);
      const before = Date.now();
      const rotated = await owner.post(`/scim-tokens/${old.id}/rotate`, {});
      expect(rotated.status).toBe(201);
      const next = rotated.body as { id: string; token: string; label: string; replaced: { id: string; expiresAt: string } };
      expect(next).toMatchObject({ label: "rotation of okta", replaced: { id: old.id } });
      const oldExpiry = Date.parse(next.replaced.expiresAt) - before;
      expect(oldExpiry).toBeGreaterThan(3590_000);
      expect(oldExpiry).toBeLessThan(3700_000);
      expect((await scimAs(old.token)).status).toBe(200);
      expect((await scimAs(next.token)).status).toBe(200);

      const third = (await owner.post(`/scim-tokens/${next.id}/rotate`, { overlapSeconds: 0, label: "okta 3" })).body as { token: string };
      expect((await scimAs(next.token)).status).toBe(401);
      expect((await scimAs(third.token)).status).toBe(200);
      expectError(await owner.post(`/scim-tokens/${next.id}/rotate`, {}), 409, "token_inactive");
      expectError(await owner.post(`/scim-tokens/${old.id}/rotate`, { overlapSeconds: 700_000 }), 400, "invalid_request");
      expectError(await w.as("roleEditor").post(`/scim-tokens/${old.id}/rotate`, {}), 403, "owner_required");
      expectError(await owner.post("/scim-tokens/no-such-token/rotate", {}), 404, "token_not_found");
      expect(((await owner.get("/actions")).body as { entries: Array<{ action: string }> }).entries.map((e) => e.action).slice(0, 2)).toEqual(["scim_token.rotate", "scim_token.rotate"]);
    });
  });

  describe("primary ownership", () => {
    it("passes only to an active member: a userName no one has, or a deactivated member's, is 422 primary_owner_not_member", async () => {
      const po = w.as("primaryOwner");
      const ghost = await po.put("/primary-owner", { userName: "ghost@example.com" }, await po.etag());
      expectError(ghost, 422, "primary_owner_not_member");
      expect(errorOf(ghost).message).toMatch(/ghost@example\.com/);
      await w.h.scim("patch", `/Users/${w.ids.finance}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
      expectError(await po.put("/primary-owner", { userName: "fin@example.com" }, await po.etag()), 422, "primary_owner_not_member");
      const current = (await po.get("/mapping")).body as { document: Record<string, unknown> };
      expectError(await po.put("/mapping", { ...current.document, primaryOwner: "ghost@example.com" }, await po.etag()), 422, "primary_owner_not_member");
      const plan = await po.post("/mapping/plan", { change: { kind: "set_primary_owner", userName: "ghost@example.com" } });
      expect(plan.body).toMatchObject({ refusal: { code: "primary_owner_not_member" } });
      expect((await permissionsOf(w.h, w.ids.primaryOwner)).orgRole).toBe("primary_owner");
      expect((await po.put("/primary-owner", { userName: "Owner@Example.com" }, await po.etag())).status).toBe(200);
      expect((await permissionsOf(w.h, w.ids.owner)).orgRole).toBe("primary_owner");
    });
  });
});
