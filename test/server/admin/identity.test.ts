import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { findOrgById, setOrgOidc } from "../../../db/orgs";
import { SCIM_ERRORS_KEPT, listTokenUsage, readScimErrors, recordScimError, recordTokenUse } from "../../../db/scim-activity";
import { createToken } from "../../../db/tokens";
import { ApiError } from "../../../server/api-errors";
import { IssuerDiscovery } from "../../../server/oidc/discovery-check";
import { until } from "../../support/eventually";
import { type AdminClient, adminWorldPerTest, errorOf, expectError } from "./support";

/**
 * Identity & Access through the admin API, with members signed in at a real OpenID Provider: single
 * sign-on checked against the issuer's discovery document before it is saved (served here by a
 * small HTTP server on 127.0.0.1, which the organisation's operator allows as a private address),
 * the SCIM tokens' creators, last requests and recent errors.
 */

interface DiscoveryServer {
  readonly base: string;
  /** Requests it received, by path. */
  readonly seen: string[];
  close(): Promise<void>;
}

/** Issuers at `${base}/<name>`, each answering its discovery document as `documents` says. */
async function startDiscoveryServer(): Promise<DiscoveryServer> {
  const seen: string[] = [];
  let base = "";
  const good = (issuer: string): Record<string, unknown> => ({
    issuer,
    authorization_endpoint: `${issuer}/auth`,
    token_endpoint: `${issuer}/token`,
    jwks_uri: `${issuer}/jwks`,
    response_types_supported: ["code"],
  });
  const server: Server = createServer((req, res) => {
    seen.push(req.url ?? "");
    const name = (req.url ?? "").split("/")[1] ?? "";
    const issuer = `${base}/${name}`;
    const json = (body: unknown) => res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    if (!(req.url ?? "").endsWith("/.well-known/openid-configuration")) return void res.writeHead(404).end();
    switch (name) {
      case "good":
        return json(good(issuer));
      case "mismatch":
        return json(good("https://login.example.com/another"));
      case "incomplete": {
        const { token_endpoint: _t, jwks_uri: _j, ...rest } = good(issuer);
        return json(rest);
      }
      case "implicit":
        return json({ ...good(issuer), response_types_supported: ["id_token"], grant_types_supported: ["implicit"] });
      case "html":
        return void res.writeHead(200, { "content-type": "text/html" }).end("<html>sign in</html>");
      case "huge":
        return json({ ...good(issuer), padding: "x".repeat(100_000) });
      case "redirect":
        return void res.writeHead(302, { location: "http://169.254.169.254/latest/meta-data/" }).end();
      default:
        return void res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, "127.0.0.1", ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    base,
    seen,
    close: () => new Promise((ok) => {
      server.closeAllConnections();
      server.close(() => ok());
    }),
  };
}

interface SsoBody {
  issuer: string | null;
  clientId: string | null;
  clientSecretSet: boolean;
  usernameClaim: string | null;
  managedBy: { source: string; reason: string } | null;
  callbackUrl: string | null;
  sessionsEnded?: number;
}

async function actions(client: AdminClient): Promise<Array<{ action: string; actor: string; detail: Record<string, unknown> }>> {
  return (await client.get("/actions")).body.entries as Array<{ action: string; actor: string; detail: Record<string, unknown> }>;
}

describe("single sign-on settings", () => {
  let discovery: DiscoveryServer;
  beforeAll(async () => {
    discovery = await startDiscoveryServer();
  });
  afterAll(async () => discovery.close());
  beforeEach(() => {
    discovery.seen.length = 0;
  });

  describe("with the operator allowing issuers on loopback", () => {
    const w = adminWorldPerTest({ harness: { publicUrl: "https://scim.example.com", app: { identity: { environmentSignInOrg: null, allowPrivateIssuers: ["127.0.0.0/8"] } } } });

    it("shows Identity & Access viewers the issuer, client and callback URL, never the secret; others are refused", async () => {
      const res = await w.as("roleReader").get("/sso");
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        issuer: w.op.issuer,
        clientId: w.op.clientId,
        clientSecretSet: true,
        usernameClaim: "email",
        managedBy: null,
        callbackUrl: "https://scim.example.com/console/callback",
      });
      expect(JSON.stringify(res.body)).not.toContain(w.op.clientSecret);
      expectError(await w.as("plain").get("/sso"), 403, "identity_access_view_required");
      expectError(await w.as("peopleManager").get("/sso"), 403, "identity_access_view_required");
    });

    it("lets only Owners and the Primary Owner change it, and refuses everyone else before fetching anything", async () => {
      const change = { issuer: `${discovery.base}/good`, clientId: "console" };
      expectError(await w.as("roleEditor").put("/sso", change), 403, "owner_required");
      expectError(await w.as("roleReader").put("/sso", change), 403, "owner_required");
      expectError(await w.as("plain").put("/sso", change), 403, "owner_required");
      expect(discovery.seen).toEqual([]);
      const same = { issuer: w.op.issuer, clientId: w.op.clientId, usernameClaim: "email" };
      expect((await w.as("primaryOwner").put("/sso", same)).status).toBe(200);
      expect((await w.as("owner").put("/sso", same)).status).toBe(200);
    });

    it("saves an issuer whose discovery document checks out, keeps or replaces the secret as asked, and logs each change without the secret", async () => {
      const owner = w.as("owner");
      const kept = await owner.put("/sso", { issuer: w.op.issuer, clientId: w.op.clientId, usernameClaim: "email" });
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({ issuer: w.op.issuer, clientSecretSet: true, sessionsEnded: 0 });
      expect((await findOrgById(w.h.db.knex, w.h.orgId))?.oidc?.clientSecret).toBe(w.op.clientSecret);

      const replaced = await owner.put("/sso", { issuer: w.op.issuer, clientId: w.op.clientId, clientSecret: "a-new-secret-from-the-issuer" });
      expect(replaced.status).toBe(200);
      expect(JSON.stringify(replaced.body)).not.toContain("a-new-secret-from-the-issuer");
      expect((await findOrgById(w.h.db.knex, w.h.orgId))?.oidc?.clientSecret).toBe("a-new-secret-from-the-issuer");
      const logged = (await actions(owner)).filter((a) => a.action === "sign_in.set");
      expect(logged.map((a) => [a.actor, a.detail["clientSecret"]])).toEqual([
        ["member:owner@example.com", "changed"],
        ["member:owner@example.com", "kept"],
      ]);
      expect(JSON.stringify(logged)).not.toContain("a-new-secret-from-the-issuer");

      // Another issuer: stored, and members' tokens from the previous one no longer get in.
      const moved = await owner.put("/sso", { issuer: `${discovery.base}/good`, clientId: "console", clientSecret: null });
      expect(moved.status).toBe(200);
      expect(discovery.seen).toEqual(["/good/.well-known/openid-configuration"]);
      expect((await findOrgById(w.h.db.knex, w.h.orgId))?.oidc).toMatchObject({ issuer: `${discovery.base}/good`, clientId: "console", clientSecret: null });
      expect((await owner.get("/sso")).status).toBe(401);
    });

    it.each([
      ["mismatch", 422, "issuer_mismatch"],
      ["incomplete", 422, "discovery_incomplete"],
      ["implicit", 422, "authorization_code_unsupported"],
      ["html", 422, "discovery_invalid"],
      ["huge", 422, "discovery_invalid"],
      ["redirect", 422, "discovery_invalid"],
      ["missing", 422, "discovery_invalid"],
    ])("refuses an issuer whose discovery document is %s with %i %s, and keeps the settings", async (name, status, code) => {
      const res = await w.as("owner").put("/sso", { issuer: `${discovery.base}/${name}`, clientId: "console" });
      expectError(res, status, code);
      expect((await findOrgById(w.h.db.knex, w.h.orgId))?.oidc?.issuer).toBe(w.op.issuer);
      expect((await actions(w.as("owner"))).filter((a) => a.action === "sign_in.set")).toEqual([]);
    });

    it("names what the discovery document lacks", async () => {
      const res = await w.as("owner").put("/sso", { issuer: `${discovery.base}/incomplete`, clientId: "console" });
      expect(errorOf(res)).toMatchObject({ code: "discovery_incomplete", missing: ["token_endpoint", "jwks_uri"] });
    });

    it("refuses an issuer that does not answer, an issuer that is no URL, and plain http away from loopback", async () => {
      const closed = await startDiscoveryServer();
      await closed.close();
      expectError(await w.as("owner").put("/sso", { issuer: `${closed.base}/good`, clientId: "console" }), 422, "issuer_unreachable");
      expectError(await w.as("owner").put("/sso", { issuer: "not a url", clientId: "console" }), 400, "invalid_request");
      expectError(await w.as("owner").put("/sso", { issuer: "http://login.example.com", clientId: "console" }), 400, "invalid_request");
      expectError(await w.as("owner").put("/sso", { issuer: `${discovery.base}/good`, clientId: "console", usernameClaim: "not a claim" }), 400, "invalid_request");
      expectError(await w.as("owner").put("/sso", { issuer: `${discovery.base}/good` }), 400, "invalid_request");
    });

    it("refuses an issuer and client another organisation already trusts", async () => {
      const acme = await w.h.addOrg("acme");
      await setOrgOidc(w.h.db.knex, acme.orgId, { issuer: `${discovery.base}/good`, clientId: "console", clientSecret: null, jwks: null, usernameClaim: "email" });
      expectError(await w.as("owner").put("/sso", { issuer: `${discovery.base}/good`, clientId: "console" }), 409, "sign_in_taken");
    });
  });

  describe("with no private address allowed", () => {
    const w = adminWorldPerTest();

    it("refuses an issuer on a private address, saying which and how to allow it, without fetching it", async () => {
      const res = await w.as("owner").put("/sso", { issuer: `${discovery.base}/good`, clientId: "console" });
      expectError(res, 422, "issuer_not_allowed");
      expect(errorOf(res).message).toMatch(/127\.0\.0\.1 is loopback .*OIDC_ALLOW_PRIVATE/);
      expect(discovery.seen).toEqual([]);
    });
  });

  describe("when the environment sets the organisation's sign-in", () => {
    const w = adminWorldPerTest({ harness: { app: { identity: { environmentSignInOrg: "default", allowPrivateIssuers: ["127.0.0.0/8"] } } } });

    it("shows the settings read-only with the reason, and refuses to change them", async () => {
      const read = (await w.as("owner").get("/sso")).body as SsoBody;
      expect(read.managedBy).toEqual({ source: "environment", reason: expect.stringContaining("OIDC_ISSUER") });
      expect(read.issuer).toBe(w.op.issuer);
      expectError(await w.as("owner").put("/sso", { issuer: `${discovery.base}/good`, clientId: "console" }), 409, "managed_by_environment");
      expect(discovery.seen).toEqual([]);
    });
  });
});

