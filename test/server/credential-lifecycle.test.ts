import { randomUUID } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { type KeyLike, SignJWT, exportJWK, generateKeyPair } from "jose";
import { cli } from "../support/cli";
import { type ServerProcess, startServerProcess } from "../support/server-process";
import { tempSqlitePerTest } from "../support/temp-sqlite";

/**
 * What an operator revokes or removes stays so across restarts of the real process: a configured
 * token revoked with the CLI is not brought back by the environment that still names it, and the
 * environment decides whether the default organisation accepts Entra-issued JWTs.
 */
const SCIM_TOKEN = "lifecycle-scim-token-0123456789";
const API_TOKEN = "lifecycle-api-token-0123456789";
const ENTRA_AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";

describe("credentials across restarts of the server process", () => {
  let url: string;
  let server: ServerProcess | null = null;
  const tmp = tempSqlitePerTest(async () => {
    if (server && server.child.exitCode === null) await server.stop();
    server = null;
  });
  beforeEach(async () => {
    url = tmp.url;
  });

  async function restart(env: Record<string, string>): Promise<ServerProcess> {
    if (server && server.child.exitCode === null) expect(await server.stop()).toBe(0);
    server = await startServerProcess({ DATABASE_URL: url, ...env });
    return server;
  }

  const scimStatus = async (base: string, token: string): Promise<number> => (await fetch(`${base}/scim/v2/Users?count=1`, { headers: { Authorization: `Bearer ${token}` } })).status;
  const apiStatus = async (base: string, token: string): Promise<number> => (await fetch(`${base}/api/v1/mapping`, { headers: { Authorization: `Bearer ${token}` } })).status;

  /** The id of the token `list` shows with this label (SCIM_TOKEN / API_TOKEN are labelled by their variable). */
  async function tokenId(command: "tokens" | "api-tokens", label: string): Promise<string> {
    const listed = JSON.parse((await cli(url, command, "list", "--org", "default", "--json")).stdout) as { id: string; label: string | null }[];
    const token = listed.find((t) => t.label === label);
    if (token === undefined) throw new Error(`no ${label} in ${JSON.stringify(listed)}`);
    return token.id;
  }

  it("keeps a SCIM_TOKEN and an API_TOKEN revoked with the CLI revoked when a restart still configures them, and says so at start", async () => {
    const first = await restart({ SCIM_TOKEN, API_TOKEN });
    expect([await scimStatus(first.base, SCIM_TOKEN), await apiStatus(first.base, API_TOKEN)]).toEqual([200, 200]);

    expect((await cli(url, "tokens", "revoke", await tokenId("tokens", "SCIM_TOKEN"), "--org", "default")).code).toBe(0);
    expect((await cli(url, "api-tokens", "revoke", await tokenId("api-tokens", "API_TOKEN"), "--org", "default")).code).toBe(0);
    expect([await scimStatus(first.base, SCIM_TOKEN), await apiStatus(first.base, API_TOKEN)]).toEqual([401, 401]);

    const second = await restart({ SCIM_TOKEN, API_TOKEN });
    expect([await scimStatus(second.base, SCIM_TOKEN), await apiStatus(second.base, API_TOKEN)]).toEqual([401, 401]);
    const warnings = second.logs.filter((l) => l.level === 40 && typeof l.msg === "string" && /is revoked/.test(l.msg));
    expect(warnings.map((l) => l.variable)).toEqual(["SCIM_TOKEN", "API_TOKEN"]);
    expect(String(warnings[0]?.msg)).toMatch(/the configured SCIM_TOKEN is revoked and is not accepted: create a new token .*set SCIM_TOKEN to it and restart/);
    expect(JSON.parse((await cli(url, "tokens", "list", "--org", "default", "--json")).stdout)).toEqual([expect.objectContaining({ state: "revoked", label: "SCIM_TOKEN" })]);

    // A replacement set in the environment works at once; the revoked one stays refused.
    const replacement = "lifecycle-scim-token-replacement-01";
    const third = await restart({ SCIM_TOKEN: replacement, API_TOKEN });
    expect([await scimStatus(third.base, replacement), await scimStatus(third.base, SCIM_TOKEN)]).toEqual([200, 401]);
  }, 180_000);

  describe("Entra-issued JWTs", () => {
    let privateKey: KeyLike;
    let jwksFile: string;
    const tenant = randomUUID();

    beforeEach(async () => {
      const pair = await generateKeyPair("RS256");
      privateKey = pair.privateKey;
      jwksFile = join(tmp.dir, "entra-keys.json");
      await writeFile(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(pair.publicKey)), kid: "k1", use: "sig", alg: "RS256" }] }));
    });

    const entraToken = (tid: string): Promise<string> =>
      new SignJWT({ tid, appid: "00000014-0000-0000-c000-000000000000" })
        .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "k1" })
        .setIssuer(`https://sts.windows.net/${tid}/`)
        .setAudience(ENTRA_AUDIENCE)
        .setIssuedAt()
        .setExpirationTime("1h")
        .sign(privateKey);

    it("stops accepting them for the default organisation after a restart without ENTRA_*, saying so, and accepts them again once ENTRA_* is back", async () => {
      const entraEnv = { SCIM_TOKEN, ENTRA_TENANT_ID: tenant, ENTRA_JWKS_FILE: jwksFile };
      const jwt = await entraToken(tenant);
      const withEntra = await restart(entraEnv);
      expect(await scimStatus(withEntra.base, jwt)).toBe(200);

      const without = await restart({ SCIM_TOKEN });
      expect(await scimStatus(without.base, jwt)).toBe(401);
      expect(without.logs).toContainEqual(expect.objectContaining({ level: 40, tenant, msg: expect.stringMatching(/ENTRA_TENANT_ID is not set: Entra-issued tokens are no longer accepted/) as unknown }));

      const again = await restart(entraEnv);
      expect(await scimStatus(again.base, jwt)).toBe(200);
      expect(again.logs).toContainEqual(expect.objectContaining({ tenant, msg: "Entra-issued tokens accepted for the default organisation" }));
    }, 180_000);

    it("stops accepting them for another organisation at once with `entra --org <name> --remove`", async () => {
      const running = await restart({ SCIM_TOKEN });
      expect((await cli(url, "orgs", "create", "acme")).code).toBe(0);
      const set = await cli(url, "entra", "--org", "acme", "--tenant", tenant, "--jwks-file", jwksFile);
      expect(set.code).toBe(0);
      const jwt = await entraToken(tenant);
      expect(await scimStatus(running.base, jwt)).toBe(200);

      const removed = await cli(url, "entra", "--org", "acme", "--remove");
      expect({ code: removed.code, out: removed.lines }).toEqual({ code: 0, out: ['organisation "acme" no longer accepts Entra-issued tokens'] });
      expect(await scimStatus(running.base, jwt)).toBe(401);
      // Without --remove, a tenant and its keys are needed.
      expect((await cli(url, "entra", "--org", "acme")).code).toBe(2);
    }, 180_000);
  });
});
