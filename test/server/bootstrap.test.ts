import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { findOrgByName } from "../../db/orgs";
import { createSync, provisionDefaultOrg, storePlatformFile } from "../../server/bootstrap";
import { parseConfig } from "../../server/config";
import { silentLogger } from "../../server/logger";
import { type Harness, startHarness } from "../support/harness";

/** What the server sets up for the default organisation at start, from its configuration. */
describe("start-up of the default organisation", () => {
  let h: Harness;
  let dir: string;
  beforeEach(async () => {
    h = await startHarness();
    dir = await mkdtemp(join(tmpdir(), "bootstrap-"));
  });
  afterEach(async () => {
    await h.close();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (env: Record<string, string>) => provisionDefaultOrg(h.db, parseConfig({ SCIM_TOKEN: "s".repeat(20), ...env }), silentLogger(), () => undefined);

  it("records the file that manages the mapping, and forgets it when MAPPING_FILE is unset", async () => {
    await start({ MAPPING_FILE: "/etc/scim/roles.yaml" });
    expect((await findOrgByName(h.db.knex, "default"))?.mappingFile).toBe("/etc/scim/roles.yaml");
    await start({});
    expect((await findOrgByName(h.db.knex, "default"))?.mappingFile).toBeNull();
  });

  it("lets the default organisation's members sign in with the OIDC_* issuer, with a fixed key set when given", async () => {
    const jwks = join(dir, "keys.json");
    await writeFile(jwks, JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] }));
    await start({ OIDC_ISSUER: "https://login.microsoftonline.com/tenant/v2.0", OIDC_CLIENT_ID: "app", OIDC_USERNAME_CLAIM: "preferred_username", OIDC_JWKS_FILE: jwks });
    expect((await findOrgByName(h.db.knex, "default"))?.oidc).toEqual({
      issuer: "https://login.microsoftonline.com/tenant/v2.0", clientId: "app", clientSecret: null, jwks: { keys: [{ kty: "EC", crv: "P-256", x: "x", y: "y", kid: "k" }] }, usernameClaim: "preferred_username",
    });
  });

  it("refuses to start on an invalid PLATFORM_FILE, naming every problem", async () => {
    const file = join(dir, "platform.yaml");
    await writeFile(file, "version: 1\nall: { feature: {} }\n");
    await expect(storePlatformFile(h.db, createSync().sync, file, silentLogger())).rejects.toThrow(/PLATFORM_FILE is invalid:\n.*platform\.yaml:2:8 Unknown key 'feature'/);
  });
});
