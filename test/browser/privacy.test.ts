import { readFileSync } from "node:fs";
import { readAudit } from "../../db/audit";
import { createUser, patchBody } from "../support/harness";
import { ADMIN_MAPPING } from "../server/admin/support";
import { accessibilityViolations, consoleInBrowserPerTest, heading, loaded, screenshot } from "./support";

/**
 * The console's Privacy section in Chromium, at each level: the role reader holds Privacy at view,
 * the people manager at manage, the role editor (Identity & Access at manage) none.
 */
const PRIVACY_MAPPING = ADMIN_MAPPING.replace("iam-viewer: { admin: { identity_access: view } }", "iam-viewer: { admin: { identity_access: view, privacy: view } }").replace(
  "people: { admin: { user_management: view } }",
  "people: { admin: { privacy: manage } }",
);

describe("the Privacy section in a browser", () => {
  const world = consoleInBrowserPerTest({ mapping: PRIVACY_MAPPING });
  afterEach(() => expect(world.problems).toEqual([]));

  const retention = async () => ((await world.as("owner").get("/privacy/retention")).body as { settings: Record<string, number | null> }).settings;

  it("is absent for a member without Privacy, even by its address", async () => {
    const page = await world.signIn("roleEditor");
    const sections = page.getByRole("navigation", { name: "Sections" });
    await sections.getByRole("link").first().waitFor();
    expect(await sections.getByRole("link", { name: /Privacy/ }).count()).toBe(0);
    await page.goto(`${world.base}/console/privacy`);
    await heading(page, "Not available").waitFor();
    expect(await page.getByRole("heading", { name: "Retention" }).count()).toBe(0);
  });

  it("shows a member with Privacy at view every setting and the statement, with the controls disabled and why", async () => {
    const page = await world.signIn("roleReader");
    await page.getByRole("link", { name: "Privacy (view only)" }).click();
    await heading(page, "Privacy").waitFor();
    await loaded(page);
    const audit = page.getByRole("spinbutton", { name: "Audit log and admin log" });
    expect(await audit.isDisabled()).toBe(true);
    expect(await page.getByRole("button", { name: "Save retention" }).isDisabled()).toBe(true);
    expect(await page.getByRole("searchbox", { name: "Member" }).isDisabled()).toBe(true);
    expect(await page.getByText(/Only Owners, the Primary Owner and members with Privacy at Manage can change retention/).count()).toBeGreaterThan(0);
    await page.getByRole("table", { name: "What the server stores, where, and for how long" }).getByRole("rowheader", { name: "Audit log" }).waitFor();
    expect(await accessibilityViolations(page)).toEqual([]);
  });

  it("lets a Privacy manager set retention (refusing one below the floor), export a member's data and erase a deleted member after saying what stays", async () => {
    const ada = await createUser(world.h, "ada@example.com", { displayName: "Ada Lovelace" });
    await world.h.scim("patch", `/Groups/${world.groups.finance}`).send(patchBody({ op: "add", path: "members", value: [{ value: ada }] })).expect(204);
    await world.h.scim("delete", `/Users/${ada}`).expect(204);

    const page = await world.signIn("peopleManager");
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name: "Privacy" }).click();
    await heading(page, "Privacy").waitFor();
    await loaded(page);

    // Retention: below the floor is refused and nothing changes; a valid value is saved and shown in the statement.
    const audit = page.getByRole("spinbutton", { name: "Audit log and admin log" });
    await audit.fill("20");
    await page.getByRole("button", { name: "Save retention" }).click();
    await page.getByText(/cannot be below 30 days/).waitFor();
    expect((await retention()).auditLogDays).toBeNull();
    await audit.fill("90");
    await page.getByRole("button", { name: "Save retention" }).click();
    await page.getByText("Retention saved; the retention job applies it within the hour.").waitFor();
    expect((await retention()).auditLogDays).toBe(90);
    await page.getByText(/Last changed .* by member:hr@example\.com\./).waitFor();
    await page.getByRole("table", { name: "What the server stores, where, and for how long" }).getByRole("row", { name: /^Audit log/ }).getByText(/^90 days/).waitFor();

    // Export: pick a member, download one JSON document about them.
    await page.getByRole("searchbox", { name: "Member" }).fill("fin");
    await page.getByRole("button", { name: "Choose fin@example.com" }).click();
    const [download] = await Promise.all([page.waitForEvent("download"), page.getByRole("link", { name: "Download fin@example.com's personal data (JSON)" }).click()]);
    const exported = JSON.parse(readFileSync((await download.path()) ?? "", "utf8")) as { member: { userName: string }; groups: Array<{ displayName: string }> };
    expect(exported.member.userName).toBe("fin@example.com");
    expect(exported.groups.map((g) => g.displayName)).toEqual(["Finance"]);

    // Erasure: the confirmation says what will and will not be erased before anything is.
    await page.getByRole("button", { name: "Erase ada@example.com…" }).click();
    const confirm = page.getByRole("region", { name: "Erase ada@example.com?" });
    await confirm.getByText(/replaced by a pseudonym/).waitFor();
    await confirm.getByText(/A kept mapping version is the exact text that was applied/).waitFor();
    expect((await readAudit(world.h.db.knex, world.h.orgId, { userId: ada, limit: 10 })).every((e) => e.userName === "ada@example.com")).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
    await screenshot(page, "console-privacy.png");
    await confirm.getByRole("button", { name: "Erase ada@example.com" }).click();
    await page.getByText(/ada@example\.com is now erased:[0-9a-f]{16}/).waitFor();
    const rows = await readAudit(world.h.db.knex, world.h.orgId, { userId: ada, limit: 10 });
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.every((e) => /^erased:[0-9a-f]{16}$/.test(e.userName))).toBe(true);
    expect(await accessibilityViolations(page)).toEqual([]);
  });
});
