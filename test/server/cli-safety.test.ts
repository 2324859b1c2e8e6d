import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import { type Database, openDatabase } from "../../db/connection";
import { currentMapping } from "../../db/mappings";
import { findOrgByName, setOrgMappingFile } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import { parseMapping } from "../../mapping";
import { createApp } from "../../server/app";
import { createSync } from "../../server/bootstrap";
import { EventHub } from "../../server/events";
import { silentLogger } from "../../server/logger";
import { CLI_ACTOR, runCli } from "../support/cli";
import { CORE_GROUP, userBody } from "../support/harness";
import { DEFAULT_LIMITS } from "../../server/config";

/**
 * The CLI made safe: an unknown organisation is an error everywhere, `mapping apply` shows the plan
 * and asks, a file-managed organisation and a lock-out are refused, and the exit codes say which:
 * 0 done, 1 invalid input, 2 usage, 3 refused by a rule. SQLite only (the CLI cannot confine itself
 * to a throw-away PostgreSQL schema).
 */
const OWNERS = `version: 1
primaryOwner: ceo@acme.example
mappings:
  - { group: { externalId: g-owners }, orgRole: owner }
  - { group: { displayName: "Auditors" }, orgRole: user }
`;
const NO_OWNERS = "version: 1\nprimaryOwner: ceo@acme.example\nmappings:\n  - { group: { externalId: g-other }, orgRole: admin }\n";


