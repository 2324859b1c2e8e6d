import { randomUUID } from "node:crypto";
import { type KeyLike, SignJWT, exportJWK, generateKeyPair } from "jose";
import request from "supertest";
import { setOrgEntra } from "../../db/orgs";
import { type Harness, expectScimError, startHarness } from "../support/harness";

/**
 * Entra-issued bearer tokens (docs/idp-clients.md#entra-issued-bearer-tokens). Keys are made in the
 * test and handed to the server as a local JWKS: no network call is ever made.
 */
const AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
const LEGACY_AUDIENCE = "00000002-0000-0000-c000-000000000000";
const APPID = "00000014-0000-0000-c000-000000000000";
const KID = "nOo3ZDrODXEK1jKWhXslHR_KXEg";

interface Claims {
  tid?: string;
  iss?: string;
  aud?: string;
  exp?: number;
  iat?: number;
}

describe("Entra-issued bearer tokens", () => {
  const tenantId = randomUUID();
  let privateKey: KeyLike;
  let publicJwk: Record<string, unknown>;
  let otherKey: KeyLike;
  let h: Harness;

  beforeAll(async () => {
    ({ privateKey: otherKey } = await generateKeyPair("RS256"));
  });

  beforeEach(async () => {
    const pair = await generateKeyPair("RS256");
    privateKey = pair.privateKey;
    const publicKey = pair.publicKey;
    const jwk = { ...(await exportJWK(publicKey)), kid: KID, use: "sig", alg: "RS256" };
    publicJwk = jwk;
    h = await startHarness({ entra: { tenantId, jwks: { keys: [jwk] } } });
  });
  afterEach(async () => h.close());

  const now = (): number => Math.floor(Date.now() / 1000);

  async function entraToken(claims: Claims = {}, key: KeyLike = privateKey, kid = KID): Promise<string> {
    const tid = claims.tid ?? tenantId;
    const iat = claims.iat ?? now() - 60;
    return new SignJWT({ tid, appid: APPID, appidacr: "2", idp: `https://sts.windows.net/${tid}/`, oid: randomUUID() })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid })
      .setIssuer(claims.iss ?? `https://sts.windows.net/${tid}/`)
      .setAudience(claims.aud ?? AUDIENCE)
      .setIssuedAt(iat)
      .setNotBefore(iat)
      .setExpirationTime(claims.exp ?? iat + 60 * 60)
      .sign(key);
  }

  const query = (token: string): request.Test =>
    request(h.app).get("/scim/v2/Users?filter=userName+eq+%22a1b2c3d4-0000-4000-8000-000000000000%22").set("Authorization", `Bearer ${token}`);

  /** A JWT with an arbitrary header and payload and the given signature part. */
  const forged = (header: object, payload: object, signature = ""): string =>
    `${Buffer.from(JSON.stringify(header)).toString("base64url")}.${Buffer.from(JSON.stringify(payload)).toString("base64url")}.${signature}`;

  const validPayload = (): object => ({
    iss: `https://sts.windows.net/${tenantId}/`,
    aud: AUDIENCE,
    tid: tenantId,
    appid: APPID,
    iat: now() - 60,
    nbf: now() - 60,
    exp: now() + 3600,
  });

  it("accepts a token Entra issued for the organisation's tenant", async () => {
    const res = await query(await entraToken());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ totalResults: 0, Resources: [] });
  });

  it("accepts the older audience some non-gallery apps still carry", async () => {
    expect((await query(await entraToken({ aud: LEGACY_AUDIENCE }))).status).toBe(200);
  });

  it("writes with an Entra token into the organisation it is pinned to", async () => {
    const token = await entraToken();
    const created = await request(h.app)
      .post("/scim/v2/Users")
      .set("Authorization", `Bearer ${token}`)
      .set("Content-Type", "application/scim+json")
      .send(JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "grace@contoso.com", active: true }));
    expect(created.status).toBe(201);
    const viaSecret = await h.scim("get", "/Users?filter=userName+eq+%22grace%40contoso.com%22");
    expect(viaSecret.body).toMatchObject({ totalResults: 1 });
  });

  it("tolerates a little clock skew past expiry", async () => {
    expect((await query(await entraToken({ iat: now() - 3660, exp: now() - 30 }))).status).toBe(200);
  });

  it("refuses a token expired beyond the tolerance", async () => {
    expectScimError(await query(await entraToken({ iat: now() - 7200, exp: now() - 3600 })), 401);
  });

  it("refuses a token whose issuer names another tenant", async () => {
    expectScimError(await query(await entraToken({ iss: `https://sts.windows.net/${randomUUID()}/` })), 401);
  });

  it("refuses an issuer without the trailing slash Entra always sends", async () => {
    expectScimError(await query(await entraToken({ iss: `https://sts.windows.net/${tenantId}` })), 401);
  });

  it("refuses a token for another audience", async () => {
    expectScimError(await query(await entraToken({ aud: "api://some-other-app" })), 401);
  });

  it("refuses a token signed by a key that is not the tenant's", async () => {
    expectScimError(await query(await entraToken({}, otherKey)), 401);
  });

  it("refuses an HS256 token, even one keyed with the public key material", async () => {
    // The classic key-confusion attack: an HMAC keyed with the tenant's published RSA key.
    const secret = new TextEncoder().encode(JSON.stringify(publicJwk));
    const hs = await new SignJWT({ tid: tenantId, appid: APPID })
      .setProtectedHeader({ alg: "HS256", typ: "JWT", kid: KID })
      .setIssuer(`https://sts.windows.net/${tenantId}/`)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime("60m")
      .sign(secret);
    expectScimError(await query(hs), 401);
  });

  it("refuses an unsigned alg none token", async () => {
    expectScimError(await query(forged({ alg: "none", typ: "JWT", kid: KID }, validPayload())), 401);
  });

  it("refuses a valid-looking token whose signature was tampered with", async () => {
    const [header, , signature] = (await entraToken()).split(".");
    const payload = Buffer.from(JSON.stringify({ ...validPayload(), tid: tenantId, oid: "admin" })).toString("base64url");
    expectScimError(await query(`${header}.${payload}.${signature}`), 401);
  });

  /** Tenant A: a real, configured tenant of another organisation on the same server. */
  async function configureTenantA(): Promise<{ tenantA: string; privateA: KeyLike }> {
    const tenantA = randomUUID();
    const { publicKey: publicA, privateKey: privateA } = await generateKeyPair("RS256");
    const other = await h.addOrg("tenant-a");
    await setOrgEntra(h.db.knex, other.orgId, { tenantId: tenantA, jwks: { keys: [{ ...(await exportJWK(publicA)), kid: "a-key" }] } });
    return { tenantA, privateA };
  }

  it("refuses a token from a tenant no organisation is pinned to", async () => {
    expectScimError(await query(await entraToken({ tid: randomUUID() })), 401);
  });

  it("refuses tenant A's token, or any mix of A's key and issuer, against the organisation pinned to tenant B", async () => {
    const { tenantA, privateA } = await configureTenantA();
    // A's genuine token opens A's organisation (empty), never B's.
    const tokenA = await entraToken({ tid: tenantA }, privateA, "a-key");
    expect((await query(tokenA)).body).toMatchObject({ totalResults: 0 });
    expectScimError(await query(await entraToken({ tid: tenantId, iss: `https://sts.windows.net/${tenantA}/` }, privateA, "a-key")), 401);
    expectScimError(await query(await entraToken({ tid: tenantId }, privateA, "a-key")), 401);
    expectScimError(await query(await entraToken({ tid: tenantA, iss: `https://sts.windows.net/${tenantId}/` })), 401);
  });

  it("keeps tenant A's data out of reach of tenant B's token", async () => {
    const { tenantA, privateA } = await configureTenantA();
    const createdInA = await request(h.app)
      .post("/scim/v2/Users")
      .set("Authorization", `Bearer ${await entraToken({ tid: tenantA }, privateA, "a-key")}`)
      .send(JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "only-in-a@contoso.com" }));
    expect(createdInA.status).toBe(201);
    const id = (createdInA.body as { id: string }).id;
    const fromB = await request(h.app).get(`/scim/v2/Users/${id}`).set("Authorization", `Bearer ${await entraToken()}`);
    expectScimError(fromB, 404);
  });
});
