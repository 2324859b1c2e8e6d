import { readAdminActions } from "../../../db/admin-actions";
import { appendAudit, readAudit } from "../../../db/audit";
import { insertConsoleSession } from "../../../db/console-sessions";
import { readOutbox } from "../../../db/outbox";
import { withAfterCommit } from "../../../db/transaction";
import { NO_ACCESS } from "../../../mapping";
import { silentLogger } from "../../../server/logger";
import { Retention, type RetentionPruner } from "../../../server/retention";
import { createUser, patchBody } from "../../support/harness";
import { ADMIN_MAPPING, adminWorldPerTest, errorOf, expectError } from "./support";

/**
 * The fixture members, with Privacy given by their groups: the role reader at view, the people
 * manager at manage; the role editor (Identity & Access at manage) and the plain member have none.
 * A role's description names ada@example.com, so a kept mapping version holds her name.
 */
const PRIVACY_MAPPING = ADMIN_MAPPING.replace("iam-viewer: { admin: { identity_access: view } }", "iam-viewer: { admin: { identity_access: view, privacy: view } }")
  .replace("people: { admin: { user_management: view } }", "people: { admin: { privacy: manage } }")
  .replace("finance: { description: Spend,", "finance: { description: Spend (ask ada@example.com),");

const DAY = 86_400_000;
const ago = (now: number, days: number): string => new Date(now - days * DAY).toISOString();

interface Retained {
  settings: Record<string, number | null>;
  effective: Record<string, number | null>;
  updatedBy: string | null;
}

describe("privacy: retention settings", () => {
  const w = adminWorldPerTest({ mapping: PRIVACY_MAPPING });

  it("are hidden at no access, shown at view, changed at manage and by owners", async () => {
    expectError(await w.as("roleEditor").get("/privacy/retention"), 403, "privacy_view_required");
    expectError(await w.as("plain").get("/privacy/statement"), 403, "privacy_view_required");
    const viewed = await w.as("roleReader").get("/privacy/retention");
    expect(viewed.status).toBe(200);
    expect(viewed.body as Retained).toMatchObject({ settings: { auditLogDays: null, eventDays: null, analyticsDays: null, deletedMemberDays: null }, effective: { auditLogDays: null, eventDays: 7 } });
    expectError(await w.as("roleReader").put("/privacy/retention", { auditLogDays: 90 }), 403, "privacy_manage_required");
    const changed = await w.as("peopleManager").put("/privacy/retention", { auditLogDays: 90, eventDays: 3 });
    expect(changed.status).toBe(200);
    expect(changed.body as Retained).toMatchObject({ settings: { auditLogDays: 90, eventDays: 3, analyticsDays: null }, effective: { auditLogDays: 90, eventDays: 3 }, updatedBy: "member:hr@example.com" });
    const byOwner = await w.as("owner").put("/privacy/retention", { analyticsDays: 400 });
    expect((byOwner.body as Retained).settings).toEqual({ auditLogDays: 90, eventDays: 3, analyticsDays: 400, deletedMemberDays: null });
  });

  it("refuse an audit log retention below the 30-day floor, and any setting out of bounds, changing nothing", async () => {
    const manager = w.as("peopleManager");
    const floor = await manager.put("/privacy/retention", { auditLogDays: 29, eventDays: 3 });
    expectError(floor, 400, "retention_below_floor");
    expect(errorOf(floor).message).toMatch(/cannot be below 30 days/);
    expectError(await manager.put("/privacy/retention", { eventDays: 0 }), 400, "retention_out_of_range");
    expectError(await manager.put("/privacy/retention", { eventDays: 366 }), 400, "retention_out_of_range");
    expectError(await manager.put("/privacy/retention", { deletedMemberDays: 1.5 }), 400, "retention_out_of_range");
    expectError(await manager.put("/privacy/retention", { analyticsDays: "30" }), 400, "retention_out_of_range");
    expectError(await manager.put("/privacy/retention", { auditDays: 30 }), 400, "invalid_request");
    expect(((await manager.get("/privacy/retention")).body as Retained).settings).toEqual({ auditLogDays: null, eventDays: null, analyticsDays: null, deletedMemberDays: null });
    expect((await manager.put("/privacy/retention", { auditLogDays: 30 })).status).toBe(200);
  });

  it("are audited with what they were and what they became", async () => {
    await w.as("peopleManager").put("/privacy/retention", { auditLogDays: 60 });
    await w.as("owner").put("/privacy/retention", { auditLogDays: null, deletedMemberDays: 14 });
    const actions = (await readAdminActions(w.h.db.knex, w.h.orgId, { limit: 10 })).filter((a) => a.action === "privacy.retention.set");
    expect(actions.map((a) => [a.actor, a.detail])).toEqual([
      ["member:owner@example.com", { before: { auditLogDays: 60, eventDays: null, analyticsDays: null, deletedMemberDays: null }, after: { auditLogDays: null, eventDays: null, analyticsDays: null, deletedMemberDays: 14 } }],
      ["member:hr@example.com", { before: { auditLogDays: null, eventDays: null, analyticsDays: null, deletedMemberDays: null }, after: { auditLogDays: 60, eventDays: null, analyticsDays: null, deletedMemberDays: null } }],
    ]);
  });

  it("fill the statement of what is stored with the organisation's values", async () => {
    await w.as("owner").put("/privacy/retention", { auditLogDays: 45, eventDays: 2 });
    const res = await w.as("roleReader").get("/privacy/statement");
    const rows = (res.body as { rows: Array<{ what: string; kept: string }> }).rows;
    expect(rows.find((r) => r.what === "Audit log")?.kept).toMatch(/^45 days/);
    expect(rows.find((r) => r.what === "Events")?.kept).toMatch(/^2 days/);
    expect(rows.find((r) => r.what === "Deleted members' records")?.kept).toMatch(/^Until erased on request/);
  });
});

