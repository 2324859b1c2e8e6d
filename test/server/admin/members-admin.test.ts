import { PATCH_OP, userBody } from "../../support/harness";
import { consoleWorldPerTest, signedInBrowser } from "../console/support";
import { ADMIN_MAPPING, MEMBERS, errorOf, expectError } from "./support";

/**
 * User Management beside the IdP: suspension (everything taken in one transaction, surviving the
 * IdP's writes, audited with who and why, within the actor's grant), signing a member out of every
 * console session, members added by e-mail and removed, and the manual groups a member manager may
 * fill, each with a plan before the change. The fixture's `people` group gives User Management at
 * manage here; a feature-only manual group "Beta" and a manual group "Vault" whose role has an
 * admin area complete it.
 */
const MAPPING = ADMIN_MAPPING.replace("people: { admin: { user_management: view } }", "people: { admin: { user_management: manage } }")
  .replace("roles:\n", "roles:\n  beta: { capabilities: [web_search] }\n  vault: { admin: { privacy: view } }\n")
  .concat("  - { id: beta, group: { manual: Beta }, roles: [beta] }\n  - { id: vault, group: { manual: Vault }, roles: [vault] }\n");

type Permissions = { orgRole: string; admin: Record<string, string>; capabilities: string[]; roles: string[] };
type Plan = { member: { id: string; userName: string }; before: Permissions; after: Permissions; refusal: { code: string; message: string } | null };
type Detail = {
  member: { id: string; userName: string; active: boolean; suspension: { reason: string; by: string; at: string } | null; provenance: { origin: string; name: string; addedBy: string | null } };
  permissions: Permissions;
};

