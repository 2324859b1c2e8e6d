import { readAdminActions } from "../../../db/admin-actions";
import { createGroup, createUser } from "../../support/harness";
import { ADMIN_MAPPING, MEMBERS, adminWorldPerTest, expectError } from "./support";

/** The admin world, with People at Analytics view, Finance at Analytics manage, and a group whose name and member are hostile to spreadsheets. */
const MAPPING = ADMIN_MAPPING.replace("people: { admin: { user_management: view } }", "people: { admin: { user_management: view, analytics: view } }")
  .replace("finance: { description: Spend, admin: { billing: manage }", "finance: { description: Spend, admin: { billing: manage, analytics: manage }")
  .concat("  - { id: evil, group: { externalId: g-evil }, roles: [iam-viewer] }\n");

const HOSTILE = '=HYPERLINK("http://evil.example","x")';
const today = () => new Date().toISOString().slice(0, 10);

interface ReviewRow {
  member: { id: string; userName: string };
  orgRole: string;
  area: string;
  level: string;
  paths: Array<{ role: string; roleKind: string; source: { kind: string; displayName?: string } | null }>;
  through: string;
}

describe("the Analytics admin API", () => {
  const world = adminWorldPerTest({ mapping: MAPPING, harness: { analytics: {} } });

  const READS = ["/analytics/settings", "/analytics/members", "/analytics/provisioning", "/analytics/decisions", "/analytics/access-review"];

  it("refuses every read to a member without Analytics, and changing the settings to one at view", async () => {
    for (const path of READS) expectError(await world.as("plain").get(path), 403, "analytics_view_required");
    expectError(await world.as("peopleManager").put("/analytics/settings", { collectAuthorize: false }), 403, "analytics_manage_required");
    expect((await world.as("peopleManager").get("/analytics/settings")).body).toMatchObject({ collectAuthorize: true, collectProvisioning: true, updatedBy: null });
  });

  it("lets Analytics at view and Owners read every series and the review", async () => {
    for (const member of ["peopleManager", "finance", "owner", "primaryOwner"] as const) {
      for (const path of READS) expect((await world.as(member).get(path)).status).toBe(200);
    }
  });

  it("lets Analytics at manage change what is collected, in the admin log, and the counter then drops what is switched off", async () => {
    const res = await world.as("finance").put("/analytics/settings", { collectAuthorize: false });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ collectAuthorize: false, collectProvisioning: true, updatedBy: `member:${MEMBERS.finance}` });
    const [logged] = await readAdminActions(world.h.db.knex, world.h.orgId, { limit: 1 });
    expect(logged).toMatchObject({ actor: `member:${MEMBERS.finance}`, action: "analytics.settings", detail: { before: { collectAuthorize: true }, after: { collectAuthorize: false } } });

    await world.h.api("post", "/authorize").send({ member: MEMBERS.finance, capability: "web_search" });
    await world.h.analytics?.flush();
    expect((await world.as("peopleManager").get("/analytics/decisions")).body.rows).toEqual([]);
    expectError(await world.as("finance").put("/analytics/settings", { collectAuthorize: "no" }), 400, "invalid_request");
    expectError(await world.as("finance").put("/analytics/settings", { retention: 3 }), 400, "invalid_request");
  });

  it("answers the decisions and provisioning series of a day range, with the IdP connection's label", async () => {
    await world.h.api("post", "/authorize").send({ checks: [{ member: MEMBERS.finance, capability: "web_search" }, { member: MEMBERS.plain, area: "billing" }] });
    await createUser(world.h, "new@example.com");
    await world.h.analytics?.flush();
    const decisions = await world.as("peopleManager").get(`/analytics/decisions?from=${today()}&to=${today()}`);
    expect(decisions.body).toEqual({
      from: today(),
      to: today(),
      truncated: false,
      rows: [
        { day: today(), kind: "area", name: "billing", allowed: 0, denied: 1 },
        { day: today(), kind: "capability", name: "web_search", allowed: 1, denied: 0 },
      ],
    });
    const areas = await world.as("peopleManager").get("/analytics/decisions?kind=area");
    expect(areas.body.rows.map((r: { name: string }) => r.name)).toEqual(["billing"]);
    const provisioning = await world.as("peopleManager").get("/analytics/provisioning");
    const [row] = provisioning.body.rows as Array<{ idp: { label: string | null }; creates: number }>;
    expect(provisioning.body.rows).toHaveLength(1);
    expect(row?.creates).toBeGreaterThanOrEqual(1);
  });

  it("counts members by org role and by custom role today, live", async () => {
    const byRole = await world.as("owner").get("/analytics/members");
    const todays = (byRole.body.rows as Array<{ day: string; key: string; members: number }>).filter((r) => r.day === today());
    expect(todays).toEqual([
      { day: today(), key: "custom", members: 4 },
      { day: today(), key: "owner", members: 1 },
      { day: today(), key: "primary_owner", members: 1 },
      { day: today(), key: "user", members: 1 },
    ]);
    const custom = await world.as("owner").get("/analytics/members?by=custom_role");
    expect(custom.body.rows.map((r: { key: string; members: number }) => [r.key, r.members])).toEqual([["finance", 1], ["iam-admin", 1], ["iam-viewer", 1], ["people", 1]]);
  });

  it("refuses day ranges that are backwards, longer than 366 days, or not days", async () => {
    const reader = world.as("peopleManager");
    expectError(await reader.get("/analytics/decisions?from=2026-02-02&to=2026-02-01"), 400, "invalid_request");
    expectError(await reader.get("/analytics/decisions?from=2025-01-01&to=2026-01-02"), 400, "invalid_request");
    expect((await reader.get("/analytics/decisions?from=2025-01-02&to=2026-01-02")).status).toBe(200);
    expectError(await reader.get("/analytics/members?from=2026-02-30"), 400, "invalid_request");
    expectError(await reader.get("/analytics/members?by=team"), 400, "invalid_request");
  });

  it("reviews who holds an area at view and at manage, and through which group or standard role, page by page", async () => {
    const rows: ReviewRow[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await world.as("peopleManager").get(`/analytics/access-review?area=identity_access&limit=1${cursor === null ? "" : `&cursor=${cursor}`}`);
      expect(res.status).toBe(200);
      rows.push(...(res.body.rows as ReviewRow[]));
      cursor = res.body.nextCursor as string | null;
      pages += 1;
    } while (cursor !== null && pages < 20);
    const by = (userName: string) => rows.find((r) => r.member.userName === userName);
    expect(rows.map((r) => r.member.userName).sort()).toEqual([MEMBERS.owner, MEMBERS.primaryOwner, MEMBERS.roleEditor, MEMBERS.roleReader].sort());
    expect(by(MEMBERS.primaryOwner)).toMatchObject({ level: "manage", orgRole: "primary_owner", through: "Primary Owner (named in the mapping)" });
    expect(by(MEMBERS.owner)).toMatchObject({ level: "manage", through: "Owner through group 'Owners'", paths: [{ role: "owner", roleKind: "standard", source: { kind: "group", displayName: "Owners" } }] });
    expect(by(MEMBERS.roleEditor)).toMatchObject({ level: "manage", through: "custom role 'iam-admin' through group 'IAM admins'" });
    expect(by(MEMBERS.roleReader)).toMatchObject({ level: "view", through: "custom role 'iam-viewer' through group 'IAM viewers'" });

    const managers = await world.as("peopleManager").get("/analytics/access-review?area=identity_access&level=manage");
    expect((managers.body.rows as ReviewRow[]).map((r) => r.member.userName).sort()).toEqual([MEMBERS.owner, MEMBERS.primaryOwner, MEMBERS.roleEditor].sort());
    expectError(await world.as("peopleManager").get("/analytics/access-review?area=payroll"), 400, "invalid_request");
  });

  it("downloads every chart and the review as CSV, with a hostile member name kept as text", async () => {
    const hostile = await createUser(world.h, HOSTILE);
    await createGroup(world.h, "-2+3 Evil", [hostile], { externalId: "g-evil" });
    const token = await world.op.signIn(MEMBERS.peopleManager);
    const review = await world.h.admin("get", "/analytics/access-review?format=csv&area=identity_access", token);
    expect(review.status).toBe(200);
    expect(review.headers["content-type"]).toMatch(/^text\/csv/);
    expect(review.headers["content-disposition"]).toBe('attachment; filename="access-review.csv"');
    const lines = review.text.split("\r\n");
    expect(lines[0]).toBe("member,member id,area,level,org role,through");
    expect(lines).toContain(`"'=HYPERLINK(""http://evil.example"",""x"")",${hostile},identity_access,view,custom,custom role 'iam-viewer' through group '-2+3 Evil'`);
    expect(lines).toHaveLength(6 + 1);

    const members = await world.h.admin("get", "/analytics/members", token).set("Accept", "text/csv");
    expect(members.headers["content-type"]).toMatch(/^text\/csv/);
    expect(members.text.split("\r\n")[0]).toBe("day,org role,members");
    for (const path of ["/analytics/provisioning?format=csv", "/analytics/decisions?format=csv", "/analytics/members?by=custom_role&format=csv"]) {
      const res = await world.h.admin("get", path, token);
      expect([res.status, res.headers["content-type"]]).toEqual([200, "text/csv; charset=utf-8; header=present"]);
    }
    expectError(await world.h.admin("get", "/analytics/members?format=csv", await world.op.signIn(MEMBERS.plain)), 403, "analytics_view_required");
  });
});
