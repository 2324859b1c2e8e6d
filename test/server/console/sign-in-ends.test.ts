import pino from "pino";
import request from "supertest";
import { openDatabase } from "../../../db/connection";
import { insertConsoleSession } from "../../../db/console-sessions";
import { migrateToLatest } from "../../../db/migrate";
import { ensureOrg, findOrgByName, setOrgOidc } from "../../../db/orgs";
import { provisionDefaultOrg } from "../../../server/bootstrap";
import { SESSION_COOKIE } from "../../../server/console/sessions";
import { parseConfig } from "../../../server/config";
import { setMemberSignIn } from "../../../server/oidc/org-sign-in";
import { cli } from "../../support/cli";
import { patchBody, serverOn, userBody } from "../../support/harness";
import { MEMBERS, errorOf, expectError } from "../admin/support";
import { Browser, type ConsoleWorld, consoleWorldPerTest, signIn, signedInBrowser } from "./support";
import { tempSqlite } from "../../support/temp-sqlite";

/**
 * Sign-in ends when what it stood on goes: the organisation's issuer (removed by the CLI, or by a
 * start without OIDC_* for the default organisation) and the member's standing in the directory
 * (deactivated, deleted). Both console sessions and members' bearer tokens are refused from then on,
 * at their very next request.
 */

/** A member's two ways in: a console session and a bearer ID token, both working. */
async function signedInTwice(world: ConsoleWorld, login: string): Promise<{ browser: Browser; token: string }> {
  const { browser } = await signedInBrowser(world, login);
  const token = await world.op.signIn(login);
  expect((await browser.get("/console/session")).status).toBe(200);
  expect((await world.h.admin("get", "/me", token)).status).toBe(200);
  return { browser, token };
}

async function sessionsOf(world: ConsoleWorld): Promise<number> {
  const rows: Array<{ n: number | string }> = await world.h.db.knex("console_sessions").where({ org_id: world.h.orgId }).count({ n: "*" });
  return Number(rows[0]?.n ?? 0);
}

/** A start of the server with this environment (the default organisation provisioned from it), recording what it logs. */
async function restart(world: ConsoleWorld, env: Record<string, string>): Promise<Array<Record<string, unknown>>> {
  const lines: Array<Record<string, unknown>> = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  await provisionDefaultOrg(world.h.db, parseConfig({ SCIM_TOKEN: "s".repeat(20), ...env }), logger, () => undefined);
  return lines;
}

describe("members' sign-in, removed", () => {
  const world = consoleWorldPerTest();

  it("by a start without OIDC_*: the default organisation's tokens are refused and its console sessions end, and the start says so", async () => {
    const { browser, token } = await signedInTwice(world, MEMBERS.owner);
    const lines = await restart(world, {});
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, issuer: world.op.issuer, sessionsEnded: 1 }));
    expect(await sessionsOf(world)).toBe(0);
    expectError(await browser.get("/console/session"), 401, "unauthorized");
    expectError(await browser.get("/api/v1/admin/me"), 401, "unauthorized");
    const bearer = await world.h.admin("get", "/me", token);
    expectError(bearer, 401, "unauthorized");
    expect(errorOf(bearer).message).toMatch(/no organisation trusts/);
  });

  it("not by a start with the same OIDC_*: sessions and tokens keep working", async () => {
    const { browser, token } = await signedInTwice(world, MEMBERS.owner);
    const lines = await restart(world, { OIDC_ISSUER: world.op.issuer, OIDC_CLIENT_ID: world.op.clientId, OIDC_CLIENT_SECRET: world.op.clientSecret });
    expect(lines.filter((l) => l.level === 40)).toEqual([]);
    expect((await browser.get("/console/session")).status).toBe(200);
    expect((await world.h.admin("get", "/me", token)).status).toBe(200);
  });

  it("by `oidc --remove`: in the same transaction every console session of the organisation ends, and its tokens are refused at once", async () => {
    const { browser, token } = await signedInTwice(world, MEMBERS.owner);
    const other = await signedInBrowser(world, MEMBERS.roleEditor);
    expect(await setMemberSignIn(world.h.db, world.h.orgId, null)).toEqual({ sessionsEnded: 2 });
    expect(await sessionsOf(world)).toBe(0);
    expectError(await browser.get("/console/session"), 401, "unauthorized");
    expectError(await other.browser.get("/api/v1/admin/me"), 401, "unauthorized");
    expectError(await world.h.admin("get", "/me", token), 401, "unauthorized");
    // Signing in again finds no issuer to sign in with.
    expect((await new Browser(world.h.app).get("/console")).status).toBe(404);
  });

  it("on every replica: another server on the same database, which accepted the token a moment before, refuses it after the commit", async () => {
    const { app: replica, close } = serverOn(world.h.db, { readCache: true });
    try {
      const token = await world.op.signIn(MEMBERS.owner);
      const me = () => request(replica).get("/api/v1/admin/me").set("Authorization", `Bearer ${token}`);
      expect((await me()).status).toBe(200);
      await setMemberSignIn(world.h.db, world.h.orgId, null);
      expectError(await me(), 401, "unauthorized");
    } finally {
      await close();
    }
  });

  it("by replacing the issuer's client: sessions opened on the old client's word end", async () => {
    const { browser } = await signedInTwice(world, MEMBERS.owner);
    const replaced = await setMemberSignIn(world.h.db, world.h.orgId, { issuer: world.op.issuer, clientId: "another-client", clientSecret: null, jwks: null, usernameClaim: "email" });
    expect(replaced).toEqual({ sessionsEnded: 1 });
    expectError(await browser.get("/console/session"), 401, "unauthorized");
  });

  it("for one organisation only: another organisation's sessions go on", async () => {
    const { browser } = await signedInTwice(world, MEMBERS.owner);
    const acme = await world.h.addOrg("acme");
    expect(await setMemberSignIn(world.h.db, acme.orgId, null)).toEqual({ sessionsEnded: 0 });
    expect((await browser.get("/console/session")).status).toBe(200);
  });
});

