import { organisationRevision } from "../../../db/outbox";
import { CORE_GROUP, PATCH_OP, expectScimError, patchBody } from "../../support/harness";
import { verifyPermissions } from "../../../roles";
import { allowed, permissionsOf } from "../../roles/support";
import { openStream, untilSubscribed } from "../../support/sse";
import { expectError, adminWorldPerTest } from "./support";

/** Every admin write answers with the revision it left the organisation at. */
const REVISION = expect.stringMatching(/^\d+$/) as unknown;

interface GroupsBody {
  groups: Array<{ id: string; displayName: string; source: string; memberCount: number; grants: { ruleIds: string[]; roles: string[]; orgRole: string | null } }>;
  nextCursor: string | null;
}

/** Groups created in the admin API: they give roles through rules, and the IdP never sees them. */
describe("manual groups", () => {
  const w = adminWorldPerTest();
  let contractors: string;
  beforeEach(async () => {
    const editor = w.as("roleEditor");
    contractors = ((await editor.post("/groups", { displayName: "Contractors" })).body as { id: string }).id;
    await editor.post("/rules", { id: "contractors", group: { manual: "Contractors" }, roles: ["finance"] }, await editor.etag());
  });

  it("gives a member added to it the role its rule names, visible to authorize in the next request, and takes it away on removal", async () => {
    const editor = w.as("roleEditor");
    expect(await allowed(w.h, { member: "plain@example.com", area: "billing", level: "manage" })).toBe(false);
    const added = await editor.put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    expect(added.body).toEqual({ changed: true, revision: REVISION });
    expect(await allowed(w.h, { member: "plain@example.com", area: "billing", level: "manage" })).toBe(true);
    expect((await editor.put(`/groups/${contractors}/members/${w.ids.plain}`, {})).body).toEqual({ changed: false, revision: REVISION });
    const detail = await editor.get(`/members/${w.ids.plain}`);
    expect(detail.body).toMatchObject({ groups: [{ id: contractors, displayName: "Contractors", source: "manual" }], explanation: { matches: [expect.objectContaining({ ruleId: "contractors", matchedBy: "manual" })] } });
    expect((await editor.delete(`/groups/${contractors}/members/${w.ids.plain}`)).body).toEqual({ changed: true, revision: REVISION });
    expect((await permissionsOf(w.h, w.ids.plain)).roles).toEqual([]);
    const audit = await w.as("owner").get(`/audit?member=${w.ids.plain}`);
    expect((audit.body as { entries: Array<{ cause: { action: string } }> }).entries.map((e) => e.cause.action)).toEqual(["group.member.remove", "group.member.add"]);
  });

  it("answers a membership change with the revision it reached, in the body and X-Revision, and authorize at least that revision sees it", async () => {
    const before = await organisationRevision(w.h.db.knex, w.h.orgId);
    const added = await w.as("roleEditor").put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    const revision = (added.body as { revision: string }).revision;
    expect(added.headers["x-revision"]).toBe(revision);
    expect(Number(revision)).toBeGreaterThan(before);
    expect(Number(revision)).toBe(await organisationRevision(w.h.db.knex, w.h.orgId));
    const answer = await w.h.api("post", "/authorize").send({ member: "plain@example.com", area: "billing", level: "manage", consistency: { atLeast: revision } });
    expect(answer.body).toMatchObject({ allowed: true, revision, consistency: "at_least" });
    const rule = await w.as("roleEditor").post("/rules", { id: "contractors-audit", group: { manual: "Contractors" }, roles: ["iam-viewer"] }, await w.as("roleEditor").etag());
    expect(rule.status).toBe(201);
    expect(Number((rule.body as { revision: string }).revision)).toBeGreaterThan(Number(revision));
  });

  it("announces a membership change on the event stream like any other, with the request id on the audit row and the cause; verify agrees", async () => {
    const events = await openStream(await w.h.serve(), w.h.apiToken);
    await untilSubscribed(() => w.h.events.subscriberCount(w.h.orgId));
    const token = await w.op.signIn("iam@example.com");
    const added = await w.h.admin("put", `/groups/${contractors}/members/${w.ids.plain}`, token).set("X-Request-Id", "req-manual-1").send({});
    expect(added.body).toEqual({ changed: true, revision: REVISION });
    const action = await events.next();
    const event = await events.next();
    events.close();
    const cause = { kind: "admin", actor: "member:iam@example.com", action: "group.member.add", target: contractors, requestId: "req-manual-1" };
    expect(action).toMatchObject({ event: "admin.action", data: { actor: cause.actor, action: cause.action, target: contractors, detail: { member: "plain@example.com", group: "Contractors" } } });
    expect(event).toMatchObject({ event: "permissions.changed", data: { member: { id: w.ids.plain, userName: "plain@example.com" }, after: { roles: ["finance"] }, cause } });
    const audit = await w.as("owner").get(`/audit?member=${w.ids.plain}`);
    expect((audit.body as { entries: unknown[] }).entries[0]).toMatchObject({ actor: "member:iam@example.com", requestId: "req-manual-1", cause });
    const verified = await verifyPermissions(w.h.db, w.h.sync, { orgId: w.h.orgId, repair: false, actor: "test" });
    expect(verified).toMatchObject({ drift: [], repaired: 0 });
    expect(verified.checked).toBe(Object.keys(w.ids).length);
  });

  it("lists the IdP's groups and manual ones with their source, members and what they give, a page at a time", async () => {
    await w.as("roleEditor").put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    const all = (await w.as("roleReader").get("/groups")).body as GroupsBody;
    expect(all.groups.map((g) => [g.displayName, g.source, g.memberCount])).toEqual([
      ["Contractors", "manual", 1], ["Finance", "scim", 1], ["IAM admins", "scim", 1], ["IAM viewers", "scim", 1], ["Owners", "scim", 1], ["People", "scim", 1],
    ]);
    expect(all.groups.find((g) => g.displayName === "Owners")?.grants).toEqual({ ruleIds: ["owners"], roles: [], orgRole: "owner" });
    expect(all.groups.find((g) => g.displayName === "Contractors")?.grants).toEqual({ ruleIds: ["contractors"], roles: ["finance"], orgRole: null });
    expect(((await w.as("roleReader").get("/groups?source=manual")).body as GroupsBody).groups.map((g) => g.displayName)).toEqual(["Contractors"]);
    const first = (await w.as("roleReader").get("/groups?limit=4")).body as GroupsBody;
    const second = (await w.as("roleReader").get(`/groups?limit=4&cursor=${first.nextCursor ?? ""}`)).body as GroupsBody;
    expect([...first.groups, ...second.groups].map((g) => g.displayName)).toEqual(all.groups.map((g) => g.displayName));
    expect(second.nextCursor).toBeNull();
    expect(((await w.as("roleReader").get(`/groups/${contractors}/members`)).body as { members: Array<{ userName: string }> }).members.map((m) => m.userName)).toEqual(["plain@example.com"]);
  });

  it("never appears on /scim/v2: not listed, filtered, read, searched, or in a user's groups", async () => {
    await w.as("roleEditor").put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    const names = (body: unknown) => (body as { Resources?: Array<{ displayName?: string }> }).Resources?.map((r) => r.displayName) ?? [];
    expect(names((await w.h.scim("get", "/Groups")).body)).not.toContain("Contractors");
    expect((await w.h.scim("get", `/Groups?filter=${encodeURIComponent('displayName eq "Contractors"')}`)).body).toMatchObject({ totalResults: 0 });
    expect((await w.h.scim("get", `/Groups?filter=${encodeURIComponent(`members.value eq "${w.ids.plain}"`)}`)).body).toMatchObject({ totalResults: 0 });
    expectScimError(await w.h.scim("get", `/Groups/${contractors}`), 404);
    const root = await w.h.scim("post", "/.search").send({ schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], filter: 'displayName eq "Contractors"' });
    expect(root.body).toMatchObject({ totalResults: 0 });
    expect((await w.h.scim("get", `/Users/${w.ids.plain}`)).body as { groups?: unknown[] }).toMatchObject({ groups: [] });
    const listed = await w.h.scim("get", `/Users?filter=${encodeURIComponent('userName eq "plain@example.com"')}&attributes=groups`);
    expect(JSON.stringify(listed.body)).not.toContain(contractors);
    expect((await w.h.scim("get", `/Users?filter=${encodeURIComponent(`groups.value eq "${contractors}"`)}`)).body).toMatchObject({ totalResults: 0 });
  });

  it("cannot be renamed, replaced, deleted or joined by the IdP, directly or in Bulk", async () => {
    await w.as("roleEditor").put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    expectScimError(await w.h.scim("patch", `/Groups/${contractors}`).send(patchBody({ op: "replace", path: "displayName", value: "Renamed" })), 404);
    expectScimError(await w.h.scim("patch", `/Groups/${contractors}`).send(patchBody({ op: "add", path: "members", value: [{ value: w.ids.owner }] })), 404);
    expectScimError(await w.h.scim("put", `/Groups/${contractors}`).send({ schemas: [CORE_GROUP], displayName: "Contractors", members: [] }), 404);
    expectScimError(await w.h.scim("delete", `/Groups/${contractors}`), 404);
    expectScimError(await w.h.scim("patch", `/Groups/${w.groups.people}`).send(patchBody({ op: "add", path: "members", value: [{ value: contractors }] })), 400, "invalidValue");
    const bulk = await w.h.scim("post", "/Bulk").send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [
        { method: "PATCH", path: `/Groups/${contractors}`, data: { schemas: [PATCH_OP], Operations: [{ op: "replace", path: "displayName", value: "X" }] } },
        { method: "DELETE", path: `/Groups/${contractors}` },
      ],
    });
    expect((bulk.body as { Operations: Array<{ status: string }> }).Operations.map((o) => o.status)).toEqual(["404", "404"]);
    expect((await permissionsOf(w.h, w.ids.plain)).roles).toEqual(["finance"]);
  });

  it("may share a name with an IdP group, and a rule still tells them apart", async () => {
    await w.h.scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Contractors", members: [{ value: w.ids.peopleManager }] }).expect(201);
    expect((await permissionsOf(w.h, w.ids.peopleManager)).roles).toEqual(["people"]);
    expectError(await w.as("roleEditor").post("/groups", { displayName: "contractors" }), 409, "group_exists");
  });

  it("leaves the IdP's groups to the IdP: 409 managed_by_idp", async () => {
    const editor = w.as("roleEditor");
    expectError(await editor.delete(`/groups/${w.groups.finance}`), 409, "managed_by_idp");
    expectError(await editor.put(`/groups/${w.groups.finance}/members/${w.ids.plain}`, {}), 409, "managed_by_idp");
    expectError(await editor.delete(`/groups/${w.groups.finance}/members/${w.ids.finance}`), 409, "managed_by_idp");
    expectError(await editor.delete("/groups/no-such-group"), 404, "group_not_found");
    expectError(await editor.put(`/groups/${contractors}/members/no-such-user`, {}), 404, "member_not_found");
  });

  it("takes its roles from its members when deleted", async () => {
    const editor = w.as("roleEditor");
    await editor.put(`/groups/${contractors}/members/${w.ids.plain}`, {});
    expect((await editor.delete(`/groups/${contractors}`)).status).toBe(204);
    expect((await permissionsOf(w.h, w.ids.plain)).roles).toEqual([]);
    expect(((await editor.get("/actions")).body as { entries: Array<{ action: string }> }).entries.map((e) => e.action)).toEqual(["group.delete", "group.member.add", "rule.add", "group.create"]);
  });

  it("refuses a membership change that would leave no one able to edit roles", async () => {
    // Only the role editor may edit roles, and only through a manual group.
    const editor = w.as("roleEditor");
    const current = (await w.as("owner").get("/mapping")).body as { document: { mappings: Array<{ id: string }> } & Record<string, unknown> };
    const staff = ((await editor.post("/groups", { displayName: "Staff" })).body as { id: string }).id;
    await editor.put(`/groups/${staff}/members/${w.ids.roleEditor}`, {});
    // Primary ownership passes only to active members through the admin API; a file may name one not yet provisioned.
    const only = { ...current.document, primaryOwner: "ghost@example.com", mappings: [...current.document.mappings.filter((r) => r.id !== "owners" && r.id !== "iam-admins"), { group: { manual: "Staff" }, roles: ["iam-admin"] }] };
    await w.h.applyMapping(JSON.stringify(only));
    expectError(await editor.delete(`/groups/${staff}/members/${w.ids.roleEditor}`), 409, "would_lock_out");
    expectError(await editor.delete(`/groups/${staff}`), 409, "would_lock_out");
    expect((await permissionsOf(w.h, w.ids.roleEditor)).roles).toEqual(["iam-admin"]);
  });
});
