import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import pino from "pino";
import { findOrgByName } from "../../db/orgs";
import { authenticateToken, listTokens, revokeToken } from "../../db/tokens";
import { createSync, provisionDefaultOrg, storePlatformFile } from "../../server/bootstrap";
import { parseConfig } from "../../server/config";
import { silentLogger } from "../../server/logger";
import { type Harness, startHarness } from "../support/harness";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/** What the server sets up for the default organisation at start, from its configuration. */
describe("start-up of the default organisation", () => {
  let h: Harness;
  let tmp: TempSqlite;
  beforeEach(async () => {
    h = await startHarness();
    tmp = await tempSqlite();
  });
  afterEach(async () => {
    await h.close();
    await tmp.remove();
  });

  const start = (env: Record<string, string>, logger = silentLogger()) => provisionDefaultOrg(h.db, parseConfig({ SCIM_TOKEN: "s".repeat(20), ...env }), logger, () => undefined);

  /** A logger that keeps its lines, to see what start-up says. */
  function recordingLogger(): { logger: ReturnType<typeof silentLogger>; lines: Array<Record<string, unknown>> } {
    const lines: Array<Record<string, unknown>> = [];
    return { lines, logger: pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) }) };
  }

  it("leaves a revoked SCIM_TOKEN and API_TOKEN revoked although they are still configured, and warns at start", async () => {
    const env = { SCIM_TOKEN: "configured-scim-token-0123", API_TOKEN: "configured-api-token-0123" };
    await start(env);
    const org = await findOrgByName(h.db.knex, "default");
    const configured = (await listTokens(h.db.knex, org?.id)).filter((t) => t.label === "SCIM_TOKEN" || t.label === "API_TOKEN");
    expect(configured.length).toBe(2);
    for (const t of configured) await revokeToken(h.db.knex, t.id);

    const { logger, lines } = recordingLogger();
    await start(env, logger);
    expect(await authenticateToken(h.db.knex, "scim", env.SCIM_TOKEN)).toBeNull();
    expect(await authenticateToken(h.db.knex, "api", env.API_TOKEN)).toBeNull();
    expect(lines.filter((l) => l.level === 40).map((l) => l.variable)).toEqual(["SCIM_TOKEN", "API_TOKEN"]);
  });

  it("writes ENTRA_* for the default organisation at start, and removes the setting when they are unset", async () => {
    const jwks = join(tmp.dir, "entra.json");
    await writeFile(jwks, JSON.stringify({ keys: [] }));
    const tenant = "6f1c7b2e-2f4d-4c59-9a43-0d1f4e9b7a10";
    await start({ ENTRA_TENANT_ID: tenant, ENTRA_JWKS_FILE: jwks });
    expect((await findOrgByName(h.db.knex, "default"))?.entra).toEqual({ tenantId: tenant, jwksUrl: null, jwks: { keys: [] } });
    const { logger, lines } = recordingLogger();
    await start({}, logger);
    expect((await findOrgByName(h.db.knex, "default"))?.entra).toBeNull();
    expect(lines).toContainEqual(expect.objectContaining({ level: 40, tenant }));
  });

  it("records the file that manages the mapping, and forgets it when MAPPING_FILE is unset", async () => {
    await start({ MAPPING_FILE: "/etc/scim/roles.yaml" });
    expect((await findOrgByName(h.db.knex, "default"))?.mappingFile).toBe("/etc/scim/roles.yaml");
    await start({});
    expect((await findOrgByName(h.db.knex, "default"))?.mappingFile).toBeNull();
  });

  it("lets the default organisation's members sign in with the OIDC_* issuer, with a fixed key set when given", async () => {
    const jwks = join(tmp.dir, "keys.json");
    await writeFile(jwks, JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] }));
    await start({ OIDC_ISSUER: "https://login.microsoftonline.com/tenant/v2.0", OIDC_CLIENT_ID: "app", OIDC_USERNAME_CLAIM: "preferred_username", OIDC_JWKS_FILE: jwks });
    expect((await findOrgByName(h.db.knex, "default"))?.oidc).toEqual({
      issuer: "https://login.microsoftonline.com/tenant/v2.0", clientId: "app", clientSecret: null, jwks: { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] }, usernameClaim: "preferred_username",
    });
  });

  it("refuses to start on an invalid PLATFORM_FILE, naming every problem", async () => {
    const file = join(tmp.dir, "platform.yaml");
    await writeFile(file, "version: 1\nall: { feature: {} }\n");
    await expect(storePlatformFile(h.db, createSync().sync, file, silentLogger())).rejects.toThrow(/PLATFORM_FILE is invalid:\n.*platform\.yaml:2:8 Unknown key 'feature'/);
  });
});
