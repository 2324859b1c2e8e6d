import { findConsoleSession, insertConsoleSession } from "../../db/console-sessions";
import * as consoleSessionMember from "../../db/migrations/20261207170000_console_session_member";
import { createUser, harnessPerTest } from "../support/harness";

/** Console sessions opened before they recorded their member's id keep working for that member, and only for them. */
describe("console sessions' member", () => {
  const h = harnessPerTest({ oidc: { issuer: "https://idp.example.com", clientId: "console" } });

  it("is filled in by userName, case-insensitively, for the sessions already stored; one that names no user stays without", async () => {
    const ada = await createUser(h, "Ada@Example.com");
    await consoleSessionMember.down(h.db.knex);
    const at = new Date().toISOString();
    const later = new Date(Date.now() + 3_600_000).toISOString();
    for (const [idHash, userName] of [["a".repeat(64), "ada@example.COM"], ["b".repeat(64), "gone@example.com"]] as const) {
      await h.db.knex("console_sessions").insert({ id_hash: idHash, org_id: h.orgId, user_name: userName, csrf_token: "t", created_at: at, last_seen_at: at, expires_at: later });
    }
    await consoleSessionMember.up(h.db.knex);

    expect(await findConsoleSession(h.db.knex, "a".repeat(64))).toMatchObject({ session: { userId: ada }, member: { userName: "Ada@Example.com", active: true }, signInConfigured: true });
    expect(await findConsoleSession(h.db.knex, "b".repeat(64))).toMatchObject({ session: { userId: null }, member: null });
  });

  it("is read with the session: deactivated, the member stands as inactive", async () => {
    const ada = await createUser(h, "ada@example.com", { active: false });
    const at = new Date().toISOString();
    await insertConsoleSession(h.db.knex, { idHash: "c".repeat(64), orgId: h.orgId, userId: ada, userName: "ada@example.com", csrfToken: "t", createdAt: at, lastSeenAt: at, expiresAt: at });
    expect(await findConsoleSession(h.db.knex, "c".repeat(64))).toMatchObject({ member: { active: false } });
  });
});
