import { adminWorldPerTest } from "./support";

interface PlanBody {
  warnings: Array<{ code: string; message: string; ruleId?: string; role?: string }>;
  validationWarnings: Array<{ code: string; message: string }>;
  validationWarningsCount: number;
}

/** Role display names through the admin API, and plans that warn only of what the edit touches. */
describe("role names and plan warnings in the admin API", () => {
  const w = adminWorldPerTest();

  it("stores a role's display name beside its key and gives it back in the mapping and the role list", async () => {
    const editor = w.as("roleEditor");
    const put = await editor.put("/roles/finance", { displayName: "Finance approvers", description: "Spend", admin: { billing: "manage" }, capabilities: ["web_search"] }, await editor.etag());
    expect(put.status).toBe(200);
    const mapping = (await editor.get("/mapping")).body as { document: { roles: Record<string, Record<string, unknown>> } };
    expect(mapping.document.roles["finance"]?.["displayName"]).toBe("Finance approvers");
    const roles = (await editor.get("/roles")).body as { roles: Array<{ name: string; definition: Record<string, unknown> }> };
    expect(roles.roles.find((role) => role.name === "finance")?.definition["displayName"]).toBe("Finance approvers");
  });

  it("refuses an empty display name as an invalid mapping (422), writing nothing", async () => {
    const editor = w.as("roleEditor");
    const res = await editor.put("/roles/finance", { displayName: "", admin: { billing: "manage" } }, await editor.etag());
    expect(res.status).toBe(422);
    expect((res.body as { error: { code: string; message: string } }).error).toMatchObject({ code: "invalid_mapping", message: "The mapping is invalid: 1 problem; nothing was applied." });
    expect(((await editor.get("/mapping")).body as { version: number }).version).toBe(1);
  });

  it("leaves out of a role edit's plan the warnings about other rules and roles, and shows those of a rule it adds", async () => {
    const owner = w.as("owner");
    // A rule that matches no group and a role nobody reaches, already in force.
    expect((await owner.put("/roles/orphan", { admin: { privacy: "view" } }, await owner.etag())).status).toBe(200);
    expect((await owner.post("/rules", { id: "ghost", group: { id: "no-such-group" }, roles: ["orphan"] }, await owner.etag())).status).toBe(201);

    const unrelated = (await owner.post("/mapping/plan", { change: { kind: "put_role", name: "people", role: { admin: { user_management: "manage" }, capabilities: [], connectors: [] } } })).body as PlanBody;
    expect(unrelated.warnings).toEqual([]);
    expect(unrelated.validationWarnings).toEqual([]);

    const touching = (await owner.post("/mapping/plan", { change: { kind: "put_role", name: "orphan", role: { admin: { privacy: "manage" }, capabilities: [], connectors: [] } } })).body as PlanBody;
    expect(touching.warnings.map((warning) => [warning.code, warning.ruleId ?? warning.role])).toEqual([["role_never_reached", "orphan"]]);

    const adding = (await owner.post("/mapping/plan", { change: { kind: "add_rule", rule: { group: { id: "another-missing-group" }, roles: ["finance"] } } })).body as PlanBody;
    expect(adding.warnings.map((warning) => warning.code)).toEqual(["rule_matches_no_group"]);
    expect(adding.warnings[0]?.message).toContain("another-missing-group");
  });

  it("shows a validation warning the edit brings, once, and not one the mapping in force already had", async () => {
    const owner = w.as("owner");
    // jira is switched off for the organisation: a role granting it has no effect.
    const jira = (await owner.post("/mapping/plan", { change: { kind: "put_role", name: "people", role: { admin: { user_management: "view" }, capabilities: [], connectors: ["jira"] } } })).body as PlanBody;
    expect(jira.validationWarnings.map((warning) => warning.code)).toEqual(["switched_off_by_org"]);
    expect(jira.validationWarningsCount).toBe(1);
    expect((await owner.put("/roles/people", { admin: { user_management: "view" }, connectors: ["jira"] }, await owner.etag())).status).toBe(200);

    const again = (await owner.post("/mapping/plan", { change: { kind: "put_role", name: "finance", role: { admin: { billing: "view" }, capabilities: [], connectors: [] } } })).body as PlanBody;
    expect(again.validationWarnings).toEqual([]);
  });
});
