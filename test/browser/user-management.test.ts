import { MEMBERS } from "../server/admin/support";
import { accessibilityViolations, BROWSER_MAPPING, consoleInBrowserPerTest, heading, loaded, screenshot } from "./support";

/**
 * User Management in Chromium, signed in through a real OpenID Provider: at manage, adding a member
 * by e-mail, suspending one after a plan of what they lose (and reactivating), signing a member out
 * and filling a feature-only manual group; at view the same page with every control disabled and
 * the reason; at none no section. Here the `people` group gives User Management at manage, and the
 * `iam-viewer` role (the role reader) lists members without managing them.
 */
const MAPPING = BROWSER_MAPPING.replace("people: { admin: { user_management: view } }", "people: { admin: { user_management: manage } }")
  .replace("roles:\n", "roles:\n  beta: { capabilities: [web_search] }\n")
  .concat("  - { id: beta, group: { manual: Beta }, roles: [beta] }\n");

describe("User Management in a browser", () => {
  const world = consoleInBrowserPerTest({ mapping: MAPPING });
  afterEach(() => expect(world.problems).toEqual([]));

  const capability = async (userName: string, name: string): Promise<unknown> =>
    ((await world.h.api("post", "/authorize").send({ member: userName, capability: name })).body as { allowed: unknown }).allowed;

  it("at manage: suspends a member after a plan of what they lose, shows it in the list and on the page, and reactivates them", async () => {
    const page = await world.signIn("peopleManager");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Members" }).click();
    await heading(page, "Members").waitFor();
    await page.getByRole("link", { name: MEMBERS.plain }).click();
    await heading(page, MEMBERS.plain).waitFor();
    await loaded(page);
    await page.getByText("Provisioned by the identity provider (SCIM): their attributes are read-only here").waitFor();
    expect(await page.getByRole("button", { name: "Remove member…" }).isDisabled()).toBe(true);

    await page.getByRole("textbox", { name: "Reason for suspending" }).fill("Left the company");
    await page.getByRole("button", { name: "Review suspension…" }).click();
    const review = page.getByRole("heading", { name: `Review: suspend ${MEMBERS.plain}` });
    await review.waitFor();
    expect(await page.evaluate("document.activeElement.id")).toBe("member-plan-title");
    await page.getByRole("cell", { name: /− Web search/ }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-member-suspend.png");
    expect(await capability(MEMBERS.plain, "web_search")).toBe(true);

    await page.getByRole("button", { name: "Suspend member" }).click();
    await page.getByText(`${MEMBERS.plain} is suspended`).waitFor();
    await page.getByTestId("member-status").getByText(`Suspended by ${MEMBERS.peopleManager}`).waitFor();
    await page.getByText("“Left the company”").waitFor();
    expect(await capability(MEMBERS.plain, "web_search")).toBe(false);

    await page.getByRole("link", { name: "Members", exact: true }).first().click();
    await heading(page, "Members").waitFor();
    await page.getByRole("row", { name: new RegExp(MEMBERS.plain) }).getByText("Suspended", { exact: true }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-members.png");

    await page.getByRole("link", { name: MEMBERS.plain }).click();
    await page.getByRole("button", { name: `Reactivate ${MEMBERS.plain}` }).click();
    await page.getByText(`${MEMBERS.plain} is reactivated.`).waitFor();
    expect(await capability(MEMBERS.plain, "web_search")).toBe(true);
  });

  it("at manage: shows the refusal in the plan for a member beyond the grant, and cannot confirm it", async () => {
    const page = await world.signIn("peopleManager");
    await page.goto(`${world.base}/console/members/${world.ids.finance}`);
    await heading(page, MEMBERS.finance).waitFor();
    await page.getByRole("textbox", { name: "Reason for suspending" }).fill("Audit");
    await page.getByRole("button", { name: "Review suspension…" }).click();
    await page.getByText("You cannot apply this").waitFor();
    expect(await page.getByRole("button", { name: "Suspend member" }).isDisabled()).toBe(true);
    expect(await page.getByRole("cell", { name: /Billing: No access \(was Can manage\)/ }).count()).toBe(1);
  });

  it("at manage: adds a member by e-mail, adds them to a feature-only manual group after a plan, signs them out, and removes them", async () => {
    await world.as("owner").post("/groups", { displayName: "Beta" });
    const page = await world.signIn("peopleManager");
    await page.goto(`${world.base}/console/members`);
    await heading(page, "Members").waitFor();
    await page.getByRole("textbox", { name: "E-mail" }).fill("guest@example.com");
    await page.getByRole("textbox", { name: "Display name (optional)" }).fill("Guest");
    await page.getByRole("button", { name: "Add member" }).click();
    await heading(page, "guest@example.com").waitFor();
    await loaded(page);
    await page.getByText(`Added in this console by ${MEMBERS.peopleManager}`).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);

    // Manual groups are searched on the server, a page at a time.
    await page.getByRole("searchbox", { name: "Find a manual group" }).fill("be");
    await page.getByRole("combobox", { name: "Add to a manual group" }).selectOption({ label: "Beta" });
    await page.getByRole("button", { name: "Review adding…" }).click();
    await page.getByRole("heading", { name: "Review: add guest@example.com to Beta" }).waitFor();
    await page.getByRole("cell", { name: /\+ role beta/ }).waitFor();
    await page.getByRole("button", { name: "Add to group" }).click();
    await page.getByText("guest@example.com added to Beta.").waitFor();
    await page.getByRole("button", { name: "Review removing from Beta…" }).waitFor();

    await page.getByRole("button", { name: "Sign out of every session" }).click();
    await page.getByText("guest@example.com is signed out of 0 console sessions.").waitFor();

    await page.getByRole("button", { name: "Remove member…" }).click();
    await page.getByRole("button", { name: "Remove member", exact: true }).click();
    await heading(page, "Members").waitFor();
    const listed = await world.as("owner").get("/members?q=guest");
    expect((listed.body as { members: unknown[] }).members).toEqual([]);
  });

  it("at view: shows the same page with every control disabled and the reason", async () => {
    const page = await world.signIn("roleReader");
    await page.goto(`${world.base}/console/members/${world.ids.plain}`);
    await heading(page, MEMBERS.plain).waitFor();
    await loaded(page);
    await page.getByText(/Read only:.*can add, remove, suspend or sign out members/).first().waitFor();
    expect(await page.getByRole("textbox", { name: "Reason for suspending" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Sign out of every session" }).isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Remove member…" }).isDisabled()).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await page.goto(`${world.base}/console/members`);
    await heading(page, "Members").waitFor();
    expect(await page.getByRole("textbox", { name: "E-mail" }).isDisabled()).toBe(true);
    expect(await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: /Members \(view only\)/ }).count()).toBe(1);
  });

  it("at none: the section is absent", async () => {
    const page = await world.signIn("finance");
    await page.locator("main h1").first().waitFor();
    expect(await page.getByRole("link", { name: /^Members/ }).count()).toBe(0);
    await page.goto(`${world.base}/console/members`);
    await page.locator("main h1").first().waitFor();
    expect(await heading(page, "Members").count()).toBe(0);
    expect(await page.getByRole("textbox", { name: "E-mail" }).count()).toBe(0);
  });
});
