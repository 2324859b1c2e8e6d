import request from "supertest";
import { CONTENT_SECURITY_POLICY } from "../../../server/console/router";
import { SESSION_COOKIE } from "../../../server/console/sessions";
import { consoleReturnPath } from "../../../server/console/sign-in";
import { startHarness } from "../../support/harness";
import { MEMBERS } from "../admin/support";
import { Browser, builtConsole, consoleWorldPerTest, signIn } from "./support";

/**
 * The ways in and out of the console's sign-in: the page a signed-out member asked for is opened
 * once signed in; refusals are styled pages with "Use another account" and "Sign out"; GET / leads
 * to the console.
 */
describe("the console's sign-in pages", () => {
  const world = consoleWorldPerTest();

  const discovery = async (): Promise<Record<string, unknown>> => (await (await fetch(`${world.op.issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;

  it("opens the page a signed-out member asked for once they have signed in", async () => {
    const browser = new Browser(world.h.app);
    const { callback } = await signIn(browser, world.op, MEMBERS.roleEditor, "/console/roles/finance?tab=rules");
    expect(callback.status).toBe(302);
    expect(callback.headers["location"]).toBe("/console/roles/finance?tab=rules");
    expect(browser.jar.has(SESSION_COOKIE)).toBe(true);
  });

  it("opens the console's home instead of a page that is not plainly one of its own", async () => {
    for (const path of ["/console//evil.example.com/x", "/console/%2e%2e/api/v1/admin/me", "/console/a%2f..%2fb"]) {
      const browser = new Browser(world.h.app);
      const { callback } = await signIn(browser, world.op, MEMBERS.owner, path);
      expect([path, callback.headers["location"]]).toEqual([path, "/console/"]);
    }
  });

  it("keeps only same-origin paths under /console as the page to return to", () => {
    expect(consoleReturnPath("/console")).toBe("/");
    expect(consoleReturnPath("/console/members/7?q=ada")).toBe("/members/7?q=ada");
    expect(consoleReturnPath("/console/\\evil.example.com")).toBe("/");
    expect(consoleReturnPath("/console/x\u0000y")).toBe("/");
    expect(consoleReturnPath(`/console/${"a".repeat(3000)}`)).toBe("/");
    expect(consoleReturnPath("/consolex/roles")).toBe("/");
    expect(consoleReturnPath("/console/callback?code=x")).toBe("/");
    expect(consoleReturnPath("https://evil.example.com/console/roles")).toBe("/");
  });

  it("refuses a person who is not a member with a styled page offering another account and signing out, with no script", async () => {
    const browser = new Browser(world.h.app);
    const { callback } = await signIn(browser, world.op, "stranger@example.com");
    expect(callback.status).toBe(403);
    expect(callback.headers["content-security-policy"]).toBe(CONTENT_SECURITY_POLICY);
    expect(callback.text).toContain('<link rel="stylesheet" href="/console/page.css">');
    expect(callback.text).toContain('<a href="/console/switch-account">Use another account</a>');
    expect(callback.text).toContain('<a href="/console/sign-out">Sign out</a>');
    expect(callback.text).not.toMatch(/<script|style=/);
    const css = await browser.get("/console/page.css");
    expect([css.status, css.headers["content-type"]]).toEqual([200, "text/css; charset=utf-8"]);
    expect(css.text).toMatch(/ul\.actions/);
  });

  it("lets a refused person use another account: the issuer is asked to let them choose, and the member they choose is signed in", async () => {
    const browser = new Browser(world.h.app);
    await signIn(browser, world.op, "stranger@example.com");
    const again = await browser.get("/console/switch-account");
    expect(again.status).toBe(302);
    const url = new URL(String(again.headers["location"]));
    const supported = (await discovery())["prompt_values_supported"];
    expect(url.searchParams.get("prompt")).toBe(Array.isArray(supported) && supported.includes("select_account") ? "select_account" : "login");
    const back = await world.op.authorize(url.href, MEMBERS.owner);
    const callback = await browser.get(`${back.pathname}${back.search}`);
    expect([callback.status, callback.headers["location"]]).toEqual([302, "/console/"]);
    expect((await browser.get("/console/session")).body).toMatchObject({ member: { userName: MEMBERS.owner } });
  });

  it("sends Sign out to the issuer's end-session endpoint, and ends no console session by a GET", async () => {
    const browser = new Browser(world.h.app);
    await signIn(browser, world.op, MEMBERS.owner);
    const out = await browser.get("/console/sign-out");
    const endSession = (await discovery())["end_session_endpoint"];
    expect(out.status).toBe(302);
    expect(String(out.headers["location"])).toBe(`${String(endSession)}?client_id=${world.op.clientId}`);
    // The session is the application's to end (POST /console/logout with the CSRF token): a link elsewhere cannot.
    expect((await browser.get("/console/session")).status).toBe(200);
  });

  it("sends GET / to the console", async () => {
    const res = await request(world.h.app).get("/");
    expect([res.status, res.headers["location"]]).toEqual([302, "/console/"]);
  });
});

describe("the console's pages when the provider does not answer", () => {
  it("offers to try again, to use another account and to sign out", async () => {
    const dist = builtConsole();
    const h = await startHarness({ oidc: { issuer: "http://127.0.0.1:9/unreachable", clientId: "console", clientSecret: "secret-0123456789" }, console: { distDir: dist.dir } });
    try {
      const res = await request(h.app).get("/console/roles");
      expect(res.status).toBe(503);
      expect(res.text).toContain("<h1>Sign-in provider unavailable</h1>");
      expect(res.text).toContain('<ul class="actions"><li><a href="/console/">Try again</a></li><li><a href="/console/switch-account">Use another account</a></li><li><a href="/console/sign-out">Sign out</a></li></ul>');
    } finally {
      await h.close();
      dist.remove();
    }
  });

  it("leaves GET / to the API's 404 when no console is served", async () => {
    const h = await startHarness();
    try {
      const res = await request(h.app).get("/");
      expect([res.status, (res.body as { error: { code: string } }).error.code]).toEqual([404, "not_found"]);
    } finally {
      await h.close();
    }
  });
});