describe("User Management", () => {
  const w = consoleWorldPerTest({ mapping: MAPPING });

  const allowed = async (member: string, question: Record<string, string>): Promise<boolean> => {
    const res = await w.h.api("post", "/authorize").send({ member, ...question });
    expect(res.status).toBe(200);
    return (res.body as { allowed: boolean }).allowed;
  };
  const detail = async (id: string): Promise<Detail> => {
    const res = await w.as("owner").get(`/members/${id}`);
    expect(res.status).toBe(200);
    return res.body as Detail;
  };

  describe("suspension", () => {
    it("takes every right away in one transaction: authorize denies, the admin API and the console refuse them, audited with who and why", async () => {
      const { browser } = await signedInBrowser(w, MEMBERS.finance);
      const token = await w.op.signIn(MEMBERS.finance);
      expect(await allowed(MEMBERS.finance, { area: "billing", level: "manage" })).toBe(true);

      const plan = (await w.as("owner").post(`/members/${w.ids.finance}/suspend/plan`, {})).body as Plan;
      expect(plan).toMatchObject({ member: { userName: MEMBERS.finance }, refusal: null, after: { admin: { billing: "none" }, capabilities: [] } });
      expect(plan.before.admin["billing"]).toBe("manage");

      const res = await w.as("owner").post(`/members/${w.ids.finance}/suspend`, { reason: "Laptop stolen" });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ changed: true, suspension: { reason: "Laptop stolen", by: `member:${MEMBERS.owner}` } });

      expect(await allowed(MEMBERS.finance, { area: "billing", level: "manage" })).toBe(false);
      expect(await allowed(MEMBERS.finance, { capability: "web_search" })).toBe(false);
      const answer = await w.h.api("post", "/authorize").send({ member: MEMBERS.finance, capability: "web_search" });
      expect(answer.body).toMatchObject({ allowed: false, member: { userName: MEMBERS.finance, active: false } });
      expectError(await w.h.admin("get", "/me", token), 403, "not_a_member");
      expect((await browser.get("/console/session")).status).toBe(401);
      const sessions = await w.h.db.knex("console_sessions").where({ user_id: w.ids.finance }).count({ n: "*" });
      expect(Number((sessions[0] as { n: number | string }).n)).toBe(0);

      const audit = (await w.as("owner").get(`/audit?member=${MEMBERS.finance}&limit=1`)).body as { entries: Array<{ actor: string; cause: Record<string, unknown>; after: Permissions }> };
      expect(audit.entries[0]).toMatchObject({ actor: `member:${MEMBERS.owner}`, cause: { kind: "admin", action: "member.suspend", reason: "Laptop stolen" }, after: { admin: { billing: "none" } } });
      const actions = (await w.as("owner").get("/actions?limit=1")).body as { entries: Array<{ action: string; actor: string; detail: Record<string, unknown> }> };
      expect(actions.entries[0]).toMatchObject({ action: "member.suspend", actor: `member:${MEMBERS.owner}`, detail: { member: MEMBERS.finance, reason: "Laptop stolen", sessionsEnded: 1 } });

      const events: Array<{ type: string }> = await w.h.db.knex("event_outbox").where({ org_id: w.h.orgId, member_id: w.ids.finance }).orderBy("id", "desc").select("type");
      expect(events[0]?.type).toBe("permissions.changed");

      const listed = (await w.as("peopleManager").get(`/members?q=fin`)).body as { members: Array<{ userName: string; suspended: boolean; active: boolean }> };
      expect(listed.members).toEqual([expect.objectContaining({ userName: MEMBERS.finance, suspended: true, active: true })]);
      expect((await detail(w.ids.finance)).member.suspension).toMatchObject({ reason: "Laptop stolen", by: `member:${MEMBERS.owner}` });
      // The explanation says why they hold nothing: suspended, not deactivated by the IdP.
      const explained = (await w.as("owner").get(`/members/${w.ids.finance}`)).body as { explanation: { inactiveReason: string | null } };
      expect(explained.explanation.inactiveReason).toMatch(/is suspended by the organisation/);
    });

    it("survives SCIM: an IdP's PUT or PATCH with active true does not lift it, and SCIM GET keeps showing active as the IdP sent it", async () => {
      expect((await w.as("owner").post(`/members/${w.ids.finance}/suspend`, { reason: "Investigation" })).status).toBe(200);
      const put = await w.h.scim("put", `/Users/${w.ids.finance}`).send(userBody(MEMBERS.finance, { active: true, displayName: "Fin" }));
      expect(put.status).toBe(200);
      const patch = await w.h.scim("patch", `/Users/${w.ids.finance}`).send({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: true }] });
      expect(patch.status).toBe(200);
      expect((await w.h.scim("get", `/Users/${w.ids.finance}`)).body).toMatchObject({ active: true });
      expect(await allowed(MEMBERS.finance, { area: "billing", level: "manage" })).toBe(false);
      expectError(await w.as("finance").get("/me"), 403, "not_a_member");

      const reactivated = await w.as("owner").post(`/members/${w.ids.finance}/reactivate`, {});
      expect(reactivated.body).toMatchObject({ changed: true, suspension: null });
      expect(await allowed(MEMBERS.finance, { area: "billing", level: "manage" })).toBe(true);
      expect((await w.as("finance").get("/me")).status).toBe(200);
      const actions = (await w.as("owner").get("/actions?limit=1")).body as { entries: Array<{ action: string }> };
      expect(actions.entries[0]?.action).toBe("member.reactivate");
    });

    it("a member the IdP deactivates while suspended stays without access once reactivated here", async () => {
      await w.as("owner").post(`/members/${w.ids.finance}/suspend`, { reason: "Leaving" });
      await w.h.scim("patch", `/Users/${w.ids.finance}`).send({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "active", value: false }] });
      await w.as("owner").post(`/members/${w.ids.finance}/reactivate`, {});
      expect(await allowed(MEMBERS.finance, { area: "billing", level: "manage" })).toBe(false);
      expect((await detail(w.ids.finance)).member).toMatchObject({ active: false, suspension: null });
    });

    it("lets User Management at manage suspend only members whose every right is within its grant, Owners anyone but the Primary Owner, and nobody themselves", async () => {
      const hr = w.as("peopleManager");
      expect((await hr.post(`/members/${w.ids.plain}/suspend`, { reason: "Contractor ended" })).status).toBe(200);
      expectError(await hr.post(`/members/${w.ids.finance}/suspend`, { reason: "x" }), 403, "identity_access_manage_required");
      expectError(await hr.post(`/members/${w.ids.owner}/suspend`, { reason: "x" }), 403, "owner_required");
      expectError(await hr.post(`/members/${w.ids.peopleManager}/suspend`, { reason: "x" }), 409, "cannot_suspend_self");
      expectError(await w.as("roleReader").post(`/members/${w.ids.plain}/suspend`, { reason: "x" }), 403, "user_management_manage_required");
      expectError(await w.as("owner").post(`/members/${w.ids.primaryOwner}/suspend`, { reason: "x" }), 403, "primary_owner_protected");
      expectError(await w.as("primaryOwner").post(`/members/${w.ids.primaryOwner}/suspend`, { reason: "x" }), 403, "primary_owner_protected");
      expectError(await w.as("owner").post(`/members/${w.ids.roleEditor}/suspend`, {}), 400, "invalid_request");
      expect((await w.as("owner").post(`/members/${w.ids.roleEditor}/suspend`, { reason: "Audit" })).status).toBe(200);
      expect((await w.as("owner").get("/actions?limit=10")).body).toMatchObject({ entries: expect.arrayContaining([expect.objectContaining({ action: "member.suspend", target: w.ids.roleEditor })]) });

      const refused = (await hr.post(`/members/${w.ids.finance}/suspend/plan`, {})).body as Plan;
      expect(refused.refusal?.code).toBe("identity_access_manage_required");
      // Reactivating gives back what they hold: the same grant.
      expectError(await hr.post(`/members/${w.ids.roleEditor}/reactivate`, {}), 403, "identity_access_manage_required");
      expect((await hr.post(`/members/${w.ids.plain}/reactivate`, {})).body).toMatchObject({ changed: true });

      // A role editor may change members without owner or admin (admin areas included).
      expect((await w.as("owner").post(`/members/${w.ids.roleEditor}/reactivate`, {})).body).toMatchObject({ changed: true });
      expect((await w.as("roleEditor").post(`/members/${w.ids.finance}/suspend`, { reason: "Review" })).status).toBe(200);
      expectError(await w.as("roleEditor").post(`/members/${w.ids.owner}/suspend`, { reason: "x" }), 403, "owner_required");
    });
  });

  describe("signing a member out", () => {
    it("ends every console session of the member at once, audited, within the actor's grant", async () => {
      const first = await signedInBrowser(w, MEMBERS.plain);
      const second = await signedInBrowser(w, MEMBERS.plain);
      const res = await w.as("peopleManager").post(`/members/${w.ids.plain}/sign-out`, {});
      expect(res.body).toMatchObject({ sessionsEnded: 2 });
      expect((await first.browser.get("/console/session")).status).toBe(401);
      expect((await second.browser.get("/console/session")).status).toBe(401);
      const actions = (await w.as("owner").get("/actions?limit=1")).body as { entries: Array<{ action: string; actor: string }> };
      expect(actions.entries[0]).toMatchObject({ action: "member.sign_out", actor: `member:${MEMBERS.peopleManager}` });
      expectError(await w.as("peopleManager").post(`/members/${w.ids.finance}/sign-out`, {}), 403, "identity_access_manage_required");
      expectError(await w.as("plain").post(`/members/${w.ids.finance}/sign-out`, {}), 403, "user_management_manage_required");
      // Signing oneself out everywhere needs no grant.
      const own = await signedInBrowser(w, MEMBERS.finance);
      expect((await w.as("finance").post(`/members/${w.ids.finance}/sign-out`, {})).body).toMatchObject({ sessionsEnded: 1 });
      expect((await own.browser.get("/console/session")).status).toBe(401);
    });
  });

  describe("members added by e-mail", () => {
    it("adds a member who signs in with the organisation's OIDC and holds what the user role gives, and removes them again", async () => {
      const hr = w.as("peopleManager");
      const added = await hr.post("/members", { email: "guest@example.com", displayName: "Guest" });
      expect(added.status).toBe(201);
      const id = (added.body as { id: string }).id;
      expect(added.body).toMatchObject({ userName: "guest@example.com", displayName: "Guest", permissions: { orgRole: "user" } });
      expect((await w.as("owner").get(`/members/${id}`)).body).toMatchObject({ member: { provenance: { origin: "console", addedBy: `member:${MEMBERS.peopleManager}` } } });
      const token = await w.op.signIn("guest@example.com");
      expect((await w.h.admin("get", "/me", token)).body).toMatchObject({ member: { userName: "guest@example.com" } });

      expectError(await hr.post("/members", { email: "GUEST@example.com" }), 409, "member_exists");
      expectError(await hr.post("/members", { email: "not an address" }), 400, "invalid_request");
      expectError(await w.as("roleReader").post("/members", { email: "x@example.com" }), 403, "user_management_manage_required");
      expectError(await hr.delete(`/members/${id}x`), 404, "member_not_found");

      // Nobody removes themselves, even a member manager added here.
      const joined = await w.h.scim("patch", `/Groups/${w.groups.people}`).send({ schemas: [PATCH_OP], Operations: [{ op: "add", path: "members", value: [{ value: id }] }] });
      expect(joined.status).toBeLessThan(300);
      expectError(await w.h.admin("delete", `/members/${id}`, token), 409, "cannot_remove_self");
      expectError(await hr.delete(`/members/${id}`), 403, "identity_access_manage_required");
      expect((await w.h.scim("patch", `/Groups/${w.groups.people}`).send({ schemas: [PATCH_OP], Operations: [{ op: "remove", path: `members[value eq "${id}"]` }] })).status).toBeLessThan(300);
      expect((await hr.delete(`/members/${id}`)).status).toBe(204);
      expectError(await w.h.admin("get", "/me", token), 403, "not_a_member");
      expect((await w.h.scim("get", `/Users/${id}`)).status).toBe(404);
      const actions = (await w.as("owner").get("/actions?limit=2")).body as { entries: Array<{ action: string }> };
      expect(actions.entries.map((e) => e.action)).toEqual(["member.remove", "member.add"]);
    });

    it("refuses to remove or edit an IdP's member, naming the IdP", async () => {
      const okta = await w.h.scim("post", "/Users").set("User-Agent", "Okta SCIM Client 1.0.0").send(userBody("okta.user@example.com"));
      const id = (okta.body as { id: string }).id;
      const res = await w.as("owner").delete(`/members/${id}`);
      expectError(res, 409, "managed_by_idp");
      expect(errorOf(res).message).toContain("Okta");
      expect((await detail(id)).member.provenance).toMatchObject({ origin: "okta", name: "Okta" });
      expectError(await w.as("owner").delete(`/members/${w.ids.plain}`), 409, "managed_by_idp");
    });

    it("when the IdP pushes the same userName: SCIM POST is 409 uniqueness, and the IdP's first write to the member makes it the IdP's", async () => {
      const added = await w.as("peopleManager").post("/members", { email: "later@example.com" });
      const id = (added.body as { id: string }).id;
      const post = await w.h.scim("post", "/Users").send(userBody("later@example.com"));
      expect(post.status).toBe(409);
      expect((post.body as { scimType?: string }).scimType).toBe("uniqueness");
      // Okta and Entra then find the user by userName and update it.
      const found = await w.h.scim("get", `/Users?filter=${encodeURIComponent('userName eq "later@example.com"')}`);
      expect((found.body as { Resources: Array<{ id: string }> }).Resources.map((r) => r.id)).toEqual([id]);
      await w.h.scim("patch", `/Users/${id}`).set("User-Agent", "Okta SCIM Client 1.0.0").send({ schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "Later" }] });
      expect((await detail(id)).member.provenance.origin).toBe("okta");
      expectError(await w.as("peopleManager").delete(`/members/${id}`), 409, "managed_by_idp");
    });
  });

  describe("manual groups for member managers", () => {
    it("lists manual groups (not their rules) with whether the reader may change who is in each, and plans a membership change before it is made", async () => {
      const beta = (await w.as("owner").post("/groups", { displayName: "Beta" })).body as { id: string };
      const vault = (await w.as("owner").post("/groups", { displayName: "Vault" })).body as { id: string };
      const hr = w.as("peopleManager");
      const listed = (await hr.get("/manual-groups")).body as { groups: Array<{ displayName: string; changeableBy: string; mayChangeMembers: boolean }> };
      expect(listed.groups).toEqual([
        expect.objectContaining({ displayName: "Beta", changeableBy: "features", mayChangeMembers: true }),
        expect.objectContaining({ displayName: "Vault", changeableBy: "custom_roles", mayChangeMembers: false }),
      ]);
      expect((await w.as("roleReader").get("/manual-groups")).body).toMatchObject({ groups: [{ mayChangeMembers: false }, { mayChangeMembers: false }] });
      expectError(await w.as("plain").get("/manual-groups"), 403, "user_management_view_required");

      const gain = (await hr.post(`/groups/${beta.id}/members/${w.ids.plain}/plan`, { op: "add" })).body as Plan;
      expect(gain.refusal).toBeNull();
      expect(gain.before).toMatchObject({ orgRole: "user", roles: [] });
      expect(gain.after).toMatchObject({ orgRole: "custom", roles: ["beta"], capabilities: ["web_search"] });
      const beyond = (await hr.post(`/groups/${vault.id}/members/${w.ids.plain}/plan`, { op: "add" })).body as Plan;
      expect(beyond.refusal?.code).toBe("identity_access_manage_required");
      expect(beyond.after.admin["privacy"]).toBe("view");
      const idp = (await hr.post(`/groups/${w.groups.finance}/members/${w.ids.plain}/plan`, { op: "add" })).body as Plan;
      expect(idp.refusal?.code).toBe("managed_by_idp");
      expectError(await hr.post(`/groups/${beta.id}/members/${w.ids.plain}/plan`, { op: "swap" }), 400, "invalid_request");

      // Planning wrote nothing; the change itself gives what the plan said.
      expect((await detail(w.ids.plain)).permissions.roles).toEqual([]);
      expect((await hr.put(`/groups/${beta.id}/members/${w.ids.plain}`, {})).body).toMatchObject({ changed: true });
      expect((await detail(w.ids.plain)).permissions).toMatchObject({ orgRole: "custom", roles: ["beta"] });
      const loss = (await hr.post(`/groups/${beta.id}/members/${w.ids.plain}/plan`, { op: "remove" })).body as Plan;
      expect(loss.before.roles).toEqual(["beta"]);
      expect(loss.after).toMatchObject({ orgRole: "user", roles: [] });
    });
  });

  it("keeps a suspended member's console out even through a session opened before (the member's standing is read at every use)", async () => {
    const { browser } = await signedInBrowser(w, MEMBERS.plain);
    await w.h.db.knex("member_suspensions").insert({ user_id: w.ids.plain, org_id: w.h.orgId, reason: "direct", suspended_by: "cli:test", suspended_at: new Date().toISOString() });
    expect((await browser.get("/console/session")).status).toBe(401);
  });
});