describe("the issuer check before saving", () => {
  const refusal = async (pending: Promise<unknown>): Promise<{ code: string; message: string }> => {
    try {
      await pending;
    } catch (err) {
      if (err instanceof ApiError) return { code: err.code, message: err.message };
      throw err;
    }
    throw new Error("the check accepted the issuer");
  };

  it("gives up on an issuer that accepts the connection but never answers, within its time limit", async () => {
    const hanging = createServer(() => undefined);
    await new Promise<void>((ok) => hanging.listen(0, "127.0.0.1", ok));
    try {
      const issuer = `http://127.0.0.1:${(hanging.address() as AddressInfo).port}`;
      const check = new IssuerDiscovery({ allowPrivate: ["127.0.0.1"], timeoutMs: 300 });
      expect(await refusal(check.check(issuer))).toEqual({ code: "issuer_unreachable", message: expect.stringContaining("no answer within 300 ms") });
    } finally {
      hanging.closeAllConnections();
      await new Promise((ok) => hanging.close(ok));
    }
  });

  it("judges every address a name resolves to, and refuses a name with one private address among them", async () => {
    const check = new IssuerDiscovery({ allowPrivate: [], resolve: async () => [{ address: "203.0.113.7", family: 4 }, { address: "169.254.169.254", family: 4 }] });
    expect(await refusal(check.check("https://login.example.com/tenant"))).toEqual({
      code: "issuer_not_allowed",
      message: expect.stringMatching(/login\.example\.com resolves to 169\.254\.169\.254, link-local .*OIDC_ALLOW_PRIVATE/),
    });
  });
});

