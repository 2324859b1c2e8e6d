import { setOrgMappingFile } from "../../../db/orgs";
import { MAPPING_LIMITS, parseMapping } from "../../../mapping";
import { openStream, untilSubscribed } from "../../support/sse";
import { allowed, permissionsOf } from "../../roles/support";
import { createUser } from "../../support/harness";
import { ADMIN_MAPPING, errorOf, expectError, adminWorldPerTest } from "./support";

interface MappingBody {
  version: number;
  hash: string;
  appliedBy: string;
  managedByFile: string | null;
  document: { roles: Record<string, Record<string, unknown>>; mappings: Array<{ id: string }> } & Record<string, unknown>;
}

/** The mapping through the admin API: If-Match, validation, versions, rollback, plans, lock-out, file management. */
describe("editing the mapping through the admin API", () => {
  const w = adminWorldPerTest();

  const mapping = async (): Promise<MappingBody> => (await w.as("owner").get("/mapping")).body as MappingBody;

  it("reads the mapping in force as the document a file holds, with its version as ETag; the document validates and hashes the same", async () => {
    const res = await w.as("roleReader").get("/mapping");
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"1"');
    const body = res.body as MappingBody;
    expect(body).toMatchObject({ version: 1, appliedBy: "test", managedByFile: null, document: { primaryOwner: "po@example.com" } });
    expect(body.document.mappings.map((rule) => rule.id)).toEqual(["owners", "iam-admins", "iam-viewers", "people", "finance"]);
    const parsed = parseMapping(JSON.stringify(body.document), "roundtrip.json");
    expect(parsed.ok && parsed.hash).toBe(body.hash);
  });

  it("requires If-Match (428), refuses a stale one (412) and writes nothing either way", async () => {
    const editor = w.as("roleEditor");
    const role = { admin: { analytics: "view" } };
    expectError(await editor.put("/roles/auditor", role), 428, "precondition_required");
    expect((await editor.put("/roles/auditor", role, 'W/"1"')).status).toBe(200);
    const stale = await editor.put("/roles/auditor-2", role, 'W/"1"');
    expectError(stale, 412, "precondition_failed");
    expect(errorOf(stale)["version"]).toBe(2);
    expect((await mapping()).version).toBe(2);
    expect(Object.keys((await mapping()).document.roles)).not.toContain("auditor-2");
    expect((await editor.put("/roles/auditor-2", role, "*")).status).toBe(200);
  });

  it("makes a role edit visible to authorize in the very next request, audited with the member as actor and announced on the event stream", async () => {
    const events = await openStream(await w.h.serve(), w.h.apiToken);
    await untilSubscribed(() => w.h.events.subscriberCount(w.h.orgId));
    expect(await allowed(w.h, { member: "fin@example.com", area: "billing", level: "manage" })).toBe(true);
    const editor = w.as("roleEditor");
    const res = await editor.put("/roles/finance", { description: "Spend", admin: { billing: "view" }, capabilities: ["web_search"] }, await editor.etag());
    expect(res.status).toBe(200);
    expect(res.headers.etag).toBe('W/"2"');
    expect(res.body).toMatchObject({ version: 2, changedMembers: 1, role: { name: "finance", admin: { billing: "view" } }, changes: [{ part: "role", name: "finance", change: "changed", action: "edit_custom_roles" }] });
    expect(await allowed(w.h, { member: "fin@example.com", area: "billing", level: "manage" })).toBe(false);
    expect(await allowed(w.h, { member: "fin@example.com", area: "billing", level: "view" })).toBe(true);
    // The admin action first (its log row is written before the members are recomputed), then what it changed, pointing at it.
    const action = await events.next();
    const announced = await events.next();
    events.close();
    expect(action).toMatchObject({ event: "admin.action", data: { actor: "member:iam@example.com", action: "role.put", target: "finance" } });
    expect(announced.event).toBe("permissions.changed");
    expect(announced.data).toMatchObject({ member: { id: w.ids.finance, userName: "fin@example.com" }, cause: { kind: "admin", actor: "member:iam@example.com", action: "role.put", target: "finance", version: 2, actionSeq: (action.data as { seq: number }).seq } });
    expect(events.queued()).toEqual([]);
    const audit = await w.as("owner").get(`/audit?member=fin@example.com&actor=member:iam@example.com`);
    expect(audit.body).toMatchObject({ entries: [{ member: { userName: "fin@example.com" }, actor: "member:iam@example.com", cause: { kind: "admin", action: "role.put" } }] });
    const actions = await w.as("owner").get("/actions?actor=member:");
    expect(actions.body).toMatchObject({ entries: [{ actor: "member:iam@example.com", action: "role.put", target: "finance", detail: { version: 2, changes: ["custom role 'finance' (changed)"] } }] });
  });

  it("refuses an invalid mapping with 422 and the same located issues as the CLI, naming a suggestion", async () => {
    const editor = w.as("roleEditor");
    const res = await editor.put("/roles/auditor", { admin: { biling: "veiw" }, capabilities: ["web_serch"] }, await editor.etag());
    expectError(res, 422, "invalid_mapping");
    const issues = errorOf(res)["issues"] as Array<{ code: string; message: string; line: number; column: number }>;
    expect(issues.map((i) => i.code).sort()).toEqual(["unknown_area", "unknown_capability"]);
    expect(issues.find((i) => i.code === "unknown_capability")?.message).toMatch(/Did you mean 'web_search'\?/);
    for (const issue of issues) expect(issue.line).toBeGreaterThan(0);
    expect((await mapping()).version).toBe(1);
  });

  it("keeps rule ids across edits, and deleting a role takes it out of the rules that gave it", async () => {
    const owner = w.as("owner");
    const before = await mapping();
    const reordered = { ...before.document, mappings: [...before.document.mappings].reverse() };
    const res = await owner.put("/mapping", reordered, await owner.etag());
    expect(res.body).toMatchObject({ unchanged: true, version: 1 });
    const removed = await owner.delete("/roles/finance", await owner.etag());
    expect(removed.status).toBe(200);
    expect(removed.body).toMatchObject({ changes: [{ part: "role", name: "finance", change: "removed" }, { part: "rule", id: "finance", change: "removed" }] });
    expect((await mapping()).document.mappings.map((rule) => rule.id)).toEqual(["owners", "iam-admins", "iam-viewers", "people"]);
    expectError(await owner.delete("/roles/finance", await owner.etag()), 404, "role_not_found");
    expectError(await owner.delete("/rules/finance", await owner.etag()), 404, "rule_not_found");
  });

  it("adds and deletes an app-role rule like a group rule, judged by what it grants, and names the app role where it lists a role's sources", async () => {
    const billing = await createUser(w.h, "billing@example.com", { roles: [{ value: "BillingAdmins", type: "WindowsAzureActiveDirectoryRole" }] });
    const editor = w.as("roleEditor");
    expectError(await editor.post("/rules", { appRole: { value: "BillingAdmins" }, orgRole: "admin" }, await editor.etag()), 403, "owner_required");
    const added = await editor.post("/rules", { appRole: { value: "BillingAdmins" }, roles: ["finance"] }, await editor.etag());
    expect(added.status).toBe(201);
    const rule = (added.body as { rule: { id: string } }).rule;
    expect(rule).toEqual({ id: expect.stringMatching(/^r_[0-9a-f]{10}$/) as unknown, appRole: { value: "BillingAdmins" }, roles: ["finance"] });
    expect(added.body).toMatchObject({ changedMembers: 1, changes: [{ part: "rule", id: rule.id, change: "added", action: "edit_custom_roles", description: `rule ${rule.id} (app role 'BillingAdmins') (added)` }] });
    expect(await allowed(w.h, { member: "billing@example.com", area: "billing", level: "manage" })).toBe(true);
    const roles = (await w.as("roleReader").get("/roles")).body as { roles: Array<{ name: string; appRoles: string[]; rules: Array<{ id: string; target: string }> }> };
    expect(roles.roles.find((role) => role.name === "finance")).toMatchObject({ appRoles: ["BillingAdmins"], rules: [{ id: "finance" }, { id: rule.id, target: "app role 'BillingAdmins'" }] });
    expect((await mapping()).document.mappings.at(-1)).toEqual(rule);
    const removed = await editor.delete(`/rules/${rule.id}`, await editor.etag());
    expect(removed.body).toMatchObject({ changedMembers: 1, changes: [{ part: "rule", id: rule.id, change: "removed" }] });
    expect((await permissionsOf(w.h, billing)).roles).toEqual([]);
  });

  it("lists versions with who applied each, shows one, diffs two, and rolls back as a new version", async () => {
    const owner = w.as("owner");
    await owner.put("/org", { features: { web_search: "off", file_uploads: "off" }, connectors: { slack: "on", jira: "off" } }, await owner.etag());
    expect(await allowed(w.h, { member: "plain@example.com", capability: "web_search" })).toBe(false);
    const versions = await owner.get("/mapping/versions");
    expect(versions.body).toMatchObject({ versions: [{ version: 2, appliedBy: "member:owner@example.com", sourceName: "admin API" }, { version: 1, appliedBy: "test" }], nextCursor: null });
    const paged = await owner.get("/mapping/versions?limit=1");
    expect(paged.body).toMatchObject({ versions: [{ version: 2 }], nextCursor: "2" });
    expect((await owner.get(`/mapping/versions?limit=1&cursor=2`)).body).toMatchObject({ versions: [{ version: 1 }] });
    expect((await owner.get("/mapping/versions/1")).body).toMatchObject({ version: 1, document: { org: { features: { web_search: "on" } } } });
    expect((await owner.get("/mapping/versions/2/diff")).body).toEqual({ from: 1, to: 2, changes: [expect.objectContaining({ part: "org_toggle", name: "web_search", before: "on", after: "off", action: "toggle_org" })] });

    // A role editor may not roll a toggle back: the rollback is checked like any edit.
    const editor = w.as("roleEditor");
    expectError(await editor.post("/mapping/rollback", { version: 1 }, await editor.etag()), 403, "owner_required");
    const rolledBack = await owner.post("/mapping/rollback", { version: 1 }, await owner.etag());
    expect(rolledBack.body).toMatchObject({ version: 3, rolledBackTo: 1, unchanged: false });
    expect((await mapping()).hash).toBe(((await owner.get("/mapping/versions/1")).body as { hash: string }).hash);
    expect(await allowed(w.h, { member: "plain@example.com", capability: "web_search" })).toBe(true);
    expectError(await owner.post("/mapping/rollback", { version: 9 }, await owner.etag()), 404, "version_not_found");
  });

  it("plans a change without writing anything: who gains and loses what, each part's rule, and what this member would be refused", async () => {
    const plan = await w.as("roleEditor").post("/mapping/plan", { change: { kind: "set_org", org: { features: { web_search: "off" } } } });
    expect(plan.status).toBe(200);
    expect(plan.body).toMatchObject({
      refusal: { code: "owner_required" },
      lockout: null,
      parts: expect.arrayContaining([expect.objectContaining({ part: "org_toggle", name: "web_search", action: "toggle_org" })]),
    });
    const changed = (plan.body as { changes: Array<{ member: { userName: string }; change: { summary: string[] } }> }).changes;
    expect(changed.find((c) => c.member.userName === "plain@example.com")?.change.summary).toEqual(["capabilities: - web_search", "connectors: - slack"]);
    expect((await mapping()).version).toBe(1);
  });

  it("counts every member a plan changes, and pages the members listed with limit and cursor", async () => {
    const reader = w.as("roleReader");
    const change = { change: { kind: "set_org", org: { features: { web_search: "off" }, connectors: { slack: "on", jira: "off" } } } };
    const first = await reader.post("/mapping/plan?limit=2", change);
    expect(first.status).toBe(200);
    const body = first.body as { changedCount: number; changes: Array<{ member: { userName: string } }>; nextCursor: string | null; effects: unknown[] };
    expect(body.changes).toHaveLength(2);
    expect(body.nextCursor).not.toBeNull();
    expect(body.effects).toContainEqual({ kind: "capability", name: "web_search", gained: 0, lost: body.changedCount });
    const listed = body.changes.map((c) => c.member.userName);
    let cursor = body.nextCursor;
    while (cursor !== null) {
      const page = await reader.post(`/mapping/plan?limit=2&cursor=${encodeURIComponent(cursor)}`, change);
      expect(page.status).toBe(200);
      const next = page.body as typeof body;
      expect(next.changedCount).toBe(body.changedCount);
      listed.push(...next.changes.map((c) => c.member.userName));
      cursor = next.nextCursor;
    }
    expect(listed).toHaveLength(body.changedCount);
    expect(listed).toEqual([...listed].sort());
    expectError(await reader.post("/mapping/plan?cursor=not-ours", change), 400, "invalid_request");
  });

  it("refuses a document past the role limit with 422 invalid_mapping, locating the first role past it, in a plan and in a write", async () => {
    const editor = w.as("roleEditor");
    const current = await mapping();
    const roles: Record<string, unknown> = { ...current.document.roles };
    for (let i = 0; Object.keys(roles).length <= MAPPING_LIMITS.maxRoles; i++) roles[`extra${i}`] = {};
    const document = { ...current.document, roles };
    for (const res of [await editor.post("/mapping/plan", { document }), await editor.put("/mapping", document, await editor.etag())]) {
      expectError(res, 422, "invalid_mapping");
      const issues = errorOf(res)["issues"] as Array<{ code: string; message: string; line: number }>;
      expect(issues).toEqual([expect.objectContaining({ code: "too_many", message: expect.stringMatching(new RegExp(`at most ${MAPPING_LIMITS.maxRoles} are allowed per organisation`)) as unknown })]);
      expect(issues[0]?.line).toBeGreaterThan(MAPPING_LIMITS.maxRoles);
    }
    expect((await mapping()).version).toBe(1);
  });

  it("refuses a change that would leave no one able to edit roles, naming who would lose the right, and shows it in the plan", async () => {
    // The file names a Primary Owner not yet provisioned (allowed at first set-up), so only the owner
    // and the role editor can edit roles; primary ownership itself passes only to active members.
    await w.h.applyMapping(ADMIN_MAPPING.replace("primaryOwner: po@example.com", "primaryOwner: ghost@example.com"));
    const owner = w.as("owner");
    const current = await mapping();
    const document = {
      ...current.document,
      roles: { ...current.document.roles, "iam-admin": { admin: { identity_access: "view" } } },
      mappings: current.document.mappings.filter((rule) => rule.id !== "owners"),
    };
    const plan = await owner.post("/mapping/plan", { document });
    expect(plan.body).toMatchObject({ lockout: { losing: [{ userName: "iam@example.com" }, { userName: "owner@example.com" }] } });
    const res = await owner.put("/mapping", document, await owner.etag());
    expectError(res, 409, "would_lock_out");
    expect(errorOf(res)["losing"]).toEqual([
      { id: w.ids.roleEditor, userName: "iam@example.com" },
      { id: w.ids.owner, userName: "owner@example.com" },
    ]);
    expect((await mapping()).version).toBe(current.version);
    expect((await w.as("owner").get("/me")).body).toMatchObject({ permissions: { orgRole: "owner" } });
  });

  it("answers 409 managed_by_file naming the file while a file manages the mapping; reads and plans still work", async () => {
    await setOrgMappingFile(w.h.db.knex, w.h.orgId, "/etc/scim/roles.yaml");
    const owner = w.as("owner");
    const res = await owner.put("/roles/auditor", { admin: { analytics: "view" } }, await owner.etag());
    expectError(res, 409, "managed_by_file");
    expect(errorOf(res)).toMatchObject({ file: "/etc/scim/roles.yaml", message: expect.stringMatching(/\/etc\/scim\/roles\.yaml/) });
    for (const [method, path] of [["put", "/org"], ["post", "/rules"], ["delete", "/rules/finance"], ["delete", "/roles/finance"], ["post", "/mapping/rollback"]] as const) {
      const attempt = method === "delete" ? await owner.delete(path, await owner.etag()) : await owner[method](path, { version: 1 }, await owner.etag());
      expectError(attempt, 409, "managed_by_file");
    }
    expect((await owner.get("/mapping")).body).toMatchObject({ managedByFile: "/etc/scim/roles.yaml" });
    expect((await owner.get("/me")).body).toMatchObject({ org: { managedByFile: "/etc/scim/roles.yaml" } });
    expect((await owner.post("/mapping/plan", { change: { kind: "delete_role", name: "finance" } })).status).toBe(200);
  });
});

