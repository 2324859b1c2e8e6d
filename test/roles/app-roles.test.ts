import { readFileSync } from "node:fs";
import { join } from "node:path";
import { outboxPosition, readOutbox } from "../../db/outbox";
import type { PermissionChangedData } from "../../roles";
import { createUser, harnessPerTest, patchBody, userBody } from "../support/harness";
import { FIXTURES_DIR, type ReplayContext, fixtureNamed, replay } from "../support/replay";
import { NONE, auditOf, permissionsOf } from "./support";

/** The first Entra mapping of docs/entra.md: app role BillingAdmins → billing-admin, app role Admin → admin. */
const ENTRA_MAPPING = readFileSync(join(FIXTURES_DIR, "mapping", "entra.example.yaml"), "utf8");
const BILLING_ADMIN = { orgRole: "custom", roles: ["billing-admin"], admin: { ...NONE, billing: "manage", analytics: "view" } };
const NO_ROLE = { orgRole: "user", roles: [], admin: NONE };
const role = (value: string) => ({ primary: false, type: "WindowsAzureActiveDirectoryRole", display: value, value });

/**
 * A member's app roles (the values of their SCIM `roles`) change their permissions in the same
 * transaction as the SCIM write that changed them, replaying Entra's documented app-role traffic
 * (fixtures/entra/*app-role*.json), with and without aadOptscim062020.
 */
