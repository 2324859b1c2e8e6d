import type { Page } from "playwright-core";
import { findOrgById } from "../../db/orgs";
import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, consoleInBrowserPerTest, heading, loaded, screenshot } from "./support";

/**
 * Identity & Access in Chromium, signed in through a real OpenID Provider: the Single sign-on, SCIM
 * and Authentication pages at no access (absent), view (shown, controls disabled: the role reader)
 * and manage (the Owner), their copy buttons, and the environment's sign-in shown read-only.
 */
const sections = (page: Page) => page.getByRole("navigation", { name: "Sections" });

async function open(page: Page, base: string, path: string, title: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await heading(page, title).waitFor();
  await loaded(page);
}

async function clipboardAfterClicking(page: Page, base: string, button: string): Promise<unknown> {
  await page.context().grantPermissions(["clipboard-read", "clipboard-write"], { origin: base });
  await page.getByRole("button", { name: button }).click();
  await page.getByText(/copied to the clipboard/).waitFor();
  return page.evaluate("navigator.clipboard.readText()");
}

describe("Identity & Access in the console", () => {
  const world = consoleInBrowserPerTest({ app: { identity: { environmentSignInOrg: null, allowPrivateIssuers: ["127.0.0.0/8"] } } });
  afterEach(() => expect(world.problems).toEqual([]));

  it("shows none of its pages to a member without Identity & Access", async () => {
    const page = await world.signIn("peopleManager");
    await sections(page).getByRole("link", { name: "Members" }).waitFor();
    for (const name of ["Single sign-on", "SCIM", "Authentication"]) expect(await sections(page).getByRole("link", { name }).count()).toBe(0);
    for (const path of ["/console/sso", "/console/scim", "/console/authentication"]) {
      await open(page, world.base, path, "Not available");
      expect(await page.getByLabel("Issuer URL").count()).toBe(0);
    }
  });

  it("shows a viewer every page with its controls disabled and the reason, and lets the copy buttons copy", async () => {
    const created = (await world.as("owner").post("/scim-tokens", { label: "okta" })).body as { token: string };
    const page = await world.signIn("roleReader");
    for (const name of ["Single sign-on", "SCIM", "Authentication"]) await sections(page).getByRole("link", { name: new RegExp(`^${name} \\(view only\\)$`) }).waitFor();

    await open(page, world.base, "/console/sso", "Single sign-on");
    expect(await page.getByLabel("Issuer URL").inputValue()).toBe(world.op.issuer);
    expect(await page.getByLabel("Client ID").inputValue()).toBe(world.op.clientId);
    expect(await page.getByLabel("Client secret").inputValue()).toBe("");
    for (const field of ["Issuer URL", "Client ID", "Client secret", "Username claim"]) expect([field, await page.getByLabel(field).isDisabled()]).toEqual([field, true]);
    expect(await page.getByRole("button", { name: "Check and save" }).isDisabled()).toBe(true);
    await page.getByText("Only Owners and the Primary Owner can change how members sign in").waitFor();
    expect(await clipboardAfterClicking(page, world.base, "Copy Callback URL")).toBe(`${world.base}/console/callback`);
    expect(await accessibilityViolations(page)).toEqual([]);

    await open(page, world.base, "/console/scim", "SCIM");
    expect(await clipboardAfterClicking(page, world.base, "Copy SCIM base URL")).toBe(`${world.base}/scim/v2`);
    const row = page.getByRole("row", { name: /^okta/ });
    expect(await row.textContent()).toContain(MEMBERS.owner);
    expect(await page.getByRole("button", { name: "Create token" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Rotate okta…" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Revoke okta…" }).isDisabled()).toBe(true);
    expect(created.token).not.toBe("");
    expect(await accessibilityViolations(page)).toEqual([]);

    await open(page, world.base, "/console/authentication", "Authentication");
    expect(await page.getByLabel("Idle limit (minutes)").inputValue()).toBe("30");
    expect(await page.getByLabel("Idle limit (minutes)").isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Save limits" }).isDisabled()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("lets an Owner save the sign-in after the issuer's check, and shows the check's refusal", async () => {
    const page = await world.signIn("owner");
    await open(page, world.base, "/console/sso", "Single sign-on");
    await page.getByLabel("Client secret").fill("a-rotated-client-secret");
    await page.getByRole("button", { name: "Check and save" }).click();
    await page.getByText("The issuer's discovery document checked out and the settings are stored.").waitFor();
    expect((await findOrgById(world.h.db.knex, world.h.orgId))?.oidc?.clientSecret).toBe("a-rotated-client-secret");
    await page.getByText("A secret is stored; it is never shown. Leave this empty to keep it.").waitFor();
    await screenshot(page, "console-sso.png");
    expect(await accessibilityViolations(page)).toEqual([]);

    page.once("dialog", (dialog) => void dialog.accept());
    await page.getByLabel("Issuer URL").fill(`${world.base}/not-an-issuer`);
    await page.getByRole("button", { name: "Check and save" }).click();
    await page.getByRole("alert").filter({ hasText: "Not saved" }).getByText("(discovery_invalid)").waitFor();
    expect((await findOrgById(world.h.db.knex, world.h.orgId))?.oidc?.issuer).toBe(world.op.issuer);

    // Another username claim changes who vouches for members: asked first, then every session ends, the Owner's too.
    let asked = "";
    page.once("dialog", (dialog) => {
      asked = dialog.message();
      void dialog.accept();
    });
    await page.getByLabel("Issuer URL").fill(world.op.issuer);
    await page.getByLabel("Username claim").fill("preferred_username");
    await page.getByRole("button", { name: "Check and save" }).click();
    await page.getByText("1 console session ended, yours included: sign in again with the new settings.").waitFor();
    expect(asked).toMatch(/signs every member out of the console, you included/);
    expect((await findOrgById(world.h.db.knex, world.h.orgId))?.oidc?.usernameClaim).toBe("preferred_username");
    expect(Number((await world.h.db.knex("console_sessions").count<{ n: number | string }[]>({ n: "*" }).first())?.n)).toBe(0);
  });

  it("lets an Owner create a token, shown once with a copy button, and see its last request and its recent errors", async () => {
    const page = await world.signIn("owner");
    await open(page, world.base, "/console/scim", "SCIM");
    await page.getByLabel("Label for a new token").fill("entra");
    await page.getByRole("button", { name: "Create token" }).click();
    await page.getByText("Copy this token now").waitFor();
    const token = await clipboardAfterClicking(page, world.base, "Copy New token “entra”");
    expect(token).toMatch(/^scim_/);
    expect((await world.h.scim("get", "/Users").set("Authorization", `Bearer ${String(token)}`)).status).toBe(200);
    expect((await world.h.scim("get", "/Users/missing").set("Authorization", `Bearer ${String(token)}`)).status).toBe(404);
    await page.getByRole("button", { name: "I have copied it" }).click();
    const row = page.getByRole("row", { name: /^entra/ });
    for (let tries = 0; !/GET \/Users → 200/.test((await row.textContent()) ?? ""); tries++) {
      if (tries > 50) throw new Error(`the last request never showed: ${await row.textContent()}`);
      await page.reload();
      await heading(page, "SCIM").waitFor();
      await loaded(page);
    }
    expect(await row.textContent()).toContain(MEMBERS.owner);
    await row.getByRole("button", { name: "1 error of entra" }).click();
    await page.getByRole("table", { name: "Recent errors of entra" }).getByRole("row", { name: /GET \/Users\/missing 404/ }).waitFor();
    await screenshot(page, "console-scim.png");
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("lets an Owner shorten the console's sessions, and go back to the defaults", async () => {
    const page = await world.signIn("owner");
    await open(page, world.base, "/console/authentication", "Authentication");
    await page.getByLabel("Idle limit (minutes)").fill("10");
    await page.getByLabel("Absolute limit (hours)").fill("2");
    await page.getByRole("button", { name: "Save limits" }).click();
    await page.getByText("Saved: sessions follow the new limits from their next request.").waitFor();
    expect((await world.as("roleReader").get("/authentication")).body).toMatchObject({ idleMinutes: 10, sessionHours: 2, custom: true });
    await page.getByText(`Set by member:${MEMBERS.owner}`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("button", { name: "Use the defaults" }).click();
    await page.getByText("Back to the defaults.").waitFor();
    expect((await world.as("roleReader").get("/authentication")).body).toMatchObject({ idleMinutes: 30, sessionHours: 12, custom: false });
  });
});

describe("sign-in settings the environment sets, in the console", () => {
  const world = consoleInBrowserPerTest({ app: { identity: { environmentSignInOrg: "default", allowPrivateIssuers: [] } } });
  afterEach(() => expect(world.problems).toEqual([]));

  it("are shown to an Owner read-only, saying where to change them", async () => {
    const page = await world.signIn("owner");
    await open(page, world.base, "/console/sso", "Single sign-on");
    await page.getByText(/The server's environment \(OIDC_ISSUER, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET\) sets this organisation's sign-in/).waitFor();
    expect(await page.getByLabel("Issuer URL").inputValue()).toBe(world.op.issuer);
    expect(await page.getByLabel("Issuer URL").isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Check and save" }).isDisabled()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