interface TokenRow {
  id: string;
  label: string | null;
  createdBy: string | null;
  lastRequest: { method: string; path: string; status: number; at: string } | null;
  recentErrors: number;
}

describe("SCIM connections", () => {
  const w = adminWorldPerTest();
  const tokens = async (): Promise<TokenRow[]> => (await w.as("roleReader").get("/scim-tokens")).body.tokens as TokenRow[];
  const scimWith = (token: string, path: string) => w.h.scim("get", path).set("Authorization", `Bearer ${token}`);

  it("records who created each token", async () => {
    const created = await w.as("owner").post("/scim-tokens", { label: "okta" });
    expect(created.body).toMatchObject({ label: "okta", createdBy: "member:owner@example.com" });
    const rotated = await w.as("primaryOwner").post(`/scim-tokens/${(created.body as { id: string }).id}/rotate`, {});
    expect(rotated.body).toMatchObject({ createdBy: "member:po@example.com", replaced: { createdBy: "member:owner@example.com" } });
    expect((await tokens()).find((t) => t.label === "okta")?.createdBy).toBe("member:owner@example.com");
  });

  it("shows each token's last request, recorded at most once a minute, without its query", async () => {
    const created = (await w.as("owner").post("/scim-tokens", { label: "entra" })).body as { id: string; token: string };
    expect((await tokens()).find((t) => t.id === created.id)?.lastRequest).toBeNull();
    expect((await scimWith(created.token, "/Users?filter=userName%20eq%20%22ada%40example.com%22")).status).toBe(200);
    const first = await until(tokens, (all) => all.find((t) => t.id === created.id)?.lastRequest !== null, "the first request recorded");
    expect(first.find((t) => t.id === created.id)?.lastRequest).toMatchObject({ method: "GET", path: "/Users", status: 200 });

    // Within the minute, a second request is not recorded as the last; an error after it always is, so once the error shows the second request was seen.
    expect((await scimWith(created.token, "/Groups")).status).toBe(200);
    expect((await scimWith(created.token, "/Users/no-such-user")).status).toBe(404);
    const after = await until(tokens, (all) => all.find((t) => t.id === created.id)?.recentErrors === 1, "the error recorded");
    expect(after.find((t) => t.id === created.id)?.lastRequest).toMatchObject({ method: "GET", path: "/Users", status: 200 });
  });

  it("keeps each token's recent errors with status, scimType, method and path, newest first, for viewers only", async () => {
    const created = (await w.as("owner").post("/scim-tokens", { label: "okta" })).body as { id: string; token: string };
    expect((await scimWith(created.token, '/Users?filter=userName%20eq%20"secret%40example.com"%20and')).status).toBe(400);
    expect((await scimWith(created.token, "/Users/missing")).status).toBe(404);
    await until(tokens, (all) => all.find((t) => t.id === created.id)?.recentErrors === 2, "both errors recorded");
    const res = await w.as("roleReader").get(`/scim-tokens/${created.id}/errors`);
    const errors = (res.body as { errors: Array<Record<string, unknown>> }).errors;
    expect(errors.map((e) => [e.method, e.path, e.status, e.scimType])).toEqual([
      ["GET", "/Users/missing", 404, null],
      ["GET", "/Users", 400, "invalidFilter"],
    ]);
    expect(JSON.stringify(errors)).not.toContain("secret");
    expectError(await w.as("plain").get(`/scim-tokens/${created.id}/errors`), 403, "identity_access_view_required");
    expectError(await w.as("roleReader").get("/scim-tokens/no-such-token/errors"), 404, "token_not_found");
  });

  it("records a token's use only when none was recorded since the given instant, so replicas together write at most once a minute", async () => {
    const { info } = await createToken(w.h.db.knex, { orgId: w.h.orgId, kind: "scim" });
    const use = (path: string, at: string, notBefore: string) => recordTokenUse(w.h.db.knex, { tokenId: info.id, orgId: w.h.orgId, request: { method: "GET", path, status: 200, at }, notBefore });
    await use("/Users", "2026-12-07T10:00:00.000Z", "2026-12-07T09:59:00.000Z");
    await use("/Groups", "2026-12-07T10:00:30.000Z", "2026-12-07T09:59:30.000Z");
    expect((await listTokenUsage(w.h.db.knex, w.h.orgId)).get(info.id)?.path).toBe("/Users");
    await use("/Groups", "2026-12-07T10:01:01.000Z", "2026-12-07T10:00:01.000Z");
    expect((await listTokenUsage(w.h.db.knex, w.h.orgId)).get(info.id)).toEqual({ method: "GET", path: "/Groups", status: 200, at: "2026-12-07T10:01:01.000Z" });
  });

  it("writes at most 50 errors a minute per token: a burst past them is not written, and the log keeps the first 50", async () => {
    const created = (await w.as("owner").post("/scim-tokens", { label: "noisy" })).body as { id: string; token: string };
    for (let n = 1; n <= SCIM_ERRORS_KEPT + 5; n++) expect((await scimWith(created.token, `/Users/missing-${n}`)).status).toBe(404);
    // A second token's error is recorded after the burst's writes were issued (one connection on SQLite, in order).
    const other = (await w.as("owner").post("/scim-tokens", { label: "quiet" })).body as { id: string; token: string };
    expect((await scimWith(other.token, "/Users/missing-after")).status).toBe(404);
    await until(tokens, (all) => all.find((t) => t.id === other.id)?.recentErrors === 1 && all.find((t) => t.id === created.id)?.recentErrors === SCIM_ERRORS_KEPT, "the burst recorded");
    const kept = await readScimErrors(w.h.db.knex, w.h.orgId, created.id);
    expect(kept.map((e) => e.path).sort()).toEqual(Array.from({ length: SCIM_ERRORS_KEPT }, (_, i) => `/Users/missing-${i + 1}`).sort());
  });

  it("bounds the error log: the newest errors of a token are kept, the older ones deleted", async () => {
    const { info } = await createToken(w.h.db.knex, { orgId: w.h.orgId, kind: "scim" });
    const { info: other } = await createToken(w.h.db.knex, { orgId: w.h.orgId, kind: "scim" });
    const record = (tokenId: string, n: number) =>
      recordScimError(w.h.db.knex, { tokenId, orgId: w.h.orgId, request: { method: "POST", path: `/Users/${n}`, status: 409, at: new Date().toISOString() }, scimType: "uniqueness", detail: null });
    await record(other.id, 0);
    for (let n = 1; n <= SCIM_ERRORS_KEPT + 10; n++) await record(info.id, n);
    const kept = await readScimErrors(w.h.db.knex, w.h.orgId, info.id);
    expect(kept.map((e) => e.path)).toEqual(Array.from({ length: SCIM_ERRORS_KEPT }, (_, i) => `/Users/${SCIM_ERRORS_KEPT + 10 - i}`));
    const stored = await w.h.db.knex("scim_errors").where({ token_id: info.id }).count<{ n: number | string }[]>({ n: "*" }).first();
    expect(Number(stored?.n)).toBe(SCIM_ERRORS_KEPT);
    expect((await readScimErrors(w.h.db.knex, w.h.orgId, other.id)).map((e) => e.path)).toEqual(["/Users/0"]);
  });
});
