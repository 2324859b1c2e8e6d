import request from "supertest";
import { type Harness, patchBody, startHarness } from "../../support/harness";
import { expectDocumented } from "../../support/openapi";
import { type TestIssuer, startIssuer } from "../../support/oidc";
import { MEMBERS, adminWorldPerTest, errorOf, expectError } from "./support";

/** Members sign in with their organisation's OIDC issuer: a real oidc-provider, one per file. */
describe("members signing in to the admin API", () => {
  const world = adminWorldPerTest();

  const me = (token: string) => world.h.admin("get", "/me", token);

  it("accepts a member's ID token from a real sign-in and says who they are and what they may do", async () => {
    const res = await world.as("roleEditor").get("/me");
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      member: { id: world.ids.roleEditor, userName: MEMBERS.roleEditor },
      org: { name: "default", managedByFile: null },
      permissions: { orgRole: "custom", roles: ["iam-admin"], admin: { identity_access: "manage" } },
      may: { read_roles: true, edit_custom_roles: true, edit_manual_groups: true, edit_standard_roles: false, toggle_org: false, transfer_primary_owner: false, list_members: true, change_platform_overrides: false },
    });
  });

  it("finds the member by the claim case-insensitively", async () => {
    world.op.setAccount("IAM@Example.COM", { email: "IAM@Example.COM" });
    const res = await me(await world.op.signIn("IAM@Example.COM"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ member: { userName: MEMBERS.roleEditor } });
  });

  it("refuses a valid token of someone who is not a user of the organisation: 403 not_a_member", async () => {
    const res = await me(await world.op.signIn("stranger@example.com"));
    expectError(res, 403, "not_a_member");
    expectDocumented(res);
  });

  it("refuses a deactivated member: 403 not_a_member", async () => {
    const token = await world.op.signIn(MEMBERS.owner);
    expect((await me(token)).status).toBe(200);
    await world.h.scim("patch", `/Users/${world.ids.owner}`).send(patchBody({ op: "replace", path: "active", value: false })).expect(200);
    expectError(await me(token), 403, "not_a_member");
  });

  it("refuses a deleted member: 403 not_a_member", async () => {
    const token = await world.op.signIn(MEMBERS.plain);
    expect((await me(token)).status).toBe(200);
    await world.h.scim("delete", `/Users/${world.ids.plain}`).expect(204);
    expectError(await me(token), 403, "not_a_member");
  });

  it("refuses a token whose issuer says the member's email is not verified, boolean or string: 403 email_not_verified", async () => {
    world.op.setAccount("unverified-login", { email: MEMBERS.owner, email_verified: false });
    world.op.setAccount("unverified-string-login", { email: MEMBERS.owner, email_verified: "false" });
    for (const login of ["unverified-login", "unverified-string-login"]) {
      const res = await me(await world.op.signIn(login));
      expect([login, res.status, errorOf(res)?.code]).toEqual([login, 403, "email_not_verified"]);
      expectDocumented(res);
    }
  });

  it("accepts a token that says nothing about email verification, as Entra's", async () => {
    world.op.setAccount("silent-login", { email: MEMBERS.owner, email_verified: null });
    const token = await world.op.signIn("silent-login");
    expect(JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString())).not.toHaveProperty("email_verified");
    expect((await me(token)).status).toBe(200);
  });

  it("refuses an access token (typ at+jwt) although the issuer signed it for this client: 401", async () => {
    const claims = { sub: "owner", email: MEMBERS.owner };
    expect((await me(await world.op.mint(claims, { typ: "JWT" }))).status).toBe(200);
    for (const typ of ["at+jwt", "application/at+jwt", "AT+JWT"]) {
      const res = await me(await world.op.mint(claims, { typ }));
      expect([typ, res.status, errorOf(res)?.code]).toEqual([typ, 401, "unauthorized"]);
      expect(errorOf(res)?.message).toMatch(/access token/);
      expect(res.headers["www-authenticate"]).toMatch(/invalid_token/);
    }
  });

  it("refuses forged, expired, wrong-audience, wrong-issuer and unsigned tokens: 401", async () => {
    const claims = { sub: "owner", email: MEMBERS.owner };
    const now = Math.floor(Date.now() / 1000);
    const unsigned = `${Buffer.from(JSON.stringify({ alg: "none" })).toString("base64url")}.${Buffer.from(JSON.stringify({ ...claims, iss: world.op.issuer, aud: world.op.clientId, exp: now + 600 })).toString("base64url")}.`;
    const tokens = {
      forged: await world.op.forge(claims),
      expired: await world.op.mint(claims, { expiresAt: now - 300 }),
      wrongAudience: await world.op.mint(claims, { audience: "some-other-client" }),
      wrongIssuer: await world.op.mint(claims, { issuer: "https://issuer.example.com" }),
      unsigned,
      garbage: "not.a.jwt",
    };
    for (const [kind, token] of Object.entries(tokens)) {
      const res = await me(token);
      expect([kind, res.status, errorOf(res)?.code]).toEqual([kind, 401, "unauthorized"]);
      expect(res.headers["www-authenticate"]).toMatch(/invalid_token/);
    }
  });

  it("tolerates a minute of clock skew on expiry", async () => {
    const res = await me(await world.op.mint({ sub: "owner", email: MEMBERS.owner }, { expiresAt: Math.floor(Date.now() / 1000) - 20 }));
    expect(res.status).toBe(200);
  });

  it("never lets a product-service API token or a SCIM token into the admin API", async () => {
    expectError(await me(world.h.apiToken), 401, "unauthorized");
    expectError(await me(world.h.token), 401, "unauthorized");
    expectError(await request(world.h.app).get("/api/v1/admin/me"), 401, "unauthorized");
  });

  it("never lets a member's token into the product-service API", async () => {
    const res = await request(world.h.app).get(`/api/v1/members/${world.ids.owner}/permissions`).set("Authorization", `Bearer ${await world.op.signIn(MEMBERS.owner)}`);
    expect(res.status).toBe(401);
  });

  it("refuses a token of another organisation's issuer and client", async () => {
    const other = await startIssuer({ clientId: "another-client" });
    try {
      expectError(await me(await other.signIn(MEMBERS.owner)), 401, "unauthorized");
    } finally {
      await other.close();
    }
  });
});