describe("privacy: the retention job", () => {
  const w = adminWorldPerTest({ mapping: PRIVACY_MAPPING });

  /** Rows of each kind at the given ages (days), in `orgId`. */
  const seed = async (orgId: string, userId: string, now: number, ages: number[]) => {
    // Event ids grow with time: the world's own (newer) events make way for these, the older the lower.
    await w.h.db.knex("event_outbox").where({ org_id: orgId }).delete();
    for (const age of ages) {
      await appendAudit(w.h.db.knex, orgId, [{ userId, userName: `aged-${age}@example.com`, before: NO_ACCESS, after: NO_ACCESS }], { kind: "test" }, "scim", { at: ago(now, age) });
      // Admin-log rows as old as the others: written directly, since a real admin write is always now.
      await w.h.db.knex("admin_actions").insert({ org_id: orgId, actor: "cli:ops", action: `test.${age}`, target: null, detail: "{}", at: ago(now, age) });
      await w.h.db.knex("event_outbox").insert({ org_id: orgId, id: 1000 - age, type: "test.aged", member_id: null, payload: JSON.stringify({ age }), created_ms: now - age * DAY });
    }
  };
  const left = async (orgId: string) => ({
    audit: (await w.h.db.knex("audit_log").where({ org_id: orgId }).where("user_name", "like", "aged-%").orderBy("user_name").select("user_name")).map((r: { user_name: string }) => r.user_name),
    admin: (await w.h.db.knex("admin_actions").where({ org_id: orgId }).where("action", "like", "test.%").orderBy("action").select("action")).map((r: { action: string }) => r.action),
    events: (await w.h.db.knex("event_outbox").where({ org_id: orgId, type: "test.aged" }).orderBy("id", "desc").select("id")).map((r: { id: number | string }) => 1000 - Number(r.id)),
  });

  it("deletes exactly what is past each organisation's settings, the defaults elsewhere, and hands its pruners their cutoff", async () => {
    const now = Date.now();
    const other = await w.h.addOrg("globex");
    await w.as("owner").put("/privacy/retention", { auditLogDays: 30, eventDays: 2, analyticsDays: 10 });
    await seed(w.h.orgId, w.ids.plain, now, [1, 3, 29, 31, 400]);
    await seed(other.orgId, w.ids.plain, now, [1, 3, 8, 31, 400]);
    const calls: Array<[string, number]> = [];
    const custom: RetentionPruner = {
      name: "custom",
      setting: "analyticsDays",
      prune: async (_tx, orgId, before) => {
        calls.push([orgId, Math.round((now - before.getTime()) / DAY)]);
        return 0;
      },
    };
    const job = new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 7 }, pruners: [custom] });
    const outcome = await job.prune(now);

    expect(await left(w.h.orgId)).toEqual({ audit: ["aged-1@example.com", "aged-29@example.com", "aged-3@example.com"], admin: ["test.1", "test.29", "test.3"], events: [1] });
    // Nothing set: the audit and admin logs are kept, events by EVENT_RETENTION_DAYS.
    expect(await left(other.orgId)).toEqual({ audit: ["aged-1@example.com", "aged-31@example.com", "aged-3@example.com", "aged-400@example.com", "aged-8@example.com"], admin: ["test.1", "test.3", "test.31", "test.400", "test.8"], events: [1, 3] });
    expect(calls).toEqual([[w.h.orgId, 10]]);
    expect(outcome).toMatchObject({ auditLog: 2, adminLog: 2, events: 4 + 3, custom: 0, analytics: 0, erasedMembers: 0 });
    expect(await job.prune(now)).toMatchObject({ auditLog: 0, adminLog: 0, events: 0 });
  });

  it("deletes the analytics counts of days past the organisation's setting, oldest first and in batches, and no other organisation's", async () => {
    const now = Date.now();
    const other = await w.h.addOrg("globex");
    await w.as("owner").put("/privacy/retention", { analyticsDays: 10 });
    const dayAgo = (age: number) => new Date(now - age * DAY).toISOString().slice(0, 10);
    for (const orgId of [w.h.orgId, other.orgId]) {
      for (const age of [1, 9, 12, 40]) {
        await w.h.db.knex("analytics_decisions").insert({ org_id: orgId, day: dayAgo(age), kind: "capability", name: "web_search", allowed: 3, denied: 1 });
        await w.h.db.knex("analytics_provisioning").insert({ org_id: orgId, day: dayAgo(age), idp: "okta", creates: 1, updates: 2, deactivations: 0, errors: 0 });
        await w.h.db.knex("analytics_members").insert({ org_id: orgId, day: dayAgo(age), kind: "org_role", key: "user", members: 5 });
      }
    }
    const days = async (orgId: string) => (await w.h.db.knex("analytics_decisions").where({ org_id: orgId }).orderBy("day").pluck("day")) as string[];
    const job = new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 365 }, batch: 2, perRun: 4 });
    // Six rows are past: four this run (two batches), the rest at the next.
    expect(await job.prune(now)).toMatchObject({ analytics: 4 });
    expect(await job.prune(now)).toMatchObject({ analytics: 2 });
    expect(await days(w.h.orgId)).toEqual([dayAgo(9), dayAgo(1)]);
    const count = async (table: string) => Number(((await w.h.db.knex(table).where({ org_id: w.h.orgId }).count({ n: "*" }).first()) as { n: number | string }).n);
    expect([await count("analytics_provisioning"), await count("analytics_members")]).toEqual([2, 2]);
    expect(await days(other.orgId)).toEqual([dayAgo(40), dayAgo(12), dayAgo(9), dayAgo(1)]);
  });

  it("deletes in batches, at most its bound per run, the rest at the next run", async () => {
    const now = Date.now();
    await w.as("owner").put("/privacy/retention", { auditLogDays: 30 });
    await seed(w.h.orgId, w.ids.plain, now, [35, 34, 33, 32, 31]);
    const job = new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 365 }, batch: 2, perRun: 3 });
    expect(await job.prune(now)).toMatchObject({ auditLog: 3, adminLog: 3 });
    // The oldest first.
    expect((await left(w.h.orgId)).audit).toEqual(["aged-31@example.com", "aged-32@example.com"]);
    expect(await job.prune(now)).toMatchObject({ auditLog: 2, adminLog: 2 });
    expect((await left(w.h.orgId)).audit).toEqual([]);
  });

  it("holds the audit log's 30-day floor whatever the stored setting says", async () => {
    const now = Date.now();
    await w.h.db.knex("privacy_settings").insert({ org_id: w.h.orgId, audit_log_days: 5, event_days: null, analytics_days: null, deleted_member_days: null, updated_at: new Date(now).toISOString(), updated_by: "cli:ops" });
    await seed(w.h.orgId, w.ids.plain, now, [10, 29, 31]);
    expect(await new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 365 } }).prune(now)).toMatchObject({ auditLog: 1, adminLog: 1 });
    expect((await left(w.h.orgId)).audit).toEqual(["aged-10@example.com", "aged-29@example.com"]);
  });

  it("erases at most its bound of deleted members per run, and skips one whose userName a current member took", async () => {
    const now = Date.now();
    await w.as("owner").put("/privacy/retention", { deletedMemberDays: 1 });
    const ids = [await createUser(w.h, "ada@example.com"), await createUser(w.h, "bob@example.com"), await createUser(w.h, "cy@example.com")];
    for (const id of ids) await w.h.scim("delete", `/Users/${id}`).expect(204);
    await w.h.db.knex("deleted_members").where({ org_id: w.h.orgId }).update({ deleted_at: ago(now, 2) });
    await createUser(w.h, "cy@example.com");
    const job = new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 7 }, erasuresPerRun: 1 });
    expect((await job.prune(now)).erasedMembers).toBe(1);
    expect((await job.prune(now)).erasedMembers).toBe(1);
    const left = await w.h.db.knex("deleted_members").where({ org_id: w.h.orgId }).whereNull("erased_at").select("user_name");
    expect(left).toEqual([{ user_name: "cy@example.com" }]);
  });

  it("erases deleted members once their records pass the organisation's retention, and no one sooner", async () => {
    const now = Date.now();
    await w.as("owner").put("/privacy/retention", { deletedMemberDays: 3 });
    const ada = await createUser(w.h, "ada@example.com", { displayName: "Ada Lovelace" });
    const bob = await createUser(w.h, "bob@example.com");
    await w.h.scim("patch", `/Groups/${w.groups.finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }, { value: bob }] })).expect(204);
    await w.h.scim("delete", `/Users/${ada}`).expect(204);
    await w.h.scim("delete", `/Users/${bob}`).expect(204);
    await w.h.db.knex("deleted_members").where({ org_id: w.h.orgId, user_id: ada }).update({ deleted_at: ago(now, 4) });
    await w.h.db.knex("deleted_members").where({ org_id: w.h.orgId, user_id: bob }).update({ deleted_at: ago(now, 2) });

    const outcome = await new Retention(w.h.db, silentLogger(), { defaults: { eventDays: 7 } }).prune(now);
    expect(outcome.erasedMembers).toBe(1);
    const names = async (userId: string) => [...new Set((await readAudit(w.h.db.knex, w.h.orgId, { userId, limit: 100 })).map((e) => e.userName))];
    expect(await names(ada)).toEqual([expect.stringMatching(/^erased:[0-9a-f]{16}$/)]);
    expect(await names(bob)).toEqual(["bob@example.com"]);
    const logged = (await readAdminActions(w.h.db.knex, w.h.orgId, { limit: 5 })).find((a) => a.action === "privacy.erasure");
    expect(logged).toMatchObject({ actor: "system:retention", target: ada });
  });
});

describe("privacy: personal data export", () => {
  const w = adminWorldPerTest({ mapping: PRIVACY_MAPPING });

  interface Exported {
    member: { id: string; userName: string; record: { userName: string; data: Record<string, unknown> } | null };
    groups: Array<{ displayName: string; source: string }>;
    permissions: { orgRole: string; roles: string[] } | null;
    permissionHistory: Array<{ userId: string; after: { roles: string[] } }>;
    adminLog: Array<{ action: string; actor: string }>;
    consoleSessions: Array<Record<string, string>>;
    truncated: Record<string, boolean>;
    limits: { entriesPerList: number };
  }

  it("gives a Privacy manager anyone's record, groups, permission history, admin-log entries and sessions without secrets, and audits it", async () => {
    const group = await w.as("owner").post("/groups", { displayName: "Vault" });
    await w.as("owner").put(`/groups/${(group.body as { id: string }).id}/members/${w.ids.finance}`, {});
    await withAfterCommit(w.h.db, (tx) =>
      insertConsoleSession(tx, { idHash: "h".repeat(64), orgId: w.h.orgId, userId: w.ids.finance, userName: "fin@example.com", csrfToken: "c".repeat(43), createdAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    const res = await w.as("peopleManager").get(`/members/${w.ids.finance}/export`);
    expect(res.status).toBe(200);
    expect(res.headers["content-disposition"]).toBe(`attachment; filename="personal-data-${w.ids.finance}.json"`);
    const doc = res.body as Exported;
    expect(doc.member).toMatchObject({ id: w.ids.finance, userName: "fin@example.com", record: { userName: "fin@example.com" } });
    expect(doc.groups.map((g) => [g.displayName, g.source])).toEqual([["Finance", "scim"], ["Vault", "manual"]]);
    expect(doc.permissions).toMatchObject({ orgRole: "custom", roles: ["finance"] });
    expect(doc.permissionHistory.some((e) => e.userId === w.ids.finance && e.after.roles.includes("finance"))).toBe(true);
    expect(doc.adminLog.map((a) => [a.action, a.actor])).toEqual([["group.member.add", "member:owner@example.com"]]);
    expect(doc.consoleSessions).toHaveLength(1);
    expect(Object.keys(doc.consoleSessions[0] ?? {}).sort()).toEqual(["createdAt", "expiresAt", "lastSeenAt"]);
    expect(JSON.stringify(doc)).not.toMatch(/hhhhhhhh|cccccccc/);
    expect(doc.limits.entriesPerList).toBe(1000);
    expect(doc.truncated).toEqual({ permissionHistory: false, adminLog: false, consoleSessions: false });
    const logged = (await readAdminActions(w.h.db.knex, w.h.orgId, { limit: 5 })).find((a) => a.action === "privacy.export");
    expect(logged).toMatchObject({ actor: "member:hr@example.com", target: w.ids.finance, detail: { userName: "fin@example.com", self: false } });
  });

  it("refuses other members' exports below Privacy at manage, and lets every member export their own", async () => {
    expectError(await w.as("roleReader").get(`/members/${w.ids.finance}/export`), 403, "privacy_manage_required");
    expectError(await w.as("plain").get(`/members/${w.ids.finance}/export`), 403, "privacy_manage_required");
    expectError(await w.as("peopleManager").get("/members/00000000-0000-0000-0000-000000000000/export"), 404, "member_not_found");
    const own = await w.as("plain").get("/me/export");
    expect(own.status).toBe(200);
    expect((own.body as Exported).member).toMatchObject({ id: w.ids.plain, userName: "plain@example.com" });
    const logged = (await readAdminActions(w.h.db.knex, w.h.orgId, { limit: 5 })).find((a) => a.action === "privacy.export");
    expect(logged).toMatchObject({ actor: "member:plain@example.com", target: w.ids.plain, detail: { self: true } });
  });

  it("lets a Privacy manager find the member to export by the start of a name, and no one below manage", async () => {
    const found = await w.as("peopleManager").get("/privacy/members?q=FIN");
    expect(found.body).toEqual({ members: [{ id: w.ids.finance, userName: "fin@example.com", displayName: null }] });
    expectError(await w.as("roleReader").get("/privacy/members?q=fin"), 403, "privacy_manage_required");
  });

  it("caps each list at its documented limit and says so", async () => {
    await appendAudit(w.h.db.knex, w.h.orgId, Array.from({ length: 1001 }, () => ({ userId: w.ids.plain, userName: "plain@example.com", before: NO_ACCESS, after: NO_ACCESS })), { kind: "test" }, "scim");
    const doc = (await w.as("plain").get("/me/export")).body as Exported;
    expect(doc.permissionHistory).toHaveLength(1000);
    expect(doc.truncated.permissionHistory).toBe(true);
  });
});

describe("privacy: erasure of a deleted member", () => {
  const w = adminWorldPerTest({ mapping: PRIVACY_MAPPING });

  /** Ada: in Finance (audit rows and events about her), exported once (an admin-log row naming her), then deleted. */
  const deletedAda = async (): Promise<string> => {
    const ada = await createUser(w.h, "ada@example.com", { displayName: "Ada Lovelace", emails: [{ value: "ada.l@example.org", primary: true }] });
    await w.h.scim("patch", `/Groups/${w.groups.finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] })).expect(204);
    expect((await w.as("peopleManager").get(`/members/${ada}/export`)).status).toBe(200);
    await w.h.scim("delete", `/Users/${ada}`).expect(204);
    return ada;
  };
  const mentions = async (text: string): Promise<Record<string, number>> => {
    const count = async (table: string, columns: string[]) => {
      const rows: Array<Record<string, unknown>> = await w.h.db.knex(table).where({ org_id: w.h.orgId }).select(...columns);
      return rows.filter((row) => JSON.stringify(row).toLowerCase().includes(text.toLowerCase())).length;
    };
    return {
      audit: await count("audit_log", ["user_name", "actor", "cause", "before", "after"]),
      admin: await count("admin_actions", ["actor", "target", "detail"]),
      events: await count("event_outbox", ["payload"]),
      deleted: await count("deleted_members", ["user_name", "display_name", "emails"]),
      scimErrors: await count("scim_errors", ["detail"]),
    };
  };

  it("pseudonymises her in the audit log, admin log and events, keeps every row, says what it cannot erase, and is audited", async () => {
    const ada = await deletedAda();
    // Not yet erased, her data can still be exported.
    const exported = await w.as("peopleManager").get(`/members/${ada}/export`);
    expect(exported.body).toMatchObject({ member: { id: ada, userName: "ada@example.com", record: null, deleted: { userName: "ada@example.com", displayName: "Ada Lovelace" } }, groups: [] });
    await withAfterCommit(w.h.db, (tx) =>
      insertConsoleSession(tx, { idHash: "a".repeat(64), orgId: w.h.orgId, userId: ada, userName: "ada@example.com", csrfToken: "c".repeat(43), createdAt: new Date().toISOString(), lastSeenAt: new Date().toISOString(), expiresAt: new Date(Date.now() + 3_600_000).toISOString() }),
    );
    // A SCIM error the IdP met while she was a member names her in its detail; another names no one.
    const token = (await w.h.db.knex("tokens").where({ org_id: w.h.orgId }).first("id")) as { id: string };
    const scimError = (detail: string) => ({ token_id: token.id, org_id: w.h.orgId, status: 409, scim_type: "uniqueness", method: "POST", path: "/scim/v2/Users", detail, at: new Date().toISOString() });
    await w.h.db.knex("scim_errors").insert([scimError("userName ada@example.com is already taken"), scimError("Group name taken")]);
    const auditBefore = (await readAudit(w.h.db.knex, w.h.orgId, { userId: ada, limit: 100 })).length;
    const eventsBefore = (await readOutbox(w.h.db.knex, w.h.orgId, 0, 1000)).length;
    expect((await mentions("ada@example.com")).audit).toBeGreaterThan(0);
    // Two exports of her (before and after her deletion) are in the admin log.
    expect(await mentions("ada@example.com")).toMatchObject({ admin: 2, deleted: 1 });
    expect((await mentions("ada.l@example.org")).deleted).toBe(1);

    const res = await w.as("peopleManager").post("/erasures", { userName: "ADA@example.com" });
    expect(res.status).toBe(200);
    const outcome = res.body as { userId: string; pseudonym: string; pseudonymised: Record<string, number>; notErased: Array<{ what: string; count: number | null; why: string }> };
    expect(outcome.userId).toBe(ada);
    expect(outcome.pseudonym).toMatch(/^erased:[0-9a-f]{16}$/);
    expect(outcome.pseudonymised.auditRows).toBe(auditBefore);
    expect(outcome.pseudonymised.events).toBeGreaterThan(0);
    expect(outcome.pseudonymised.consoleSessions).toBe(1);
    expect(outcome.pseudonymised.scimErrors).toBe(1);
    expect(await w.h.db.knex("scim_errors").where({ org_id: w.h.orgId }).pluck("detail")).toEqual(["Group name taken"]);
    expect(Number(((await w.h.db.knex("console_sessions").where({ user_id: ada }).count({ n: "*" }).first()) as { n: number | string }).n)).toBe(0);
    expectError(await w.as("peopleManager").get(`/members/${ada}/export`), 404, "member_not_found");
    expect(await mentions("ada@example.com")).toEqual({ audit: 0, admin: 0, events: 0, deleted: 0, scimErrors: 0 });
    expect(await mentions("ada.l@example.org")).toEqual({ audit: 0, admin: 0, events: 0, deleted: 0, scimErrors: 0 });
    expect(await mentions("Ada Lovelace")).toEqual({ audit: 0, admin: 0, events: 0, deleted: 0, scimErrors: 0 });
    // Counts kept: the same rows, now under the pseudonym.
    expect((await readAudit(w.h.db.knex, w.h.orgId, { userId: ada, limit: 100 })).map((e) => e.userName)).toEqual(Array(auditBefore).fill(outcome.pseudonym));
    // Every event kept, plus the erasure's own admin.action event.
    const events = await readOutbox(w.h.db.knex, w.h.orgId, 0, 1000);
    expect(events.length).toBe(eventsBefore + 1);
    expect(events[events.length - 1]?.type).toBe("admin.action");
    // The kept mapping version names her in a role's description: said, with why.
    expect(outcome.notErased.find((n) => n.what === "mapping_versions")).toEqual({ what: "mapping_versions", count: 1, why: expect.stringMatching(/hash is its identity/) as unknown });
    expect(outcome.notErased.map((n) => n.what)).toEqual(["mapping_versions", "mapping_refusals", "webhook_deliveries", "request_logs", "backups"]);
    const logged = (await readAdminActions(w.h.db.knex, w.h.orgId, { limit: 5 })).find((a) => a.action === "privacy.erasure");
    expect(logged).toMatchObject({ actor: "member:hr@example.com", target: ada, detail: { pseudonym: outcome.pseudonym } });
    // The same member again: nothing left to do, the same pseudonym.
    const again = await w.as("peopleManager").post("/erasures", { userId: ada });
    expect(again.body).toMatchObject({ pseudonym: outcome.pseudonym, pseudonymised: { auditRows: 0, adminRows: 0, events: 0, consoleSessions: 0 } });
  });

  it("refuses a member who still exists, an unknown one, and anyone below Privacy at manage", async () => {
    const ada = await deletedAda();
    expectError(await w.as("peopleManager").post("/erasures", { userId: w.ids.plain }), 409, "member_exists");
    expectError(await w.as("peopleManager").post("/erasures", { userName: "plain@example.com" }), 409, "member_exists");
    expectError(await w.as("peopleManager").post("/erasures", { userName: "nobody@example.com" }), 404, "member_not_found");
    expectError(await w.as("peopleManager").post("/erasures", {}), 400, "invalid_request");
    expectError(await w.as("roleReader").post("/erasures", { userId: ada }), 403, "privacy_manage_required");
    expectError(await w.as("roleEditor").post("/erasures", { userId: ada }), 403, "privacy_manage_required");
    // Someone new took her userName: erasing would rewrite their rows too.
    await createUser(w.h, "ada@example.com");
    expectError(await w.as("peopleManager").post("/erasures", { userId: ada }), 409, "member_exists");
    expect((await mentions("ada@example.com")).deleted).toBe(1);
  });

  it("lists deleted members for Privacy viewers", async () => {
    const ada = await deletedAda();
    const res = await w.as("roleReader").get("/privacy/deleted-members");
    expect((res.body as { members: Array<{ userId: string; userName: string; emails: string[] }> }).members).toEqual([
      expect.objectContaining({ userId: ada, userName: "ada@example.com", emails: ["ada.l@example.org"], erasedAt: null }),
    ]);
    const erasure = (res.body as { erasure: { erases: string[]; keeps: Array<{ what: string; why: string }> } }).erasure;
    expect(erasure.erases.join(" ")).toMatch(/pseudonym/);
    expect(erasure.keeps.map((k) => k.what)).toEqual(["mapping_versions", "mapping_refusals", "webhook_deliveries", "request_logs", "backups"]);
    expectError(await w.as("plain").get("/privacy/deleted-members"), 403, "privacy_view_required");
  });
});