describe("`cli oidc --remove`, as an operator runs it", () => {
  it("ends the organisation's console sessions with its sign-in, and says how many", async () => {
    const tmp = await tempSqlite();
    const url = tmp.url;
    try {
      const db = openDatabase(url);
      try {
        await migrateToLatest(db.knex);
        const acme = await ensureOrg(db.knex, "acme");
        await setOrgOidc(db.knex, acme.id, { issuer: "https://idp.acme.example", clientId: "console", clientSecret: null, jwks: null, usernameClaim: "email" });
        const at = new Date().toISOString();
        await insertConsoleSession(db.knex, { idHash: "a".repeat(64), orgId: acme.id, userId: null, userName: "ada@acme.example", csrfToken: "t", createdAt: at, lastSeenAt: at, expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
      } finally {
        await db.close();
      }
      const run = await cli(url, "oidc", "--org", "acme", "--remove");
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/no longer accepts members' OIDC sign-in \(1 console session\(s\) ended\)/);
      const after = openDatabase(url);
      try {
        expect((await findOrgByName(after.knex, "acme"))?.oidc).toBeNull();
        expect(await after.knex("console_sessions").count({ n: "*" })).toEqual([{ n: 0 }]);
      } finally {
        await after.close();
      }
    } finally {
      await tmp.remove();
    }
  });
});

describe("a member who may no longer sign in", () => {
  const world = consoleWorldPerTest();

  it("loses the console session at the next request once deactivated, and reactivation does not bring it back", async () => {
    const { browser, token } = await signedInTwice(world, MEMBERS.owner);
    const cookie = browser.cookieHeader();
    await world.h.scim("patch", `/Users/${world.ids.owner}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
    expectError(await browser.get("/console/session"), 401, "unauthorized");
    expectError(await world.h.admin("get", "/me", token), 403, "not_a_member");
    expect((await browser.get("/console/roles")).status).toBe(302);
    await world.h.scim("patch", `/Users/${world.ids.owner}`).send(patchBody({ op: "replace", path: "active", value: true })).expect(200);
    expect((await request(world.h.app).get("/console/session").set("Cookie", cookie)).status).toBe(401);
    expect((await world.h.admin("get", "/me", token)).status).toBe(200);
  });

  it("loses it as soon as the directory deletes them, and the row goes with it", async () => {
    const { browser } = await signedInTwice(world, MEMBERS.plain);
    await world.h.scim("delete", `/Users/${world.ids.plain}`).expect(204);
    expectError(await browser.get("/api/v1/admin/me"), 401, "unauthorized");
    expect(await sessionsOf(world)).toBe(0);
  });

  it("stays ended when a new user takes the deleted one's userName", async () => {
    const { browser } = await signedInTwice(world, MEMBERS.plain);
    await world.h.scim("delete", `/Users/${world.ids.plain}`).expect(204);
    await world.h.scim("post", "/Users").send(userBody(MEMBERS.plain)).expect(201);
    expectError(await browser.get("/console/session"), 401, "unauthorized");
  });

  it("keeps the session through a rename by the directory, under the new userName", async () => {
    const { browser } = await signedInTwice(world, MEMBERS.plain);
    await world.h.scim("patch", `/Users/${world.ids.plain}`).send(patchBody({ op: "replace", path: "userName", value: "renamed@example.com" })).expect(200);
    expect((await browser.get("/console/session")).body).toMatchObject({ member: { id: world.ids.plain, userName: "renamed@example.com" } });
    expect((await browser.get("/api/v1/admin/me")).body).toMatchObject({ member: { userName: "renamed@example.com" } });
  });
});

describe("signing in to the console with an unverified email", () => {
  const world = consoleWorldPerTest();

  it("is refused with a 403 page and opens no session when the issuer says email_verified false", async () => {
    world.op.setAccount("console-unverified", { email: MEMBERS.owner, email_verified: false });
    const browser = new Browser(world.h.app);
    const { callback } = await signIn(browser, world.op, "console-unverified");
    expect(callback.status).toBe(403);
    expect(callback.text).toMatch(/not verified/);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
  });

  it("is accepted when the issuer says nothing about verification", async () => {
    world.op.setAccount("console-silent", { email: MEMBERS.owner, email_verified: null });
    const { callback } = await signIn(new Browser(world.h.app), world.op, "console-silent");
    expect(callback.status).toBe(302);
  });
});

