import type { Page } from "playwright-core";
import { createGroup } from "../support/harness";
import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, BROWSER_MAPPING, consoleInBrowserPerTest, heading, screenshot } from "./support";

/**
 * The browser tests' organisation, with the finance role named "Finance approvers" for people, a
 * role no one holds through a rule that matches no group (warnings about them are in force before
 * any edit), and a Design group that makes its members Admins and gives them the finance role too.
 */
const MAPPING = BROWSER_MAPPING.replace("finance: { description: Invoices and spend,", 'finance: { displayName: "Finance approvers", description: Invoices and spend,')
  .replace("roles:\n", "roles:\n  orphan: { admin: { privacy: view } }\n")
  .concat("  - { id: ghost, group: { externalId: g-nobody }, roles: [orphan] }\n  - { id: design, group: { externalId: g-design }, roles: [finance], orgRole: admin }\n");

/** The little of the DOM the tests read in the page (the test files are compiled without the DOM's types). */
interface Styled {
  readonly ownerDocument: { readonly defaultView: { getComputedStyle(element: Styled): { borderTopStyle: string; cursor: string } } | null };
}

/**
 * Editing a role as people read it: display names, the plan's before → after and its warnings in
 * words, focus that follows the plan, levels the arrow keys do not wrap, read-only controls legible.
 */
