import { readFileSync } from "node:fs";
import type { Page } from "playwright-core";
import { addDecisionCounts, addProvisioningCounts, readAnalyticsSettings, snapshotMembers } from "../../db/analytics";
import { readAdminActions } from "../../db/admin-actions";
import { listTokens } from "../../db/tokens";
import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, BROWSER_MAPPING, consoleInBrowserPerTest, heading, loaded, screenshot } from "./support";

/** People at Analytics view, Finance at Analytics manage; the role reader (Identity & Access view) has no Analytics. */
const MAPPING = BROWSER_MAPPING.replace("people: { admin: { user_management: view } }", "people: { admin: { user_management: view, analytics: view } }").replace(
  "admin: { billing: manage, analytics: view }",
  "admin: { billing: manage, analytics: manage }",
);

const DAY_MS = 86_400_000;
const dayBefore = (n: number) => new Date(Math.floor(Date.now() / DAY_MS) * DAY_MS - n * DAY_MS).toISOString().slice(0, 10);

describe("the Analytics section in a browser", () => {
  const world = consoleInBrowserPerTest({ mapping: MAPPING });
  afterEach(() => expect(world.problems).toEqual([]));

  /** What the server counted over three days: a snapshot, SCIM traffic from the harness's IdP token, and authorize questions. */
  async function seed(): Promise<void> {
    const { db, orgId } = world.h;
    const idp = (await listTokens(db.knex, orgId)).find((t) => t.kind === "scim");
    if (idp === undefined) throw new Error("the harness has no SCIM token");
    await snapshotMembers(db.knex, orgId, dayBefore(2));
    await snapshotMembers(db.knex, orgId, dayBefore(1));
    await addProvisioningCounts(db.knex, [
      { orgId, day: dayBefore(2), idp: idp.id, creates: 7, updates: 3, deactivations: 0, errors: 1 },
      { orgId, day: dayBefore(1), idp: idp.id, creates: 0, updates: 5, deactivations: 2, errors: 0 },
    ]);
    await addDecisionCounts(db.knex, [
      { orgId, day: dayBefore(1), kind: "capability", name: "web_search", allowed: 40, denied: 4 },
      { orgId, day: dayBefore(0), kind: "connector", name: "slack", allowed: 12, denied: 9 },
      { orgId, day: dayBefore(0), kind: "area", name: "billing", allowed: 2, denied: 6 },
    ]);
  }

  async function openAnalytics(page: Page): Promise<void> {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: /^Analytics/ }).click();
    await heading(page, "Analytics").waitFor();
    await loaded(page);
  }

  it("is absent for a member without Analytics, and says so at its URL", async () => {
    const page = await world.signIn("roleReader");
    await page.getByRole("navigation", { name: "Sections" }).waitFor();
    expect(await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: /Analytics/ }).count()).toBe(0);
    await page.goto(`${world.base}/console/analytics`);
    await heading(page, "Not available").waitFor();
  });

  it("shows Analytics at view: charts with their data tables and CSV downloads, the access review, and the settings disabled", async () => {
    await seed();
    const page = await world.signIn("peopleManager");
    expect(await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Analytics (view only)" }).count()).toBe(1);
    await openAnalytics(page);

    // Each chart is an image named by its title, with the same numbers in a table.
    await page.getByRole("img", { name: /^Members by org role/ }).waitFor();
    await page.getByRole("img", { name: /^Members by custom role/ }).waitFor();
    const provisioning = page.getByRole("img", { name: /^SCIM requests per day/ });
    expect(await provisioning.getAttribute("aria-labelledby")).toBe("provisioning-title provisioning-desc");
    expect(await page.locator("#provisioning-desc").textContent()).toBe("In this period: 7 creates, 8 updates, 2 deactivations, 1 errors.");
    expect(await page.locator("#decisions-desc").textContent()).toBe("In this period: 54 allowed, 19 denied.");
    const decisions = page.getByRole("region", { name: "Authorization decisions" });
    await decisions.getByText("Show the data as a table").click();
    expect(await decisions.getByRole("row", { name: /Web search/ }).textContent()).toBe("Web searchCapability404");
    expect(await decisions.getByRole("row", { name: /Billing/ }).textContent()).toBe("BillingAdmin area26");

    // The access review names who holds Identity & Access, and through what.
    const review = page.getByRole("region", { name: "Access review" });
    await review.getByLabel("Admin area").selectOption("identity_access");
    await review.getByRole("row", { name: new RegExp(MEMBERS.roleReader) }).waitFor();
    expect(await review.getByRole("row", { name: new RegExp(MEMBERS.roleReader) }).textContent()).toBe(`${MEMBERS.roleReader}Identity & AccessCan viewCustomcustom role 'iam-viewer' through group 'IAM viewers'`);

    // The CSV link downloads the same review.
    const [download] = await Promise.all([page.waitForEvent("download"), review.getByRole("link", { name: "Download CSV of the access review" }).click()]);
    expect(download.suggestedFilename()).toBe("access-review.csv");
    const csv = readFileSync(await download.path(), "utf8");
    expect(csv.split("\r\n")[0]).toBe("member,member id,area,level,org role,through");
    expect(csv).toContain(`${MEMBERS.roleReader},${world.ids.roleReader},identity_access,view,custom,custom role 'iam-viewer' through group 'IAM viewers'`);

    // At view the settings show, disabled, with the reason.
    const settings = page.getByRole("region", { name: "What is collected" });
    expect(await settings.getByRole("checkbox", { name: /Authorization decisions/ }).isDisabled()).toBe(true);
    expect(await settings.getByRole("checkbox", { name: /Authorization decisions/ }).isChecked()).toBe(true);
    expect(await settings.getByRole("button", { name: "Save collection settings" }).isDisabled()).toBe(true);
    expect(await settings.textContent()).toContain("Only Owners, the Primary Owner and members with Analytics at Manage can change what is collected.");

    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-analytics.png");
  });

  it("lets Analytics at manage switch off collecting authorize decisions, recorded in the admin log", async () => {
    await seed();
    const page = await world.signIn("finance");
    expect(await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Analytics", exact: true }).count()).toBe(1);
    await openAnalytics(page);
    const settings = page.getByRole("region", { name: "What is collected" });
    await settings.getByRole("checkbox", { name: /Authorization decisions/ }).uncheck();
    await settings.getByRole("button", { name: "Save collection settings" }).click();
    await settings.getByRole("status").filter({ hasText: "Collection settings saved." }).waitFor();
    expect((await readAnalyticsSettings(world.h.db.knex, [world.h.orgId])).get(world.h.orgId)).toMatchObject({ collectAuthorize: false, collectProvisioning: true, updatedBy: `member:${MEMBERS.finance}` });
    const [logged] = await readAdminActions(world.h.db.knex, world.h.orgId, { limit: 1 });
    expect(logged).toMatchObject({ action: "analytics.settings", actor: `member:${MEMBERS.finance}` });
    await settings.getByText(`Last changed by member:${MEMBERS.finance}`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
