import { MEMBERS, expectError } from "../admin/support";
import { consoleWorldPerTest, signedInBrowser } from "./support";

/**
 * An organisation's own console session limits (Identity & Access, Authentication): set by Owners,
 * never longer than the operator's CONSOLE_IDLE_MINUTES / CONSOLE_SESSION_HOURS, and held by every
 * session of the organisation from its next request on.
 */
describe("an organisation's console session limits", () => {
  const world = consoleWorldPerTest({ idleMinutes: 30, sessionHours: 4 });

  it("start as the operator's defaults, readable by Identity & Access viewers", async () => {
    const res = await world.as("roleReader").get("/authentication");
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ idleMinutes: 30, sessionHours: 4, defaults: { idleMinutes: 30, sessionHours: 4 }, custom: false, updatedBy: null, updatedAt: null });
    expectError(await world.as("plain").get("/authentication"), 403, "identity_access_view_required");
  });

  it("are changed by Owners only, within the operator's limits, and each change is logged", async () => {
    expectError(await world.as("roleEditor").put("/authentication", { idleMinutes: 10, sessionHours: 2 }), 403, "owner_required");
    expectError(await world.as("roleReader").put("/authentication", { idleMinutes: 10, sessionHours: 2 }), 403, "owner_required");
    expectError(await world.as("owner").put("/authentication", { idleMinutes: 31, sessionHours: 2 }), 400, "invalid_request");
    expectError(await world.as("owner").put("/authentication", { idleMinutes: 10, sessionHours: 5 }), 400, "invalid_request");
    expectError(await world.as("owner").put("/authentication", { idleMinutes: 0, sessionHours: 2 }), 400, "invalid_request");
    expectError(await world.as("owner").put("/authentication", { idleMinutes: 1.5, sessionHours: 2 }), 400, "invalid_request");
    expectError(await world.as("owner").put("/authentication", { idleMinutes: 10 }), 400, "invalid_request");
    const set = await world.as("owner").put("/authentication", { idleMinutes: 10, sessionHours: 2 });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ idleMinutes: 10, sessionHours: 2, custom: true, updatedBy: "member:owner@example.com" });
    const reset = await world.as("primaryOwner").put("/authentication", { idleMinutes: null, sessionHours: null });
    expect(reset.body).toMatchObject({ idleMinutes: 30, sessionHours: 4, custom: false });
    const logged = ((await world.as("owner").get("/actions")).body as { entries: Array<{ action: string; actor: string; detail: unknown }> }).entries.filter((e) => e.action === "session_limits.set");
    expect(logged.map((e) => [e.actor, e.detail])).toEqual([
      ["member:po@example.com", { before: { idleMinutes: 10, sessionHours: 2 }, after: null }],
      ["member:owner@example.com", { before: null, after: { idleMinutes: 10, sessionHours: 2 } }],
    ]);
  });

  it("end a session idle longer than the organisation's idle limit, from its next request, though the operator's is longer", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    world.clock.advance(15);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(200);
    expect((await world.as("owner").put("/authentication", { idleMinutes: 10, sessionHours: 4 })).status).toBe(200);
    world.clock.advance(9);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(200);
    world.clock.advance(11);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(401);
    expect((await browser.get("/console/session")).status).toBe(401);
  });

  it("end a session the organisation's absolute limit after sign-in, however busy, and say so in the session's expiry", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    expect((await world.as("owner").put("/authentication", { idleMinutes: 30, sessionHours: 1 })).status).toBe(200);
    const session = await browser.get("/console/session");
    expect(Date.parse((session.body as { expiresAt: string }).expiresAt)).toBeLessThanOrEqual(world.clock.now() + 30 * 60_000);
    for (let minutes = 20; minutes < 60; minutes += 20) {
      world.clock.advance(20);
      expect([minutes, (await browser.get("/api/v1/admin/me")).status]).toEqual([minutes, 200]);
    }
    world.clock.advance(20);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(401);
  });

  it("give a session opened after a change no more than the organisation's absolute limit", async () => {
    expect((await world.as("owner").put("/authentication", { idleMinutes: 30, sessionHours: 1 })).status).toBe(200);
    const { browser } = await signedInBrowser(world, MEMBERS.roleReader);
    const row = await world.h.db.knex("console_sessions").where({ user_name: MEMBERS.roleReader }).first("created_at", "expires_at");
    expect(Date.parse(String(row?.expires_at)) - Date.parse(String(row?.created_at))).toBe(3_600_000);
    for (const minutes of [20, 20, 19]) {
      world.clock.advance(minutes);
      expect((await browser.get("/api/v1/admin/me")).status).toBe(200);
    }
    world.clock.advance(2);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(401);
  });
});
