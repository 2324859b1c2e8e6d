import type { Page } from "playwright-core";
import { setOrgMappingFile } from "../../db/orgs";
import { createGroup, patchBody } from "../support/harness";
import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, consoleInBrowserPerTest, heading, loaded, screenshot } from "./support";

/**
 * The admin console in Chromium, signed in through a real OpenID Provider: each section follows the
 * member's own levels, role edits go through their plan, and pages follow permission changes live.
 */
describe("the admin console in a browser", () => {
  const world = consoleInBrowserPerTest();
  afterEach(() => expect(world.problems).toEqual([]));

  const authorize = async (userName: string, area: string, level: string): Promise<unknown> =>
    ((await world.h.api("post", "/authorize").send({ member: userName, area, level })).body as { allowed: unknown }).allowed;


  /** Presses Tab until the focused element is the one `condition` (evaluated in the page) describes. */
  const tabUntil = async (page: Page, condition: string): Promise<void> => {
    for (let presses = 0; presses < 80; presses++) {
      if ((await page.evaluate(condition)) === true) return;
      await page.keyboard.press("Tab");
    }
    throw new Error(`Tab never reached: ${condition}`);
  };

  it("lets an Owner give a role billing manage on the Permissions tab, shows the plan, and applies it only on confirmation", async () => {
    expect(await authorize(MEMBERS.peopleManager, "billing", "manage")).toBe(false);
    const page = await world.signIn("owner");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Roles" }).click();
    await heading(page, "Roles").waitFor();
    await page.getByRole("link", { name: "people", exact: true }).click();
    await page.getByRole("tablist", { name: "Role people" }).waitFor();

    // The three tabs in the product's order; the arrow keys move between them (WAI-ARIA tabs).
    const tabs = page.getByRole("tab");
    expect(await tabs.allTextContents()).toEqual(["Capabilities", "Permissions", "Connectors"]);
    await page.getByRole("tab", { name: "Capabilities" }).focus();
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("tab", { name: "Permissions" }).getAttribute("aria-selected")).toBe("true");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Permissions");

    const billing = page.getByRole("group", { name: "Billing" });
    await billing.getByRole("radio", { name: "Can manage" }).check();
    await page.getByRole("button", { name: "Review changes…" }).click();

    const plan = page.getByRole("region", { name: /^Review: save role people/ });
    await plan.waitFor();
    const row = plan.getByRole("row", { name: new RegExp(MEMBERS.peopleManager) });
    expect(await row.textContent()).toContain("+ Billing: Can manage (was No access)");
    // Nothing is applied before the confirmation.
    expect(await authorize(MEMBERS.peopleManager, "billing", "manage")).toBe(false);
    await screenshot(page, "console-roles.png");

    await plan.getByRole("button", { name: "Confirm and apply" }).click();
    await page.getByText(/Saved as version 2; 1 member's permissions changed/).waitFor();
    expect(await authorize(MEMBERS.peopleManager, "billing", "manage")).toBe(true);
  });

  it("shows a member with Identity & Access at view the role editor with every control disabled, saying why", async () => {
    const page = await world.signIn("roleReader");
    await expect(page.getByRole("link", { name: "Roles (view only)" }).count()).resolves.toBe(1);
    await page.goto(`${world.base}/console/roles/finance`);
    await page.getByRole("tablist", { name: "Role finance" }).waitFor();
    await page.getByText("Only Owners, the Primary Owner and members whose custom role has Identity & Access at Manage can change roles").waitFor();
    await page.getByRole("tab", { name: "Permissions" }).click();
    const billing = page.getByRole("group", { name: "Billing" });
    expect(await billing.getByRole("radio", { name: "Can manage" }).isChecked()).toBe(true);
    expect(await billing.getByRole("radio", { name: "Can manage" }).isDisabled()).toBe(true);
    expect(await page.getByRole("textbox", { name: "Description" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Review changes…" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Delete role…" }).isDisabled()).toBe(true);
  });

  it("does not show Roles at all to a member whose only admin area is User Management", async () => {
    const page = await world.signIn("peopleManager");
    await heading(page, "Members").waitFor();
    const sections = page.getByRole("navigation", { name: "Sections" });
    expect(await sections.getByRole("link").allTextContents()).toEqual(["My access", "Members (view only)"]);
    await page.goto(`${world.base}/console/roles`);
    await heading(page, "Not available").waitFor();
    expect(await page.getByRole("table").count()).toBe(0);
  });

  it("shows a member allowed nothing their own access, saying plainly that they have no admin access", async () => {
    const page = await world.signIn("plain");
    await heading(page, "My access").waitFor();
    await page.getByText("You have no admin access").waitFor();
    expect(await page.getByRole("navigation", { name: "Sections" }).getByRole("link").allTextContents()).toEqual(["My access"]);
    await page.getByRole("button", { name: "Sign out" }).click();
    await heading(page, "You are signed out").waitFor();
  });

  it("creates a manual group and adds a member found with the server-side people picker, after a plan of what they gain", async () => {
    const page = await world.signIn("roleEditor");
    await page.goto(`${world.base}/console/groups`);
    await heading(page, "Groups").waitFor();
    await page.getByRole("textbox", { name: "Group name" }).fill("Contractors");
    await page.getByRole("button", { name: "Create group" }).click();
    await heading(page, "Group Contractors").waitFor();
    await page.getByRole("searchbox", { name: "Add a member" }).fill("fin");
    await page.getByRole("button", { name: `Review adding ${MEMBERS.finance}…` }).click();
    await page.getByRole("heading", { name: `Review: add ${MEMBERS.finance} to Contractors` }).waitFor();
    await page.getByRole("button", { name: "Confirm and add" }).click();
    await page.getByText(`${MEMBERS.finance} added to Contractors.`).waitFor();
    await page.getByRole("table").getByRole("rowheader", { name: MEMBERS.finance }).waitFor();

    const groups = await world.as("roleEditor").get("/groups?source=manual");
    const contractors = (groups.body as { groups: Array<{ id: string; displayName: string; memberCount: number }> }).groups;
    expect(contractors.map((g) => [g.displayName, g.memberCount])).toEqual([["Contractors", 1]]);
    const members = await world.as("roleEditor").get(`/groups/${contractors[0]?.id ?? ""}/members`);
    expect((members.body as { members: Array<{ userName: string }> }).members.map((m) => m.userName)).toEqual([MEMBERS.finance]);
  });

  it("updates an open member page live when a SCIM PATCH takes the member out of their group", async () => {
    const page = await world.signIn("owner");
    await page.goto(`${world.base}/console/members/${world.ids.finance}`);
    await heading(page, MEMBERS.finance).waitFor();
    const billing = page.getByRole("row", { name: /^Billing/ });
    expect(await billing.getByRole("cell").first().textContent()).toBe("Can manage");
    // The explanation trail in words: the group, how the rule matched it, the role it gives, the level,
    // and what the org's toggle removed — no rule ids.
    await page.getByText("Group Finance (SCIM, matched by the identity provider's id “g-finance”) → the finance role").waitFor();
    await page.getByRole("row", { name: /^Billing/ }).getByText("the finance role → Can manage").waitFor();
    expect((await page.locator("main").textContent()) ?? "").not.toMatch(/\brule finance\b|\(rules? /);
    expect(await page.getByRole("row", { name: /^Jira/ }).textContent()).toMatch(/No.*Removed by the organisation's toggle/);
    await screenshot(page, "console-member.png");
    await page.evaluate("window.notReloaded = true");

    const patch = await world.h.scim("patch", `/Groups/${world.groups.finance}`).send(patchBody({ op: "remove", path: `members[value eq "${world.ids.finance}"]` }));
    expect(patch.status).toBeLessThan(300);

    await page.getByText(/Permissions changed by a SCIM PATCH from the identity provider/).waitFor();
    await billing.getByRole("cell").first().getByText("No access").waitFor();
    expect(await page.evaluate("window.notReloaded")).toBe(true);
  });

  it("reports a stale edit as a conflict and leaves the other admin's change in force", async () => {
    const page = await world.signIn("owner");
    await page.goto(`${world.base}/console/roles/finance`);
    await page.getByRole("tablist", { name: "Role finance" }).waitFor();
    await page.getByRole("tab", { name: "Permissions" }).click();
    await page.getByRole("group", { name: "Analytics" }).getByRole("radio", { name: "Can manage" }).check();
    await page.getByRole("button", { name: "Review changes…" }).click();
    await page.getByRole("button", { name: "Confirm and apply" }).waitFor();

    // Meanwhile another administrator changes the same role.
    const other = world.as("roleEditor");
    const theirs = await other.put("/roles/finance", { description: "Changed by the other admin", admin: { billing: "view" } }, await other.etag());
    expect(theirs.status).toBe(200);

    await page.getByRole("button", { name: "Confirm and apply" }).click();
    await page.getByRole("heading", { name: "Conflict: the mapping changed" }).waitFor();
    // The keyboard lands on the conflict, as it lands on a plan or a result.
    expect(await page.evaluate("document.activeElement.id")).toBe("conflict-title");
    await page.getByText(/Your change was not applied, and theirs was not overwritten/).waitFor();
    const roles = (await world.as("owner").get("/roles")).body as { roles: Array<{ name: string; definition: Record<string, unknown> }> };
    expect(roles.roles.find((r) => r.name === "finance")?.definition).toEqual({ description: "Changed by the other admin", admin: { billing: "view" }, capabilities: [], connectors: [] });

    await page.getByRole("button", { name: "Load the latest version" }).click();
    await page.getByText(/Mapping version 2\./).waitFor();
    // The editor takes the reloaded role into its draft in the render after the version line.
    const description = page.getByRole("textbox", { name: "Description" });
    for (let tries = 0; tries < 50 && (await description.inputValue()) !== "Changed by the other admin"; tries += 1) await page.waitForTimeout(100);
    expect(await description.inputValue()).toBe("Changed by the other admin");
    expect(await page.getByRole("group", { name: "Billing" }).getByRole("radio", { name: "Can view" }).isChecked()).toBe(true);
  });

  it("disables every mapping edit, naming the file, while a file manages the organisation's mapping", async () => {
    await setOrgMappingFile(world.h.db.knex, world.h.orgId, "/etc/scim/roles.yaml");
    const page = await world.signIn("owner");
    const reason = "The role mapping is managed by the file /etc/scim/roles.yaml: change it there. Edits here are disabled.";
    await page.goto(`${world.base}/console/roles/finance`);
    await page.getByRole("tablist", { name: "Role finance" }).waitFor();
    await page.getByText(reason).waitFor();
    await page.getByRole("tab", { name: "Permissions" }).click();
    expect(await page.getByRole("group", { name: "Billing" }).getByRole("radio", { name: "Can view" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Review changes…" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Stop giving it to the identity provider's group g-finance…" }).isDisabled()).toBe(true);
    expect(await page.getByRole("searchbox", { name: "Give this role to a group" }).isDisabled()).toBe(true);

    await page.goto(`${world.base}/console/organisation`);
    await page.getByRole("combobox", { name: "Web search" }).waitFor();
    expect(await page.getByText(reason).count()).toBe(2);
    expect(await page.getByRole("combobox", { name: "Web search" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Review changes…" }).isDisabled()).toBe(true);
  });

  it("works with the keyboard alone, focus always visible: sections, a role's tabs and levels, the plan and its confirmation", async () => {
    const page = await world.signIn("owner");
    await page.getByRole("link", { name: "finance", exact: true }).waitFor();
    // Each page starts the keyboard at its heading; the next Tab is the page's first control.
    expect(await page.evaluate("document.activeElement.tagName + ' ' + document.activeElement.textContent")).toBe("H1 Roles");
    await page.keyboard.press("Tab");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("finance");
    const focusRing = () => page.evaluate("getComputedStyle(document.activeElement).outlineStyle");
    expect(await focusRing()).not.toBe("none");

    await tabUntil(page, `document.activeElement.textContent === "people"`);
    expect(await focusRing()).not.toBe("none");
    await page.keyboard.press("Enter");
    await page.getByRole("tablist", { name: "Role people" }).waitFor();
    await tabUntil(page, `document.activeElement.getAttribute("role") === "tab"`);
    await page.keyboard.press("End");
    expect(await page.evaluate("document.activeElement.textContent")).toBe("Connectors");
    await page.keyboard.press("ArrowLeft");
    expect(await page.getByRole("tab", { name: "Permissions" }).getAttribute("aria-selected")).toBe("true");
    // Into the panel, then from radio group to radio group; the arrow keys choose within one.
    await tabUntil(page, `document.activeElement.name === "area-billing"`);
    await page.keyboard.press("ArrowRight");
    expect(await page.getByRole("group", { name: "Billing" }).getByRole("radio", { name: "Can view" }).isChecked()).toBe(true);
    await tabUntil(page, `document.activeElement.textContent === "Review changes…"`);
    expect(await focusRing()).not.toBe("none");
    await page.keyboard.press("Enter");
    await tabUntil(page, `document.activeElement.textContent === "Confirm and apply"`);
    await page.keyboard.press("Enter");
    await page.getByText(/Saved as version 2/).waitFor();
    expect(await authorize(MEMBERS.peopleManager, "billing", "view")).toBe(true);
  });

  it("passes an automated accessibility check (axe-core) on every section, the role editor and a member page", async () => {
    const page = await world.signIn("owner");
    await createGroup(world.h, "Design", [world.ids.finance], { externalId: "g-design" });
    const pages: Array<[string, string | RegExp]> = [
      ["/console/roles", "Roles"],
      ["/console/roles/finance", "Role finance"],
      ["/console/groups", "Groups"],
      [`/console/groups/${world.groups.finance}`, "Group Finance"],
      ["/console/members", "Members"],
      [`/console/members/${world.ids.finance}`, MEMBERS.finance],
      ["/console/organisation", "Organisation"],
      ["/console/audit", "Audit"],
      ["/console/authentication", "Authentication"],
    ];
    /** The sections whose screenshots docs/ shows besides those other tests take. */
    const shots: Readonly<Record<string, string>> = {
      "/console/groups": "console-groups.png",
      "/console/organisation": "console-organisation.png",
      "/console/audit": "console-audit.png",
      "/console/authentication": "console-authentication.png",
    };
    const found: Record<string, string[]> = {};
    for (const [path, title] of pages) {
      await page.goto(`${world.base}${path}`);
      await heading(page, title).waitFor();
      await loaded(page);
      found[path] = await accessibilityViolations(page);
      const shot = shots[path];
      if (shot !== undefined) await screenshot(page, shot);
    }
    expect(found).toEqual(Object.fromEntries(pages.map(([path]) => [path, []])));
  });
});