describe("the username claim", () => {
  let op: TestIssuer;
  let h: Harness;
  beforeAll(async () => {
    op = await startIssuer({ alg: "ES256" });
  });
  afterAll(async () => op.close());
  afterEach(async () => h.close());

  it("can be Entra's preferred_username, with ES256-signed tokens", async () => {
    h = await startHarness({ oidc: { issuer: op.issuer, clientId: op.clientId, usernameClaim: "preferred_username" } });
    await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ada@contoso.com" }).expect(201);
    op.setAccount("ada-login", { preferred_username: "Ada@Contoso.com", email: "someone-else@example.com" });
    const res = await h.admin("get", "/me", await op.signIn("ada-login"));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ member: { userName: "ada@contoso.com" }, permissions: { orgRole: "user" } });
  });

  it("needs no verified email when it is not the email", async () => {
    h = await startHarness({ oidc: { issuer: op.issuer, clientId: op.clientId, usernameClaim: "preferred_username" } });
    await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "bob@contoso.com" }).expect(201);
    op.setAccount("bob-login", { preferred_username: "bob@contoso.com", email_verified: false });
    expect((await h.admin("get", "/me", await op.signIn("bob-login"))).status).toBe(200);
  });

  it("must be present: a token without it is refused as not a member", async () => {
    h = await startHarness({ oidc: { issuer: op.issuer, clientId: op.clientId, usernameClaim: "upn" } });
    expectError(await h.admin("get", "/me", await op.signIn("ada@contoso.com")), 403, "not_a_member");
  });

  it("verifies with a fixed key set instead of discovery when one is configured", async () => {
    const { exportJWK, generateKeyPair } = await import("jose");
    const { publicKey } = await generateKeyPair("ES256");
    const unrelated = { keys: [{ ...(await exportJWK(publicKey)), kid: "test-key-1", alg: "ES256", use: "sig" }] };
    h = await startHarness({ oidc: { issuer: op.issuer, clientId: op.clientId, jwks: unrelated } });
    await h.scim("post", "/Users").send({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "ada@contoso.com" }).expect(201);
    // The provider's real key is not in the configured set, so its genuine token does not verify.
    expectError(await h.admin("get", "/me", await op.signIn("ada@contoso.com")), 401, "unauthorized");
  });
});

describe("an issuer that cannot be reached", () => {
  it("does not stop the server: other routes work and members' requests are 503 until it answers", async () => {
    const h = await startHarness({ oidc: { issuer: "http://127.0.0.1:9", clientId: "c" } });
    try {
      expect((await h.scim("get", "/Users")).status).toBe(200);
      const token = `${Buffer.from(JSON.stringify({ alg: "RS256", kid: "k" })).toString("base64url")}.${Buffer.from(JSON.stringify({ iss: "http://127.0.0.1:9", aud: "c", exp: 9999999999 })).toString("base64url")}.c2ln`;
      const res = await h.admin("get", "/me", token);
      expectError(res, 503, "issuer_unavailable");
      expect(res.headers["retry-after"]).toBeDefined();
    } finally {
      await h.close();
    }
  });
});
