import { authenticateToken } from "../../db/tokens";
import { AdminError, createTokenAsOperator, revokeTokenAsOperator } from "../../roles/admin";
import { type Harness, startHarness } from "../support/harness";

/**
 * The use cases behind the CLI's `tokens` and `api-tokens`, on SQLite and on PostgreSQL: an
 * operator's token is created and revoked in the admin log under the operator's name, and a
 * revocation names the kind it revokes, so a token of the other kind is not found.
 */
describe("tokens written by an operator", () => {
  let h: Harness;
  beforeEach(async () => {
    h = await startHarness();
  });
  afterEach(async () => h.close());

  const log = async () => h.db.knex("admin_actions").where({ org_id: h.orgId }).orderBy("seq").select("actor", "action", "target");

  it("creates a token that authenticates, and revokes it, each in the admin log under the operator's name", async () => {
    const operator = { orgId: h.orgId, name: "cli:grace" };
    const created = await createTokenAsOperator(h, operator, { kind: "api", label: null, expiresAt: null });
    expect(created.info).toMatchObject({ kind: "api", createdBy: "cli:grace", label: "created by cli:grace" });
    expect((await authenticateToken(h.db.knex, "api", created.token))?.id).toBe(created.info.id);
    await revokeTokenAsOperator(h, operator, "api", created.info.id);
    expect(await authenticateToken(h.db.knex, "api", created.token)).toBeNull();
    expect(await log()).toEqual([
      { actor: "cli:grace", action: "api_token.create", target: created.info.id },
      { actor: "cli:grace", action: "api_token.revoke", target: created.info.id },
    ]);
  });

  it("does not revoke a token of the other kind, or of another organisation: not found, nothing logged", async () => {
    const scim = await createTokenAsOperator(h, { orgId: h.orgId, name: "cli:grace" }, { kind: "scim", label: "Okta", expiresAt: null });
    const other = await h.addOrg("globex");
    const wrongKind = revokeTokenAsOperator(h, { orgId: h.orgId, name: "cli:grace" }, "api", scim.info.id);
    await expect(wrongKind).rejects.toThrow(AdminError);
    await expect(wrongKind).rejects.toMatchObject({ code: "token_not_found", message: expect.stringMatching(/No permissions API token with id/) });
    await expect(revokeTokenAsOperator(h, { orgId: other.orgId, name: "cli:grace" }, "scim", scim.info.id)).rejects.toMatchObject({ code: "token_not_found" });
    expect((await authenticateToken(h.db.knex, "scim", scim.token))?.id).toBe(scim.info.id);
    expect((await log()).map((row: { action: string }) => row.action)).toEqual(["scim_token.create"]);
  });

  it("refuses an expiry in the past or a label over 200 characters before writing anything", async () => {
    const operator = { orgId: h.orgId, name: "cli:grace" };
    await expect(createTokenAsOperator(h, operator, { kind: "scim", label: null, expiresAt: "2000-01-01T00:00:00Z" })).rejects.toMatchObject({ code: "invalid_request" });
    await expect(createTokenAsOperator(h, operator, { kind: "scim", label: "x".repeat(201), expiresAt: null })).rejects.toMatchObject({ code: "invalid_request" });
    expect(await log()).toEqual([]);
  });
});
