import { createHash } from "node:crypto";
import request from "supertest";
import { CONTENT_SECURITY_POLICY } from "../../../server/console/router";
import { SESSION_COOKIE } from "../../../server/console/sessions";
import { SIGN_IN_COOKIE } from "../../../server/console/sign-in";
import { setOrgOidc } from "../../../db/orgs";
import { patchBody, startHarness, userBody } from "../../support/harness";
import { TEST_CONSOLE_URL, TEST_REDIRECT_URI, startIssuer } from "../../support/oidc";
import { MEMBERS, startAdminWorld } from "../admin/support";
import { Browser, INDEX_HTML, builtConsole, consoleWorldPerTest, setCookie, signIn, signedInBrowser } from "./support";

/** Members sign in to the console through the organisation's issuer: a real oidc-provider, one per file. */
describe("signing in to the console", () => {
  const world = consoleWorldPerTest();

  it("sends a visitor without a session to the issuer: code flow, PKCE S256, state, nonce, scope and the redirect URI", async () => {
    const browser = new Browser(world.h.app);
    const res = await browser.get("/console");
    expect(res.status).toBe(302);
    const to = new URL(String(res.headers["location"]));
    expect(`${to.origin}${to.pathname}`).toBe(`${world.op.issuer}/auth`);
    const params = Object.fromEntries(to.searchParams);
    expect(params).toMatchObject({ response_type: "code", client_id: world.op.clientId, scope: "openid email profile", redirect_uri: TEST_REDIRECT_URI, code_challenge_method: "S256" });
    expect(params["code_challenge"]).toMatch(/^[\w-]{43}$/);
    expect(params["state"]).toMatch(/^[\w-]{20,}$/);
    expect(params["nonce"]).toMatch(/^[\w-]{20,}$/);
    const pending = setCookie(res, SIGN_IN_COOKIE) ?? "";
    expect(pending).toMatch(/; Path=\/console\/callback/);
    expect(pending).toMatch(/; HttpOnly/);
    expect(pending).toMatch(/; SameSite=Lax/);
    expect(pending).not.toMatch(/Secure/);
    expect(res.headers["cache-control"]).toBe("no-store");
  });

  it("opens a session at the callback: an HttpOnly, SameSite=Lax cookie for the whole site, then the console's page", async () => {
    const browser = new Browser(world.h.app);
    const { callback, back } = await signIn(browser, world.op, MEMBERS.roleEditor);
    expect(back.href.startsWith(TEST_REDIRECT_URI)).toBe(true);
    expect(callback.status).toBe(302);
    expect(callback.headers["location"]).toBe("/console/");
    const cookie = setCookie(callback, SESSION_COOKIE) ?? "";
    expect(cookie).toMatch(/^console_session=[\w-]{43}\.[\w-]{43}; Path=\/; HttpOnly; SameSite=Lax$/);
    expect(browser.jar.has(SIGN_IN_COOKIE)).toBe(false);

    for (const path of ["/console", "/console/", "/console/roles/finance", "/console/members?q=ada"]) {
      const page = await browser.get(path);
      expect([path, page.status, page.text]).toEqual([path, 200, INDEX_HTML]);
      expect(page.headers["content-type"]).toMatch(/^text\/html/);
    }
  });

  it("gives a new session at every sign-in and ends the one the browser had", async () => {
    // A browser that already holds a session (perhaps one planted in it) signs in as someone else.
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    const before = browser.cookieHeader();
    const fresh = new Browser(world.h.app);
    const start = await fresh.get("/console");
    browser.jar.set(SIGN_IN_COOKIE, fresh.jar.get(SIGN_IN_COOKIE) ?? "");
    const back = await world.op.authorize(String(start.headers["location"]), MEMBERS.roleEditor);
    const callback = await browser.get(`${back.pathname}${back.search}`);
    expect(callback.status).toBe(302);
    expect(browser.cookieHeader()).not.toBe(before);
    expect((await browser.get("/console/session")).body).toMatchObject({ member: { userName: MEMBERS.roleEditor } });
    expect((await request(world.h.app).get("/console/session").set("Cookie", before)).status).toBe(401);
  });

  it("answers /console/session with the organisation, the member, the CSRF token, the SCIM base URL and the session's end", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.roleEditor);
    const res = await browser.get("/console/session");
    expect(res.status).toBe(200);
    expect(res.headers["cache-control"]).toBe("no-store");
    expect(res.body).toEqual({
      org: { id: world.h.orgId, name: "default" },
      member: { id: world.ids.roleEditor, userName: MEMBERS.roleEditor, displayName: null },
      csrfToken: expect.stringMatching(/^[\w-]{43}$/),
      scimBaseUrl: `${TEST_CONSOLE_URL}/scim/v2`,
      expiresAt: expect.any(String) as unknown,
    });
    // Unused, the session ends after the idle timeout (30 minutes by default), well before its 12 hours.
    const endsIn = Date.parse((res.body as { expiresAt: string }).expiresAt) - world.clock.now();
    expect(endsIn).toBeGreaterThan(29 * 60_000);
    expect(endsIn).toBeLessThanOrEqual(30 * 60_000);
  });

  it("answers /console/session 401 JSON without a session, and with a cookie it did not sign", async () => {
    const anonymous = await request(world.h.app).get("/console/session");
    expect(anonymous.status).toBe(401);
    expect(anonymous.body).toMatchObject({ error: { code: "unauthorized" } });
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    const [id] = (browser.jar.get(SESSION_COOKIE) ?? "").split(".");
    const forged = await request(world.h.app).get("/console/session").set("Cookie", `${SESSION_COOKIE}=${id}.${"A".repeat(43)}`);
    expect(forged.status).toBe(401);
    expect((await request(world.h.app).get("/console/session").set("Cookie", `${SESSION_COOKIE}=${id}`)).status).toBe(401);
  });

  it("stores only a hash of the session id, so the table's contents cannot be replayed as a cookie", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    const [id = ""] = (browser.jar.get(SESSION_COOKIE) ?? "").split(".");
    const rows: Array<{ id_hash: string; user_name: string; org_id: string }> = await world.h.db.knex("console_sessions").select("id_hash", "user_name", "org_id");
    expect(rows).toEqual([{ id_hash: createHash("sha256").update(id).digest("hex"), user_name: MEMBERS.owner, org_id: world.h.orgId }]);
  });

  it("refuses a signed-in person who is not a member with a plain 403 page, and opens no session", async () => {
    const browser = new Browser(world.h.app);
    const { callback } = await signIn(browser, world.op, "stranger@example.com");
    expect(callback.status).toBe(403);
    expect(callback.headers["content-type"]).toMatch(/^text\/html/);
    expect(callback.text).toMatch(/You are not a member of default/);
    expect(callback.text).not.toMatch(/at .*\.ts|Error:/);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect((await browser.get("/console")).status).toBe(302);
  });

  it("refuses a deactivated member the same way", async () => {
    await world.h.scim("patch", `/Users/${world.ids.finance}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
    const { callback } = await signIn(new Browser(world.h.app), world.op, MEMBERS.finance);
    expect(callback.status).toBe(403);
    expect(callback.text).toMatch(/You are not a member of default/);
  });

  it("refuses a callback whose state is not the one its sign-in started with", async () => {
    const first = new Browser(world.h.app);
    const second = new Browser(world.h.app);
    const { back } = await signIn(first, world.op, MEMBERS.owner);
    await second.get("/console");
    const crossed = await second.get(`${back.pathname}${back.search}`);
    expect(crossed.status).toBe(400);
    expect(crossed.text).toMatch(/could not be completed/);
    expect(second.jar.has(SESSION_COOKIE)).toBe(false);
    const noPending = await new Browser(world.h.app).get(`${back.pathname}${back.search}`);
    expect(noPending.status).toBe(400);
    expect(noPending.text).toMatch(/Sign-in expired/);
  });

  it("says plainly when the organisation named at sign-in has no issuer", async () => {
    const res = await request(world.h.app).get("/console?org=nowhere");
    expect(res.status).toBe(404);
    expect(res.text).toMatch(/nowhere has no OIDC issuer/);
  });

  it("sends every console response with the Content-Security-Policy, X-Frame-Options and the other security headers", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    const responses = {
      page: await browser.get("/console/"),
      session: await browser.get("/console/session"),
      asset: await browser.get("/console/assets/app-1a2b3c.js"),
      missingAsset: await browser.get("/console/assets/nothing.js"),
      redirect: await request(world.h.app).get("/console"),
      unknown: await browser.post("/console/nothing"),
    };
    for (const [name, res] of Object.entries(responses)) {
      expect([name, res.headers["content-security-policy"], res.headers["x-content-type-options"], res.headers["referrer-policy"], res.headers["x-frame-options"]]).toEqual([name, CONTENT_SECURITY_POLICY, "nosniff", "no-referrer", "DENY"]);
    }
    expect(CONTENT_SECURITY_POLICY).toBe("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'");
    expect(responses.page.headers["cache-control"]).toBe("no-store");
    expect(responses.session.headers["cache-control"]).toBe("no-store");
    expect(responses.asset.status).toBe(200);
    expect(responses.asset.headers["cache-control"]).toBe("public, max-age=31536000, immutable");
    expect(responses.missingAsset.status).toBe(404);
    expect(responses.unknown.status).toBe(404);
  });

  it("serves assets without a session", async () => {
    const res = await request(world.h.app).get("/console/assets/app-1a2b3c.js");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/javascript/);
  });
});

describe("console sessions end", () => {
  const world = consoleWorldPerTest({ idleMinutes: 30, sessionHours: 2 });

  it("after CONSOLE_IDLE_MINUTES without a request, and not while the member keeps using it", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    world.clock.advance(29);
    expect((await browser.get("/console/session")).status).toBe(200);
    world.clock.advance(29);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(200);
    world.clock.advance(31);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(401);
    expect((await browser.get("/console/session")).status).toBe(401);
    const page = await browser.get("/console/roles");
    expect(page.status).toBe(302);
    expect(String(page.headers["location"])).toMatch(new RegExp(`^${world.op.issuer}/auth\\?`));
  });

  it("CONSOLE_SESSION_HOURS after sign-in, however busy", async () => {
    const { browser } = await signedInBrowser(world, MEMBERS.owner);
    for (let minutes = 20; minutes < 120; minutes += 20) {
      world.clock.advance(20);
      expect([minutes, (await browser.get("/console/session")).status]).toEqual([minutes, 200]);
    }
    world.clock.advance(20);
    expect((await browser.get("/console/session")).status).toBe(401);
    expect((await browser.get("/api/v1/admin/me")).status).toBe(401);
  });

  it("at sign-out: the session is deleted and the cookie cleared, so a copy of it opens nothing", async () => {
    const { browser, csrf } = await signedInBrowser(world, MEMBERS.owner);
    const copy = browser.cookieHeader();
    const refused = await browser.post("/console/logout");
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ error: { code: "csrf" } });
    expect((await browser.get("/console/session")).status).toBe(200);

    const out = await browser.post("/console/logout", undefined, { "X-CSRF-Token": csrf });
    expect(out.status).toBe(204);
    expect(setCookie(out, SESSION_COOKIE)).toMatch(/^console_session=; Path=\/; HttpOnly; SameSite=Lax; Max-Age=0/);
    expect(browser.jar.has(SESSION_COOKIE)).toBe(false);
    expect((await request(world.h.app).get("/console/session").set("Cookie", copy)).status).toBe(401);
    expect((await request(world.h.app).get("/api/v1/admin/me").set("Cookie", copy)).status).toBe(401);
  });
});

describe("the console behind HTTPS", () => {
  it("marks its cookies Secure when the public URL is https", async () => {
    const publicUrl = "https://console.example.com";
    const op = await startIssuer({ redirectUri: `${publicUrl}/console/callback` });
    const dist = builtConsole();
    const world = await startAdminWorld(op, { harness: { publicUrl, console: { distDir: dist.dir } } });
    try {
      const browser = new Browser(world.h.app);
      const { start, callback } = await signIn(browser, op, MEMBERS.owner);
      expect(new URL(String(start.headers["location"])).searchParams.get("redirect_uri")).toBe(`${publicUrl}/console/callback`);
      expect(setCookie(start, SIGN_IN_COOKIE)).toMatch(/; Secure$/);
      expect(callback.status).toBe(302);
      expect(setCookie(callback, SESSION_COOKIE)).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
      expect((await browser.get("/console/session")).body).toMatchObject({ scimBaseUrl: `${publicUrl}/scim/v2` });
    } finally {
      await world.h.close();
      await op.close();
      dist.remove();
    }
  });

  it("keeps PUBLIC_URL's path prefix in the redirect URI, the sign-in cookie's path and the way back", async () => {
    const publicUrl = "https://tools.example.com/scim";
    const op = await startIssuer({ redirectUri: `${publicUrl}/console/callback` });
    const dist = builtConsole();
    const world = await startAdminWorld(op, { harness: { publicUrl, console: { distDir: dist.dir } } });
    try {
      const browser = new Browser(world.h.app);
      const start = await browser.get("/console");
      expect(new URL(String(start.headers["location"])).searchParams.get("redirect_uri")).toBe(`${publicUrl}/console/callback`);
      expect(setCookie(start, SIGN_IN_COOKIE)).toMatch(/; Path=\/scim\/console\/callback;/);
      // The proxy in front strips the prefix before the request reaches this server.
      const back = await op.authorize(String(start.headers["location"]), MEMBERS.owner);
      const callback = await browser.get(`${back.pathname.replace(/^\/scim/, "")}${back.search}`);
      expect(callback.status).toBe(302);
      expect(callback.headers["location"]).toBe("/scim/console/");
    } finally {
      await world.h.close();
      await op.close();
      dist.remove();
    }
  });
});

describe("a console that cannot sign in yet", () => {
  it("starts while the issuer is unreachable, and answers sign-in with a 503 page until it answers", async () => {
    const dist = builtConsole();
    const h = await startHarness({ oidc: { issuer: "http://127.0.0.1:9/unreachable", clientId: "console", clientSecret: "secret-0123456789" }, console: { distDir: dist.dir } });
    try {
      expect((await request(h.app).get("/healthz")).status).toBe(200);
      expect((await request(h.app).get("/console/assets/app-1a2b3c.js")).status).toBe(200);
      const res = await request(h.app).get("/console");
      expect(res.status).toBe(503);
      expect(res.text).toMatch(/sign-in provider cannot be reached/);
      expect(res.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    } finally {
      await h.close();
      dist.remove();
    }
  });

  it("says to build the console when console/dist is missing, before anyone signs in", async () => {
    const h = await startHarness({ console: { distDir: "/nonexistent/console/dist" } });
    try {
      for (const path of ["/console", "/console/roles"]) {
        const page = await request(h.app).get(path);
        expect([path, page.status]).toEqual([path, 503]);
        expect(page.text).toMatch(/run npm run build:console/);
        expect(page.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
      }
    } finally {
      await h.close();
    }
  });
});

describe("signing in to another organisation", () => {
  it("uses the issuer of the organisation named by ?org=, and switches organisation the same way", async () => {
    const op = await startIssuer();
    const acmeOp = await startIssuer({ clientId: "acme-console" });
    const dist = builtConsole();
    const world = await startAdminWorld(op, { harness: { publicUrl: TEST_CONSOLE_URL, console: { distDir: dist.dir } } });
    try {
      const acme = await world.h.addOrg("acme");
      await setOrgOidc(world.h.db.knex, acme.orgId, { issuer: acmeOp.issuer, clientId: acmeOp.clientId, clientSecret: acmeOp.clientSecret, jwks: null, usernameClaim: "email" });
      const created = await request(world.h.app).post("/scim/v2/Users").set("Authorization", `Bearer ${acme.token}`).send(userBody("wile@acme.example"));
      expect(created.status).toBe(201);

      const browser = new Browser(world.h.app);
      expect((await signIn(browser, op, MEMBERS.owner)).callback.status).toBe(302);
      expect((await browser.get("/console/session")).body).toMatchObject({ org: { name: "default" } });

      const { start, callback } = await signIn(browser, acmeOp, "wile@acme.example", "/console/?org=acme");
      expect(String(start.headers["location"]).startsWith(`${acmeOp.issuer}/auth?`)).toBe(true);
      expect(new URL(String(start.headers["location"])).searchParams.get("client_id")).toBe("acme-console");
      expect(callback.status).toBe(302);
      expect((await browser.get("/console/session")).body).toMatchObject({ org: { id: acme.orgId, name: "acme" }, member: { userName: "wile@acme.example" } });
      expect((await browser.get("/console/?org=acme")).status).toBe(200);
    } finally {
      await world.h.close();
      await op.close();
      await acmeOp.close();
      dist.remove();
    }
  });
});