// Each test runs the CLI several times, each a process of its own that loads TypeScript.
jest.setTimeout(300_000);
describe("the CLI, made safe", () => {
  let dir: string;
  let url: string;
  let db: Database;
  let events: EventHub | null = null;
  const cli = (...args: string[]) => runCli(url, args);
  const file = async (name: string, text: string) => {
    const path = join(dir, name);
    await writeFile(path, text);
    return path;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-cli-safe-"));
    url = `sqlite:${join(dir, "scim.sqlite")}`;
  });
  afterEach(async () => {
    events?.close();
    events = null;
    await db?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** An organisation "acme" with ada in its Owners group (through SCIM, as the server would). */
  async function acmeWithOwner(): Promise<string> {
    expect((await cli("orgs", "create", "acme")).code).toBe(0);
    db = openDatabase(url);
    const org = await findOrgByName(db.knex, "acme");
    const { token } = await createToken(db.knex, { orgId: org?.id ?? "", kind: "scim" });
    const { sync, signal } = createSync();
    events = new EventHub(db, signal, silentLogger());
    const app = createApp({ db, config: { limits: DEFAULT_LIMITS }, logger: silentLogger(), sync, events });
    const post = (path: string, body: object) => request(app).post(`/scim/v2${path}`).set("Authorization", `Bearer ${token}`).send(body);
    const ada = (await post("/Users", userBody("ada@acme.example"))).body as { id: string };
    await post("/Groups", { schemas: [CORE_GROUP], displayName: "Owners", externalId: "g-owners", members: [{ value: ada.id }] });
    return org?.id ?? "";
  }

  it("refuses --org naming an unknown organisation with exit 1 everywhere, and never creates one", async () => {
    const mapping = await file("m.yaml", OWNERS);
    // One command first, so the commands below do not race to create the schema of a new file.
    expect((await cli("orgs", "list", "--json")).stdout).toBe("[]\n");
    const runs = await Promise.all([
      cli("tokens", "create", "--org", "acme"),
      cli("api-tokens", "create", "--org", "acme"),
      cli("mapping", "plan", mapping, "--org", "acme"),
      cli("mapping", "apply", mapping, "--org", "acme", "--yes"),
      cli("mapping", "export", "--org", "acme"),
      cli("explain", "ada@acme.example", "--org", "acme"),
      cli("entra", "--org", "acme", "--tenant", "00000000-0000-0000-0000-000000000000", "--jwks-url", "https://login.example.com/keys"),
      cli("oidc", "--org", "acme", "--issuer", "https://id.example.com", "--client-id", "c"),
      cli("webhooks", "add", "--org", "acme", "--url", "https://hooks.example.com/scim"),
      cli("webhooks", "list", "--org", "acme"),
      cli("webhooks", "deliveries", "--org", "acme"),
      cli("verify", "--org", "acme"),
    ]);
    for (const run of runs) {
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/No organisation named "acme".*orgs create acme/);
    }
    expect((await cli("orgs", "list", "--json")).stdout).toBe("[]\n");
  });

  it("exits 2 on a usage error and 0 for help", async () => {
    const [unknown, missing, help, status, events] = await Promise.all([
      cli("nonsense"),
      cli("tokens", "create", "--org"),
      cli("--help"),
      cli("webhooks", "deliveries", "--org", "default", "--status", "lost"),
      cli("webhooks", "add", "--org", "default", "--url", "https://hooks.example.com/scim", "--events", "user.created"),
    ]);
    expect(unknown.code).toBe(2);
    expect(missing.code).toBe(2);
    expect(help.code).toBe(0);
    expect([status.code, status.stderr]).toEqual([2, expect.stringMatching(/--status must be one of failed, pending, delivered, all/)]);
    expect([events.code, events.stderr]).toEqual([2, expect.stringMatching(/unknown event type\(s\) user\.created/)]);
  });

  it("creates an organisation only when asked, once", async () => {
    expect((await cli("orgs", "create", "acme")).code).toBe(0);
    const again = await cli("orgs", "create", "acme");
    expect([again.code, again.stderr]).toEqual([1, expect.stringMatching(/already exists/)]);
    const created = await cli("tokens", "create", "--org", "globex", "--create-org");
    expect(created.code).toBe(0);
    expect(created.stderr).toMatch(/created organisation "globex"/);
    expect((JSON.parse((await cli("orgs", "list", "--json")).stdout) as Array<{ name: string }>).map((o) => o.name)).toEqual(["acme", "globex"]);
  });

  it("shows the plan and every warning before applying, and without a terminal or --yes refuses with exit 3, applying nothing", async () => {
    const orgId = await acmeWithOwner();
    const run = await cli("mapping", "apply", await file("m.yaml", OWNERS), "--org", "acme");
    expect(run.code).toBe(3);
    expect(run.lines[0]).toBe("1 member(s) would change");
    expect(run.stdout).toMatch(/^- ada@acme\.example: .*org role: user → owner/m);
    expect(run.stdout).toMatch(/^warning: No active member has the userName 'ceo@acme\.example'/m);
    expect(run.stdout).toMatch(/^warning: .*m\.yaml:5:\d+: display_name_matcher: /m);
    expect(run.stderr).toMatch(/no terminal to confirm on.*--yes/);
    expect(await currentMapping(db.knex, orgId)).toBeNull();
    expect((await cli("mapping", "apply", await file("m.yaml", OWNERS), "--org", "acme", "--yes")).code).toBe(0);
    expect((await currentMapping(db.knex, orgId))?.appliedBy).toBe(CLI_ACTOR);
  });

  it("refuses with exit 3 to apply over a file-managed mapping unless --force, saying the file wins again", async () => {
    const orgId = await acmeWithOwner();
    await setOrgMappingFile(db.knex, orgId, "/etc/scim/acme.yaml");
    const mapping = await file("m.yaml", OWNERS);
    const refused = await cli("mapping", "apply", mapping, "--org", "acme", "--yes");
    expect([refused.code, refused.stderr]).toEqual([3, expect.stringMatching(/managed by \/etc\/scim\/acme\.yaml.*--force/)]);
    const forced = await cli("mapping", "apply", mapping, "--org", "acme", "--yes", "--force");
    expect(forced.code).toBe(0);
    expect(forced.stderr).toMatch(/will win again on its next change/);
  });

  it("refuses with exit 3 a mapping that would leave no one able to edit roles, unless --allow-lockout", async () => {
    await acmeWithOwner();
    expect((await cli("mapping", "apply", await file("a.yaml", OWNERS), "--org", "acme", "--yes")).code).toBe(0);
    const lockout = await file("b.yaml", NO_OWNERS);
    const refused = await cli("mapping", "apply", lockout, "--org", "acme", "--yes");
    expect(refused.code).toBe(3);
    expect(refused.stdout).toMatch(/^refused: .*ada@acme\.example would lose the right/m);
    expect((await cli("mapping", "apply", lockout, "--org", "acme", "--yes", "--allow-lockout")).code).toBe(0);
  });

  it("exports the mapping in force as a file that validates and hashes the same, as YAML or JSON", async () => {
    const orgId = await acmeWithOwner();
    expect((await cli("mapping", "apply", "fixtures/mapping/example.yaml", "--org", "acme", "--yes")).code).toBe(0);
    const stored = await currentMapping(db.knex, orgId);
    const yaml = join(dir, "export.yaml");
    const [exported, json] = await Promise.all([cli("mapping", "export", "--org", "acme", "--output", yaml), cli("mapping", "export", "--org", "acme", "--format", "json")]);
    expect(exported.code).toBe(0);
    const validated = await cli("mapping", "validate", yaml);
    expect(validated.code).toBe(0);
    expect(validated.lines.at(-1)).toBe(`${yaml}: valid (hash ${stored?.hash ?? ""})`);
    expect(await readFile(yaml, "utf8")).toMatch(/^# Mapping of "acme", version 1/);
    const parsed = parseMapping(json.stdout, "export.json");
    expect(parsed.ok && parsed.hash).toBe(stored?.hash);
    // Applying the export back is no change at all.
    expect((await cli("mapping", "apply", yaml, "--org", "acme", "--yes")).lines.at(-1)).toBe("unchanged: version 1 is already this mapping");
  });

  it("sets and removes an organisation's OIDC issuer, refusing an http issuer off loopback", async () => {
    expect((await cli("orgs", "create", "acme")).code).toBe(0);
    const set = await cli("oidc", "--org", "acme", "--issuer", "https://acme.okta.com/oauth2/default", "--client-id", "0oa1", "--client-secret", "s3cret", "--username-claim", "preferred_username");
    expect(set.code).toBe(0);
    db = openDatabase(url);
    expect((await findOrgByName(db.knex, "acme"))?.oidc).toEqual({ issuer: "https://acme.okta.com/oauth2/default", clientId: "0oa1", clientSecret: "s3cret", jwks: null, usernameClaim: "preferred_username" });
    expect((await cli("orgs", "create", "globex")).code).toBe(0);
    const shared = await cli("oidc", "--org", "globex", "--issuer", "https://acme.okta.com/oauth2/default", "--client-id", "0oa1");
    expect([shared.code, shared.stderr]).toEqual([1, expect.stringMatching(/"acme" already trusts .* with client 0oa1/)]);
    const insecure = await cli("oidc", "--org", "acme", "--issuer", "http://id.example.com", "--client-id", "c");
    expect([insecure.code, insecure.stderr]).toEqual([1, expect.stringMatching(/loopback/)]);
    expect((await cli("oidc", "--org", "acme", "--remove")).code).toBe(0);
    expect((await findOrgByName(db.knex, "acme"))?.oidc).toBeNull();
  });
});