describe("demoting yourself as the last one able to edit roles", () => {
  // No Primary Owner in the directory and no owners: the role editor is the only one left.
  const w = adminWorldPerTest({
    mapping: "version: 1\nprimaryOwner: nobody@example.com\nroles:\n  iam-admin: { admin: { identity_access: manage } }\nmappings:\n  - { id: iam-admins, group: { externalId: g-iam-admin }, roles: [iam-admin] }\n",
  });

  it("is refused with 409 would_lock_out naming yourself", async () => {
    const editor = w.as("roleEditor");
    const res = await editor.put("/roles/iam-admin", { admin: { identity_access: "view" } }, await editor.etag());
    expectError(res, 409, "would_lock_out");
    expect(errorOf(res)["losing"]).toEqual([{ id: w.ids.roleEditor, userName: "iam@example.com" }]);
    expect((await editor.get("/me")).body).toMatchObject({ may: { edit_custom_roles: true } });
    // Giving the right to someone else first makes it possible.
    const group = (await editor.post("/groups", { displayName: "Stand-ins" })).body as { id: string };
    await editor.put("/roles/stand-in", { admin: { identity_access: "manage" } }, await editor.etag());
    await editor.post("/rules", { group: { manual: "Stand-ins" }, roles: ["stand-in"] }, await editor.etag());
    expect((await editor.put(`/groups/${group.id}/members/${w.ids.plain}`, {})).status).toBe(200);
    expect((await editor.put("/roles/iam-admin", { admin: { identity_access: "view" } }, await editor.etag())).status).toBe(200);
  });
});
