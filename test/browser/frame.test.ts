import type { BrowserContext, Page } from "playwright-core";
import { appendAdminAction } from "../../db/admin-actions";
import { withAfterCommit } from "../../db/transaction";
import { parseConsoleSections } from "../../server/console-sections";
import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, BROWSER_MAPPING, consoleInBrowserPerTest, heading, loaded, screenshot, throughProvider } from "./support";

/**
 * The console's frame in Chromium: My access for every member, the navigation by admin area with the
 * product's own sections by level, Admin activity, and the ways in and out of sign-in.
 */
const FRAME_MAPPING = BROWSER_MAPPING.replace("people: { admin: { user_management: view } }", "people: { admin: { user_management: view, libraries: view } }");
const PRODUCT_SECTIONS = parseConsoleSections(
  "billing: { title: Billing, url: https://billing.example.com/settings }\nlibraries: { title: Libraries, url: /libraries }\n",
  "console-sections.yaml",
);

describe("the console's frame in a browser", () => {
  const world = consoleInBrowserPerTest({ mapping: FRAME_MAPPING, productSections: PRODUCT_SECTIONS });
  const contexts: BrowserContext[] = [];
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    expect(world.problems).toEqual([]);
  });

  const nav = (page: Page) => page.getByRole("navigation", { name: "Sections" });
  /** A fresh browser that signs in at the provider as `login`, who need not be a member, and stops wherever the console sends it. */
  const signInAnyone = async (login: string): Promise<Page> => {
    const context = await world.browser.newContext({ viewport: { width: 1280, height: 900 } });
    contexts.push(context);
    await context.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort()));
    const page = await context.newPage();
    page.on("pageerror", (error) => world.problems.push(`${page.url()}: ${error.message}`));
    page.on("console", (message) => {
      if (/Content Security Policy|Refused to/i.test(message.text())) world.problems.push(`${page.url()}: ${message.text()}`);
    });
    await page.goto(`${world.base}/console`);
    await throughProvider(page, world.base, login);
    return page;
  };

  it("shows a member with Billing at manage and Analytics at view their access and why, not that they have no admin access", async () => {
    const page = await world.signIn("finance");
    // Analytics at view opens its section first; My access is in the navigation.
    await heading(page, "Analytics").waitFor();
    await nav(page).getByRole("link", { name: "My access" }).click();
    await heading(page, "My access").waitFor();
    await loaded(page);
    expect(page.url()).toBe(`${world.base}/console/access`);
    expect(await page.getByText("You have no admin access").count()).toBe(0);
    const billing = page.getByRole("row", { name: /^Billing/ });
    expect(await billing.getByRole("cell").allTextContents()).toEqual(["Can manage", "Role finance (from your group Finance) gives can manage."]);
    expect(await page.getByRole("row", { name: /^Analytics/ }).getByRole("cell").first().textContent()).toBe("Can view");
    expect(await page.getByRole("row", { name: /^Identity & Access/ }).getByRole("cell").first().textContent()).toBe("No access");
    // What the organisation switched off is said, not just absent.
    expect(await page.getByRole("row", { name: /^Jira/ }).getByRole("cell").allTextContents()).toEqual(["✗ No", "Your role finance (from your group Finance) gives it. Switched off by the organisation's settings."]);
    const download = page.getByRole("link", { name: "Download my data" });
    expect([await download.getAttribute("href"), await download.getAttribute("download")]).toEqual(["/api/v1/admin/me/export", "my-data.json"]);
    // The product's Billing page, by the member's level; Libraries (none) is absent.
    const product = nav(page).getByRole("link", { name: "Billing — opens the product (you can manage)" });
    expect(await product.getAttribute("href")).toBe("https://billing.example.com/settings");
    expect(await nav(page).getByRole("heading").allTextContents()).toEqual(["Billing", "Analytics"]);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-my-access.png");
  });

  it("lists sections by admin area in the product's order, with the product's Libraries at view, and nothing of an area at no access", async () => {
    const page = await world.signIn("peopleManager");
    await heading(page, "Members").waitFor();
    expect(await nav(page).getByRole("heading").allTextContents()).toEqual(["User Management", "Libraries"]);
    expect(await nav(page).getByRole("link").allTextContents()).toEqual(["My access", "Members (view only)", "Libraries — opens the product (you can view)"]);
    expect(await nav(page).getByRole("link", { name: /^Libraries/ }).getAttribute("href")).toBe("/libraries");

    const owner = await world.signIn("owner");
    await heading(owner, "Roles").waitFor();
    expect(await nav(owner).getByRole("heading").allTextContents()).toEqual(["Identity & Access", "Billing", "Analytics", "Privacy", "User Management", "Libraries"]);
    expect(await nav(owner).getByRole("list", { name: "Identity & Access" }).getByRole("link").allTextContents()).toEqual(["Roles", "Groups", "Organisation", "Single sign-on", "SCIM", "Authentication", "Audit", "Admin activity"]);
    expect(await accessibilityViolations(owner)).toEqual([]);
  });

  it("does not show Admin activity to a member who may not read the admin log", async () => {
    const page = await world.signIn("peopleManager");
    await heading(page, "Members").waitFor();
    expect(await nav(page).getByRole("link", { name: "Admin activity" }).count()).toBe(0);
    await page.goto(`${world.base}/console/activity`);
    await heading(page, "Not available").waitFor();
    expect(await page.getByRole("table").count()).toBe(0);
  });

  it("shows a role reader every admin action in words, newest first, and an action it does not know by its code", async () => {
    const owner = world.as("owner");
    const editor = world.as("roleEditor");
    const token = (await owner.post("/scim-tokens", { label: "Okta" })).body as { id: string };
    const group = (await editor.post("/groups", { displayName: "Contractors" })).body as { id: string };
    expect((await editor.put(`/groups/${group.id}/members/${world.ids.plain}`, {})).status).toBe(200);
    expect((await editor.patch(`/groups/${group.id}`, { displayName: "Vendors" })).status).toBe(200);
    expect((await owner.delete(`/scim-tokens/${token.id}`)).status).toBe(204);
    expect((await owner.put("/org", { features: { web_search: "on", file_uploads: "on" }, connectors: { slack: "on", jira: "off" } }, await owner.etag())).status).toBe(200);
    // An action a newer server writes, which this console has no words for yet.
    await withAfterCommit(world.h.db, (tx) => appendAdminAction(tx, world.h.orgId, { actor: `member:${MEMBERS.owner}`, action: "retention.set", target: null, detail: {} }));

    const page = await world.signIn("roleReader");
    await nav(page).getByRole("link", { name: "Admin activity" }).click();
    await heading(page, "Admin activity").waitFor();
    await loaded(page);
    const rows = page.getByRole("table").getByRole("row");
    // Who and what of each row, below the header.
    const said = async (): Promise<string[][]> => Promise.all((await rows.all()).slice(1).map(async (row) => (await row.getByRole("cell").allTextContents()).slice(1)));
    expect(await said()).toEqual([
      [MEMBERS.owner, "retention.set"],
      [MEMBERS.owner, "Changed the organisation's features and connectors"],
      [MEMBERS.owner, "Revoked a SCIM token"],
      [MEMBERS.roleEditor, "Renamed the manual group “Contractors” to “Vendors”"],
      [MEMBERS.roleEditor, `Added ${MEMBERS.plain} to the group “Contractors”`],
      [MEMBERS.roleEditor, "Created the manual group “Contractors”"],
      [MEMBERS.owner, "Created the SCIM token “Okta”"],
    ]);
    expect(await page.getByRole("cell", { name: "retention.set" }).locator("code").count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-activity.png");
  });

  it("filters the admin activity by who did it, a page at a time", async () => {
    const editor = world.as("roleEditor");
    for (let i = 1; i <= 51; i++) expect((await editor.post("/groups", { displayName: `Team ${i}` })).status).toBe(201);
    expect((await world.as("owner").post("/scim-tokens", { label: "Okta" })).status).toBe(201);

    const page = await world.signIn("owner");
    await page.goto(`${world.base}/console/activity`);
    await heading(page, "Admin activity").waitFor();
    await loaded(page);
    const rows = page.getByRole("table").getByRole("row");
    await page.getByRole("cell", { name: MEMBERS.owner }).first().waitFor();
    await page.getByRole("searchbox", { name: "Who" }).fill(MEMBERS.roleEditor);
    await page.getByRole("cell", { name: MEMBERS.owner }).first().waitFor({ state: "detached" });
    expect(await rows.count()).toBe(51);
    await page.getByRole("button", { name: "Next page" }).click();
    await page.getByText("Page 2").waitFor();
    await page.getByRole("cell", { name: "Created the manual group “Team 1”" }).waitFor();
    expect(await rows.count()).toBe(2);
  });

  it("opens the page a signed-out member asked for once they have signed in", async () => {
    const page = await world.signIn("roleEditor", "/console/roles/finance");
    await page.getByRole("tablist", { name: "Role finance" }).waitFor();
    expect(page.url()).toBe(`${world.base}/console/roles/finance`);
  });

  it("signs in again to the same page when the session ends while the console is open", async () => {
    const page = await world.signIn("roleEditor");
    await heading(page, "Roles").waitFor();
    await world.h.db.knex("console_sessions").delete();
    // The next read is refused (401): the console goes to the page it was opening, through the provider.
    // The provider still knows the browser, so it sends it straight back, with a new session.
    await nav(page).getByRole("link", { name: "Groups" }).click();
    const deadline = Date.now() + 10_000;
    while (Number((await world.h.db.knex("console_sessions").count({ n: "*" }))[0]?.n ?? 0) === 0) {
      if (Date.now() > deadline) throw new Error("no new session within 10 s");
      await new Promise((r) => setTimeout(r, 50));
    }
    await page.waitForURL(`${world.base}/console/groups`, { waitUntil: "load" });
    await heading(page, "Groups").waitFor();
    await loaded(page);
    expect(await page.getByRole("alert").count()).toBe(0);
  });

  it("refuses a person who is not a member with a page that offers another account, which signs the member they choose in", async () => {
    const page = await signInAnyone("stranger@example.com");
    await heading(page, "Not a member").waitFor();
    expect(await page.getByRole("link", { name: "Sign out" }).getAttribute("href")).toBe("/console/sign-out");
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.getByRole("link", { name: "Use another account" }).click();
    await page.waitForURL((url) => !url.href.startsWith(`${world.base}/console`));
    await throughProvider(page, world.base, MEMBERS.owner);
    await page.getByText(`Signed in as`).waitFor();
    expect(await page.locator("header.top").textContent()).toContain(MEMBERS.owner);
  });

  it("signs out at the provider from the refusal page", async () => {
    const page = await signInAnyone("stranger@example.com");
    await heading(page, "Not a member").waitFor();
    await page.getByRole("link", { name: "Sign out" }).click();
    await page.waitForURL((url) => url.href.startsWith(world.op.issuer));
    expect(page.url()).toMatch(/\/session\/end/);
  });

  it("offers to sign in again or as someone else after signing out of the console", async () => {
    const page = await world.signIn("finance");
    await heading(page, "Analytics").waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await heading(page, "You are signed out").waitFor();
    expect(await page.getByRole("link").allTextContents()).toEqual(["Sign in again", "Use another account", "Sign out of your sign-in provider"]);
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