describe("editing a role in the console", () => {
  const world = consoleInBrowserPerTest({ mapping: MAPPING });
  afterEach(() => expect(world.problems).toEqual([]));

  const active = (page: Page, what: string): Promise<unknown> => page.evaluate(`(() => { const e = document.activeElement; return ${what}; })()`);
  const openFinance = async (page: Page): Promise<void> => {
    await page.goto(`${world.base}/console/roles/finance`);
    await page.getByRole("tablist", { name: "Role Finance approvers" }).waitFor();
  };

  it("names the role by its display name in the list and the editor, and keeps its key for rules", async () => {
    const page = await world.signIn("owner");
    await heading(page, "Roles").waitFor();
    expect(await page.getByRole("row", { name: /^Finance approvers/ }).getByRole("rowheader").textContent()).toBe("Finance approvers (finance)");
    await page.getByRole("link", { name: "Finance approvers", exact: true }).click();
    await heading(page, "Role Finance approvers").waitFor();
    await page.getByText("Key in the mapping: finance").waitFor();
    expect(await page.getByRole("textbox", { name: "Display name" }).inputValue()).toBe("Finance approvers");
    // Counts in the right plural, the rules in words (the group they match and what else they give), no rule ids.
    await page.getByText("1 member holds this role.").waitFor();
    await page.getByText("Given to the identity provider's group g-design (with the Admin org role)").waitFor();
    const main = (await page.locator("main").textContent()) ?? "";
    expect(main).not.toMatch(/\br_[0-9a-f]{10}\b|Rule finance/);
    await page.getByRole("searchbox", { name: "Give this role to a group" }).fill("Fin");
    await page.getByText("SCIM group, 1 member", { exact: true }).waitFor();

    // A member's page names the role the same way, in the facts and in the explanation.
    await page.goto(`${world.base}/console/members/${world.ids.finance}`);
    await page.getByText("Group Finance (SCIM, matched by the identity provider's id “g-finance”) → the Finance approvers role").waitFor();
    await page.getByRole("link", { name: "Finance approvers", exact: true }).waitFor();
    // And so do the member list and the group list, where they say what each gives.
    await page.goto(`${world.base}/console/members`);
    await page.getByRole("row", { name: new RegExp(`^${MEMBERS.finance}`) }).getByRole("cell", { name: "Finance approvers", exact: true }).waitFor();
    await page.goto(`${world.base}/console/groups`);
    await page.getByRole("row", { name: /^Finance/ }).getByRole("link", { name: "Finance approvers", exact: true }).waitFor();
  });

  it("shows the role's own change before → after, moves focus to the plan and then to the result, and Tab goes from Review to Confirm", async () => {
    const page = await world.signIn("owner");
    await openFinance(page);
    await page.getByRole("textbox", { name: "Display name" }).fill("Finance leads");
    await page.getByRole("tab", { name: "Permissions" }).click();
    await page.getByRole("group", { name: "Billing" }).getByRole("radio", { name: "Can view" }).check();
    const review = page.getByRole("button", { name: "Review changes…" });
    await review.click();

    const plan = page.getByRole("region", { name: /^Review: save role Finance approvers/ });
    await plan.waitFor();
    // Focus is on the plan's heading, not left behind on the button.
    expect(await active(page, "e.id")).toBe("plan-title");
    const change = plan.getByRole("table", { name: "Role Finance leads: before and after" });
    expect(await change.getByRole("row", { name: /^Billing/ }).getByRole("cell").allTextContents()).toEqual(["Can manage", "→ Can view"]);
    expect(await change.getByRole("row", { name: /^Display name/ }).getByRole("cell").allTextContents()).toEqual(["“Finance approvers”", "→ “Finance leads”"]);
    await plan.getByRole("heading", { name: "1 member changes; 6 unchanged" }).waitFor();
    // The warnings in force about another role and its rule are not this edit's, and the file's words never show.
    const text = (await plan.textContent()) ?? "";
    expect(text).not.toMatch(/orphan|Warning|roles\.|mappings\[|custom role '/);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-plan.png");

    // From Review, the next Tab is the plan's Confirm (Delete comes after the plan).
    await review.focus();
    await page.keyboard.press("Tab");
    expect(await active(page, "e.textContent")).toBe("Confirm and apply");
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Change applied" }).waitFor();
    expect(await active(page, "e.id")).toBe("plan-result-title");
    await page.getByText(/Saved as version 2; 1 member's permissions changed/).waitFor();

    // The audit log says what caused it, and what changed, in words.
    await page.goto(`${world.base}/console/audit`);
    const row = page.getByRole("row", { name: new RegExp(MEMBERS.finance) }).first();
    await row.waitFor();
    expect(await row.textContent()).toContain("An administrator saved a custom role (finance): role mapping version 2");
    expect(await row.textContent()).toContain("Billing: Can manage → Can view");
  });

  it("does not wrap a level from Can manage to No access, or from No access to Can manage, with the arrow keys", async () => {
    const page = await world.signIn("owner");
    await openFinance(page);
    await page.getByRole("tab", { name: "Permissions" }).click();
    const billing = page.getByRole("group", { name: "Billing" });
    await billing.getByRole("radio", { name: "Can manage" }).focus();
    for (const key of ["ArrowRight", "ArrowDown"]) {
      await page.keyboard.press(key);
      expect(await billing.getByRole("radio", { name: "Can manage" }).isChecked()).toBe(true);
    }
    const privacy = page.getByRole("group", { name: "Privacy" });
    await privacy.getByRole("radio", { name: "No access" }).focus();
    for (const key of ["ArrowLeft", "ArrowUp"]) {
      await page.keyboard.press(key);
      expect(await privacy.getByRole("radio", { name: "No access" }).isChecked()).toBe(true);
    }
    // Within the ends the arrow keys still choose.
    await page.keyboard.press("ArrowRight");
    expect(await privacy.getByRole("radio", { name: "Can view" }).isChecked()).toBe(true);
    await billing.getByRole("radio", { name: "Can manage" }).focus();
    await page.keyboard.press("ArrowLeft");
    expect(await billing.getByRole("radio", { name: "Can view" }).isChecked()).toBe(true);
  });

  it("says once, in words, what a member moving from a standard role to custom roles loses, and suggests granting it in a role", async () => {
    await createGroup(world.h, "Design", [world.ids.finance], { externalId: "g-design" });
    const page = await world.signIn("owner");
    await openFinance(page);
    await page.getByRole("button", { name: "Stop giving it to the identity provider's group g-design…" }).click();
    const plan = page.getByRole("region", { name: /^Review: stop giving Finance approvers to the identity provider's group g-design/ });
    await plan.waitFor();
    expect(await plan.getByRole("listitem").filter({ hasText: "Stop giving the Finance approvers role and the Admin org role to the identity provider's group g-design" }).count()).toBe(1);
    const note =
      "1 member moves from a standard role (Admin) to custom roles. Custom roles replace the standard role, so what it gave them goes with it: User Management at Can manage and Libraries at Can manage. To keep any of it, grant it in one of their custom roles.";
    expect(await plan.getByText(note, { exact: true }).count()).toBe(1);
    expect(await plan.getByRole("heading", { name: "Warning", exact: true }).count()).toBe(1);
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("shows a warning about the role being edited once, in words, without its rule's id", async () => {
    const page = await world.signIn("owner");
    await page.goto(`${world.base}/console/roles/orphan`);
    await page.getByRole("tablist", { name: "Role orphan" }).waitFor();
    await page.getByRole("tab", { name: "Permissions" }).click();
    await page.getByRole("group", { name: "Privacy" }).getByRole("radio", { name: "Can manage" }).check();
    await page.getByRole("button", { name: "Review changes…" }).click();
    const plan = page.getByRole("region", { name: /^Review: save role orphan/ });
    await plan.waitFor();
    const warning = "No member would hold the orphan role: the rules giving it match no group or app role in the directory.";
    expect(await plan.getByText(warning, { exact: true }).count()).toBe(1);
    expect(await plan.getByRole("heading", { name: "0 members change; 7 unchanged" }).count()).toBe(1);
    expect((await plan.textContent()) ?? "").not.toContain("ghost");
  });

  it("shows a member with Identity & Access at view every level legibly (4.5:1 or more) and every disabled control looking disabled", async () => {
    const page = await world.signIn("roleReader");
    await openFinance(page);
    await page.getByRole("tab", { name: "Permissions" }).click();
    const chosen = page.getByRole("group", { name: "Billing" }).getByRole("radio", { name: "Can manage" });
    expect(await chosen.isDisabled()).toBe(true);
    // The contrast of each level's label, computed from its colour and the background it is drawn on.
    const contrasts = (await page.evaluate(`(() => {
      const rgb = (c) => c.match(/[\\d.]+/g).slice(0, 3).map(Number);
      const lum = ([r, g, b]) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
      const background = (e) => { for (; e; e = e.parentElement) { const c = getComputedStyle(e).backgroundColor; if (!/rgba\\(.*, 0\\)$/.test(c) && c !== "transparent") return c; } return "rgb(255, 255, 255)"; };
      return [...document.querySelectorAll(".area label")].map((label) => {
        const style = getComputedStyle(label);
        const [a, b] = [lum(rgb(style.color)), lum(rgb(background(label)))];
        return { opacity: Number(style.opacity), ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05) };
      });
    })()`)) as Array<{ opacity: number; ratio: number }>;
    expect(contrasts.length).toBe(18);
    expect(contrasts.filter((c) => c.ratio < 4.5 || c.opacity < 1)).toEqual([]);
    // The chosen level stands out from the others although all are disabled.
    expect(await page.evaluate(`(() => { const s = getComputedStyle(document.querySelector('label[for="area-billing-manage"]')); return [s.fontWeight, s.textDecorationLine]; })()`)).toEqual(["700", "underline"]);
    // Disabled controls look disabled: dashed borders, a not-allowed cursor.
    for (const control of [page.getByRole("button", { name: "Review changes…" }), page.getByRole("button", { name: "Delete role…" }), page.getByRole("textbox", { name: "Display name" })]) {
      expect(await control.isDisabled()).toBe(true);
      expect(await control.evaluate((e: Styled) => [e.ownerDocument.defaultView?.getComputedStyle(e).borderTopStyle, e.ownerDocument.defaultView?.getComputedStyle(e).cursor])).toEqual(["dashed", "not-allowed"]);
    }
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("does not open a role for a member with no access to roles", async () => {
    const page = await world.signIn("peopleManager");
    await page.goto(`${world.base}/console/roles/finance`);
    await heading(page, "Not available").waitFor();
    expect(await page.getByRole("textbox", { name: "Display name" }).count()).toBe(0);
  });
});