describe("app roles propagate through SCIM writes", () => {
  const h = harnessPerTest();
  let ctx: ReplayContext;
  beforeEach(async () => {
    await h.applyMapping(ENTRA_MAPPING, "entra.example.yaml");
    ctx = { h, vars: new Map([["token", h.token]]) };
  });

  const userId = (): string => ctx.vars.get("userId") ?? "";

  describe.each([
    ["without aadOptscim062020", ""],
    ["with aadOptscim062020", "-flag"],
  ])("Entra %s", (_label, suffix) => {
    it("grants what an app role maps to on the POST that creates the user with it", async () => {
      await replay(ctx, fixtureNamed("entra", `create-user-app-role${suffix}.json`));
      expect(await permissionsOf(h, userId())).toMatchObject(BILLING_ADMIN);
    });

    it.each([
      ["grants on the PATCH that assigns the app role", "assign-app-role", NO_ROLE, BILLING_ADMIN],
      ["takes away on the PATCH that replaces the roles without it", "remove-app-role", BILLING_ADMIN, NO_ROLE],
    ])("%s", async (_name, fixture, before, after) => {
      const file = fixtureNamed("entra", `${fixture}${suffix}.json`);
      await replay(ctx, file, ["setup"]);
      expect(await permissionsOf(h, userId())).toMatchObject(before);
      await replay(ctx, file, ["steps"]);
      expect(await permissionsOf(h, userId())).toMatchObject(after);
    });
  });

  it("takes away on a PATCH remove through a filtered path, keeping what the other app role grants", async () => {
    const kj = await createUser(h, "kj@contoso.com", { roles: [role("BillingAdmins"), role("Admin")] });
    expect(await permissionsOf(h, kj)).toMatchObject({ orgRole: "admin" });
    const res = await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "remove", path: 'roles[value eq "Admin"]' }));
    expect(res.status).toBe(200);
    expect(await permissionsOf(h, kj)).toMatchObject(BILLING_ADMIN);
    await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "Remove", path: "roles" }));
    expect(await permissionsOf(h, kj)).toMatchObject(NO_ROLE);
  });

  it("takes away when a Remove lists the role as Entra added it, JSON text and all, and leaves the others", async () => {
    const { Operations } = JSON.parse(readFileSync(join(FIXTURES_DIR, "entra", "assign-app-role.json"), "utf8")).steps[0].request.body as { Operations: Array<{ value: unknown }> };
    const added = Operations[0]?.value;
    const kj = await createUser(h, "kj@contoso.com", { roles: [role("User")] });
    await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "Add", path: "roles", value: added }));
    expect(await permissionsOf(h, kj)).toMatchObject(BILLING_ADMIN);
    const res = await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "Remove", path: "roles", value: added }));
    expect(res.body).toMatchObject({ roles: [role("User")] });
    expect(await permissionsOf(h, kj)).toMatchObject(NO_ROLE);
  });

  it("grants and takes away on a PUT of the whole user, and a path-less replace", async () => {
    const kj = await createUser(h, "kj@contoso.com");
    await h.scim("put", `/Users/${kj}`).send(userBody("kj@contoso.com", { roles: [role("BillingAdmins")] }));
    expect(await permissionsOf(h, kj)).toMatchObject(BILLING_ADMIN);
    await h.scim("put", `/Users/${kj}`).send(userBody("kj@contoso.com", { roles: [] }));
    expect(await permissionsOf(h, kj)).toMatchObject(NO_ROLE);
    await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "replace", value: { roles: [role("Admin")] } }));
    expect(await permissionsOf(h, kj)).toMatchObject({ orgRole: "admin" });
  });

  it("audits the change with the SCIM request as its cause, announces it after commit, and records nothing when Entra repeats it", async () => {
    const file = fixtureNamed("entra", "assign-app-role.json");
    await replay(ctx, file, ["setup"]);
    const { lastId } = await outboxPosition(h.db.knex, h.orgId);
    await replay(ctx, file, ["steps"]);
    const published = (await readOutbox(h.db.knex, h.orgId, lastId, 100)).map((e) => e.payload as PermissionChangedData);
    // The fixture sends the assignment twice, as Entra repeats it: one change, one audit row.
    const patches = (await auditOf(h, userId())).filter((entry) => entry.cause.method === "PATCH");
    expect(patches).toHaveLength(1);
    expect(patches[0]).toMatchObject({ after: BILLING_ADMIN, cause: { kind: "scim", path: `/scim/v2/Users/${userId()}` } });
    expect(patches[0]?.before).toMatchObject({ orgRole: "user", roles: [] });
    expect(published.map((e) => e.after.roles)).toEqual([["billing-admin"]]);
  });

  it("changes nothing when a refused PATCH would have assigned the app role", async () => {
    const kj = await createUser(h, "kj@contoso.com");
    const refused = await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "add", path: "roles", value: [role("BillingAdmins")] }, { op: "replace", path: "active", value: "maybe" }));
    expect(refused.status).toBe(400);
    expect(await permissionsOf(h, kj)).toMatchObject(NO_ROLE);
  });

  it("gives a deactivated holder of the app role no access", async () => {
    const kj = await createUser(h, "kj@contoso.com", { roles: [role("BillingAdmins")] });
    await h.scim("patch", `/Users/${kj}`).send(patchBody({ op: "Replace", path: "active", value: "False" }));
    expect(await permissionsOf(h, kj)).toMatchObject({ member: { active: false }, ...NO_ROLE });
  });

  it("recomputes every holder of an app role when a mapping that names it is applied, and explains why", async () => {
    const kj = await createUser(h, "kj@contoso.com", { roles: [role("Auditors")] });
    const other = await createUser(h, "other@contoso.com", { roles: [role("auditors")] });
    expect(await permissionsOf(h, kj)).toMatchObject(NO_ROLE);
    await h.applyMapping(`${ENTRA_MAPPING}  - appRole: { value: "Auditors" }\n    roles: [auditor]\n`, "entra-v2.yaml");
    expect(await permissionsOf(h, kj)).toMatchObject({ orgRole: "custom", roles: ["auditor"] });
    expect(await permissionsOf(h, other)).toMatchObject(NO_ROLE);
    const explain = await h.api("get", `/members/${kj}/permissions/explain`);
    expect(explain.body).toMatchObject({ matches: [{ kind: "appRole", appRole: "Auditors", ruleIndex: 3 }] });
    expect((explain.body as { orgRoleReason: string }).orgRoleReason).toMatch(/rule 3 \(app role 'Auditors'\)/);
  });
});
