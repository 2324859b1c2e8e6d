import { parseConsoleSections } from "../../../server/console-sections";
import { ADMIN_MAPPING, MEMBERS, adminWorldPerTest, expectError } from "./support";

const SECTIONS = parseConsoleSections(
  `billing: { title: Billing, url: "https://app.example.com/settings/billing" }
libraries: { title: Shared libraries, url: /libraries }
`,
  "sections.yaml",
);

/**
 * My access: every signed-in member reads their own explanation (no admin right needed), and
 * `GET /me` lists the product's own sections (CONSOLE_SECTIONS) the member may open, with their level.
 */
describe("my access", () => {
  const w = adminWorldPerTest({ harness: { app: { productSections: SECTIONS } } });

  it("explains a member with no admin area their own access, which the member pages refuse them", async () => {
    const res = await w.as("plain").get("/me/access");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      member: { id: w.ids.plain, userName: MEMBERS.plain },
      permissions: { orgRole: "user", admin: { billing: "none", identity_access: "none" } },
      groups: [],
      explanation: { member: { userName: MEMBERS.plain }, orgRoleReason: "No mapping rule matches any of the member's groups or app roles, so the member is user." },
    });
    expectError(await w.as("plain").get(`/members/${w.ids.plain}`), 403, "user_management_view_required");
  });

  it("says which group and role give a finance member Billing at manage", async () => {
    const res = await w.as("finance").get("/me/access");
    expect(res.status).toBe(200);
    const body = res.body as { groups: Array<{ displayName: string }>; explanation: { chains: { admin: Record<string, { level: string; source: { kind: string; grants: Array<{ role: string }> } }> } } };
    expect(body.groups.map((g) => g.displayName)).toEqual(["Finance"]);
    expect(body.explanation.chains.admin["billing"]).toMatchObject({ level: "manage", source: { kind: "custom_roles", grants: [{ role: "finance", level: "manage" }] } });
    expect(body.explanation.chains.admin["identity_access"]).toMatchObject({ level: "none" });
    expect(res.body).toMatchObject({ permissions: { orgRole: "custom", roles: ["finance"], capabilities: ["web_search"] } });
  });

  it("is refused to anyone not signed in", async () => {
    const res = await w.h.admin("get", "/me/access", "not-a-token");
    expect(res.status).toBe(401);
  });

  it("lists in GET /me only the product sections whose area the member holds, with the level they hold it at", async () => {
    const finance = await w.as("finance").get("/me");
    expect((finance.body as { productSections: unknown }).productSections).toEqual([{ area: "billing", title: "Billing", url: "https://app.example.com/settings/billing", level: "manage" }]);
    // The owner holds every area at manage; a plain user holds none.
    const owner = await w.as("owner").get("/me");
    expect((owner.body as { productSections: Array<{ area: string; level: string }> }).productSections.map((s) => [s.area, s.level])).toEqual([["billing", "manage"], ["libraries", "manage"]]);
    expect((await w.as("plain").get("/me")).body).toMatchObject({ productSections: [] });
  });
});

describe("a world whose product lists libraries at view through a custom role", () => {
  const mapping = `version: 1
primaryOwner: po@example.com
roles:
  readers: { admin: { libraries: view, analytics: view } }
mappings:
  - { id: owners, group: { externalId: g-owners }, orgRole: owner }
  - { id: finance, group: { externalId: g-finance }, roles: [readers] }
`;
  const w = adminWorldPerTest({ mapping, harness: { app: { productSections: SECTIONS } } });

  it("lists Libraries as view only, and leaves Billing out", async () => {
    const res = await w.as("finance").get("/me");
    expect((res.body as { productSections: unknown }).productSections).toEqual([{ area: "libraries", title: "Shared libraries", url: "/libraries", level: "view" }]);
  });
});

describe("a product enforcing its own Billing page, as docs/console.md shows it", () => {
  const w = adminWorldPerTest();
  const billing = async (member: string, level: "view" | "manage") => (await w.h.api("post", "/authorize").send({ member, area: "billing", level })).body as { allowed: boolean; granted: string };

  it("shows the page editable at manage, read-only at view, refuses it at no access, and refuses changes below manage", async () => {
    expect(await billing(MEMBERS.finance, "view")).toMatchObject({ allowed: true, granted: "manage" });
    expect(await billing(MEMBERS.finance, "manage")).toMatchObject({ allowed: true });
    await w.h.applyMapping(ADMIN_MAPPING.replace("finance: { description: Spend, admin: { billing: manage }", "finance: { description: Spend, admin: { billing: view }"));
    expect(await billing(MEMBERS.finance, "view")).toMatchObject({ allowed: true, granted: "view" });
    expect(await billing(MEMBERS.finance, "manage")).toMatchObject({ allowed: false });
    expect(await billing(MEMBERS.plain, "view")).toMatchObject({ allowed: false, granted: "none" });
  });
});
