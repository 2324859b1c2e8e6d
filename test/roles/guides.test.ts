import { readFileSync } from "node:fs";
import { join } from "node:path";
import { planMappingText } from "../../roles";
import { harnessPerTest, patchBody } from "../support/harness";
import { FIXTURES_DIR, type ReplayContext, fixtureNamed, replay } from "../support/replay";

const mappingFile = (name: string): string => readFileSync(join(FIXTURES_DIR, "mapping", name), "utf8");

/**
 * The first mapping files of docs/okta.md and docs/entra.md, planned (as `mapping plan` does)
 * against a directory provisioned by that IdP's recorded traffic: the guides show these answers.
 */
describe("the first mapping of each setup guide", () => {
  const h = harnessPerTest();
  let ctx: ReplayContext;
  beforeEach(async () => {
    ctx = { h, vars: new Map([["token", h.token]]) };
  });

  const plan = async (text: string, name: string) => {
    const result = await planMappingText(h.db, h.sync, { orgId: h.orgId, text, sourceName: name });
    if (!result.ok) throw new Error(`refused: ${JSON.stringify(result.errors)}`);
    return result.plan;
  };

  it("Okta: grants the pushed group's members their role, and asks for the group's id in place of its name", async () => {
    await replay(ctx, fixtureNamed("okta", "membership-oin-patch.json"));
    const groupId = ctx.vars.get("groupId") ?? "";
    const first = await plan(mappingFile("okta.example.yaml"), "okta.yaml");
    expect(first.changes.map((c) => [c.member.userName, c.after.orgRole, c.after.roles])).toEqual([
      ["ada@example.com", "primary_owner", []],
      ["grace@example.com", "custom", ["sales-analyst"]],
    ]);
    const advice = first.warnings.find((w) => w.code === "display_name_rule");
    expect(advice?.message).toContain(`Okta pushed this group and sends no externalId for it: use \`group: { id: "${groupId}" }\` instead`);

    const byId = await plan(mappingFile("okta.example.yaml").replace('group: { displayName: "Sales" }', `group: { id: "${groupId}" }`), "okta.yaml");
    expect(byId.changes).toEqual(first.changes);
    // Only the Primary Owner could edit roles: true of this small first file, and the guide says what to add.
    expect(byId.warnings.map((w) => w.code)).toEqual(["no_role_editor"]);
  });

  it("Entra: grants from the app role and from the group matched by its object id, and names what matches nothing yet", async () => {
    await replay(ctx, fixtureNamed("entra", "create-group.json"));
    const marketing = ctx.vars.get("groupId") ?? "";
    await replay(ctx, fixtureNamed("entra", "create-user-app-role.json"));
    const katherine = ctx.vars.get("userId") ?? "";
    const grace = (await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "grace.hopper@contoso.com", active: true })).body as { id: string };
    await h.scim("patch", `/Groups/${marketing}`).send(patchBody({ op: "Add", path: "members", value: [{ $ref: null, value: grace.id }] }));
    expect(katherine).not.toBe("");

    const result = await plan(mappingFile("entra.example.yaml"), "entra.yaml");
    expect(result.changes.map((c) => [c.member.userName, c.after.orgRole, c.after.roles])).toEqual([
      ["grace.hopper@contoso.com", "custom", ["auditor"]],
      ["katherine.johnson@contoso.com", "custom", ["billing-admin"]],
    ]);
    expect(result.warnings.map((w) => w.code).sort()).toEqual(["no_role_editor", "primary_owner_not_in_directory", "rule_matches_no_app_role"]);
    expect(result.warnings.find((w) => w.code === "rule_matches_no_app_role")?.message).toMatch(/app role 'Admin'/);
  });
});
