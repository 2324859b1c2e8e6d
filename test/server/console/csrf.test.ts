import { patchBody } from "../../support/harness";
import { expectDocumented } from "../../support/openapi";
import { TEST_CONSOLE_URL } from "../../support/oidc";
import { MEMBERS, expectError } from "../admin/support";
import { consoleWorldPerTest, signedInBrowser } from "./support";

/** The admin API with the console's session cookie: reads as they are, writes only with the session's CSRF token from the console's origin. */
describe("the admin API with the console's session", () => {
  const world = consoleWorldPerTest();

  it("accepts the cookie for reads, as it accepts a member's bearer token", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleEditor);
    const me = await browser.get("/api/v1/admin/me");
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ member: { id: world.ids.roleEditor, userName: MEMBERS.roleEditor }, may: { edit_custom_roles: true } });
    expectDocumented(me);
  });

  it("refuses a write without the CSRF token, or with another session's, and writes nothing", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleEditor);
    const { csrf: otherToken } = await signedInBrowser(world, MEMBERS.owner);
    const missing = await browser.post("/api/v1/admin/groups", { displayName: "Contractors" });
    expectError(missing, 403, "csrf");
    expectDocumented(missing);
    expectError(await browser.post("/api/v1/admin/groups", { displayName: "Contractors" }, { "X-CSRF-Token": otherToken }), 403, "csrf");
    expectError(await browser.delete(`/api/v1/admin/groups/${world.groups.finance}`, { "X-CSRF-Token": "" }), 403, "csrf");
    const groups = await browser.get("/api/v1/admin/groups?source=manual");
    expect(groups.body).toEqual({ groups: [], nextCursor: null });
  });

  it("accepts a write that carries the session's CSRF token", async () => {
    const { browser, csrf } = await signedInBrowser(world, MEMBERS.roleEditor);
    const created = await browser.post("/api/v1/admin/groups", { displayName: "Contractors" }, { "X-CSRF-Token": csrf });
    expect(created.status).toBe(201);
    expectDocumented(created);
    const etag = String((await browser.get("/api/v1/admin/mapping")).headers["etag"]);
    const role = await browser.put("/api/v1/admin/roles/auditor", { admin: { analytics: "view" } }, { "X-CSRF-Token": csrf, "If-Match": etag });
    expect(role.status).toBe(200);
    expect(role.body).toMatchObject({ role: { name: "auditor" } });
  });

  it("needs no CSRF token from a request with a member's bearer token", async () => {
    const res = await world.as("roleEditor").post("/groups", { displayName: "Bearer-made" });
    expect(res.status).toBe(201);
  });

  it("refuses a cookie-authenticated request from another origin, read or write, and accepts the console's own", async () => {
    const { browser, csrf } = await signedInBrowser(world, MEMBERS.roleEditor);
    expectError(await browser.post("/api/v1/admin/groups", { displayName: "Cross-site" }, { "X-CSRF-Token": csrf, Origin: "https://evil.example" }), 403, "csrf");
    expectError(await browser.get("/api/v1/admin/me", { Origin: "http://127.0.0.1:2" }), 403, "csrf");
    expectError(await browser.post("/console/logout", undefined, { "X-CSRF-Token": csrf, Origin: "https://evil.example" }), 403, "csrf");
    const same = await browser.post("/api/v1/admin/groups", { displayName: "Same-site" }, { "X-CSRF-Token": csrf, Origin: TEST_CONSOLE_URL });
    expect(same.status).toBe(201);
  });

  it("still finds the member on every request: a deactivated member's session opens nothing", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    await world.h.scim("patch", `/Users/${world.ids.owner}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
    expectError(await browser.get("/api/v1/admin/me"), 401, "unauthorized");
  });
});
