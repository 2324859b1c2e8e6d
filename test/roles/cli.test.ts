import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Express } from "express";
import request from "supertest";
import { type Database, openDatabase } from "../../db/connection";
import { ensureOrg } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import { CLI_ACTOR, cli } from "../support/cli";
import { CORE_GROUP, serverOn, userBody } from "../support/harness";
import { MAPPING } from "./support";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * The real CLI, spawned against a SQLite file that an in-process app opens
 * too, as the server and the CLI share DATABASE_URL in production. SQLite only: the CLI has no
 * way to confine itself to a throw-away PostgreSQL schema.
 */

describe("the CLI", () => {
  // Each test spawns the CLI several times, and a spawn takes tens of seconds on a busy machine.
  jest.setTimeout(180_000);
  let tmp: TempSqlite;
  let url: string;
  let db: Database | null = null;
  let app: Express;
  let server: { close(): Promise<void> } | null = null;

  beforeEach(async () => {
    tmp = await tempSqlite();
    url = tmp.url;
  });
  afterEach(async () => {
    await server?.close();
    server = null;
    await db?.close();
    db = null;
    await tmp.remove();
  });

  /** The server's view of the same file (after a CLI command has migrated it). */
  function openServer(): Express {
    db = openDatabase(url);
    const served = serverOn(db);
    server = served;
    app = served.app;
    return app;
  }

  it("creates a SCIM token for one organisation, lists it, and revokes it", async () => {
    expect((await cli(url, "orgs", "create", "acme")).code).toBe(0);
    const created = await cli(url, "tokens", "create", "--org", "acme", "--label", "okta");
    expect(created.code).toBe(0);
    const token = created.lines.at(-1) ?? "";
    expect(token).toMatch(/^\S{20,}$/);
    const tokenId = /token (\S+) for organisation "acme"/.exec(created.stderr)?.[1] ?? "";
    expect(tokenId).not.toBe("");

    openServer();
    // The console's SCIM page says who made each token: here, the operator's account.
    expect(await db!.knex("tokens").where({ id: tokenId }).first("created_by")).toEqual({ created_by: expect.stringMatching(/^cli:\S+$/) });
    const other = await ensureOrg(db!.knex, "globex");
    const { token: otherToken } = await createToken(db!.knex, { orgId: other.id, kind: "scim" });
    const scim = (t: string) => ({
      get: (path: string) => request(app).get(`/scim/v2${path}`).set("Authorization", `Bearer ${t}`),
      post: (path: string) => request(app).post(`/scim/v2${path}`).set("Authorization", `Bearer ${t}`),
    });
    expect((await scim(token).post("/Users").send(userBody("ada@acme.example"))).status).toBe(201);
    expect((await scim(otherToken).post("/Users").send(userBody("gus@globex.example"))).status).toBe(201);
    const seen = await scim(token).get("/Users");
    expect(seen.status).toBe(200);
    expect((seen.body as { Resources: { userName: string }[] }).Resources.map((u) => u.userName)).toEqual(["ada@acme.example"]);
    // A SCIM token is not an API token.
    expect((await request(app).get("/api/v1/mapping").set("Authorization", `Bearer ${token}`)).status).toBe(401);

    const listed = await cli(url, "tokens", "list", "--org", "acme", "--json");
    expect(listed.code).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id: tokenId, state: "active", label: "okta", createdBy: CLI_ACTOR })]);

    const revoked = await cli(url, "tokens", "revoke", tokenId, "--org", "acme");
    expect(revoked.code).toBe(0);
    expect((await scim(token).get("/Users")).status).toBe(401);
    expect((await scim(otherToken).get("/Users")).status).toBe(200);
    expect(JSON.parse((await cli(url, "tokens", "list", "--org", "acme", "--json")).stdout)).toEqual([expect.objectContaining({ id: tokenId, state: "revoked" })]);
  });

  it("validates mapping files: exit 1 with file:line:col errors for a bad one, exit 0 for the example", async () => {
    const [bad, good] = await Promise.all([
      cli(url, "mapping", "validate", "fixtures/mapping/invalid/typos.yaml"),
      cli(url, "mapping", "validate", "fixtures/mapping/example.yaml"),
    ]);
    expect(bad.code).toBe(1);
    expect(bad.lines.length).toBeGreaterThanOrEqual(5);
    for (const line of bad.lines) expect(line).toMatch(/^fixtures\/mapping\/invalid\/typos\.yaml:\d+:\d+: \w+: .+/);
    expect(bad.stdout).toMatch(/Did you mean 'billing'/);
    expect(bad.stderr).toMatch(/error\(s\)/);

    expect(good.code).toBe(0);
    expect(good.lines.at(-1)).toMatch(/^fixtures\/mapping\/example\.yaml: valid \(hash [0-9a-f]+\)$/);
  });

  it("plans a mapping against the stored directory, applies it, and explains a member", async () => {
    const created = await cli(url, "api-tokens", "create", "--org", "acme", "--create-org");
    expect(created.stderr).toMatch(/created organisation "acme"/);
    expect(created.code).toBe(0);
    const apiToken = created.lines.at(-1) ?? "";
    openServer();
    const acme = await ensureOrg(db!.knex, "acme");
    const { token } = await createToken(db!.knex, { orgId: acme.id, kind: "scim" });
    const post = (path: string, body: object) => request(app).post(`/scim/v2${path}`).set("Authorization", `Bearer ${token}`).send(body);
    const ada = (await post("/Users", userBody("ada@acme.example"))).body as { id: string };
    const ivan = (await post("/Users", userBody("ivan@acme.example"))).body as { id: string };
    expect((await post("/Groups", { schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance", members: [{ value: ada.id }] })).status).toBe(201);
    // Pushed by Okta (fixtures/okta/push-group.json): the plan must advise its id, since Okta sends no externalId.
    const itAdmins = await post("/Groups", { schemas: [CORE_GROUP], displayName: "IT Admins", members: [{ value: ivan.id }] }).set("User-Agent", "Okta SCIM Client 1.0.0");
    expect(itAdmins.status).toBe(201);
    const file = join(tmp.dir, "acme.yaml");
    await writeFile(file, MAPPING);

    const plan = await cli(url, "mapping", "plan", file, "--org", "acme");
    expect(plan.code).toBe(0);
    expect(plan.lines[0]).toBe("2 member(s) would change");
    expect(plan.stdout).toMatch(/^- ada@acme\.example: .*billing/m);
    expect(plan.stdout).toMatch(/^- ivan@acme\.example: /m);
    // "Security Team" and "Owners" match no stored group.
    expect(plan.lines.filter((l) => l.startsWith("warning: ")).join("\n")).toMatch(/Security Team[\s\S]*Owners|Owners[\s\S]*Security Team/);
    const itAdminsAdvice = plan.lines.find((l) => l.startsWith("warning: Rule 2 matches groups by displayName 'IT Admins'"));
    expect(itAdminsAdvice).toMatch(new RegExp(`Okta pushed this group .* use \`group: \\{ id: "${(itAdmins.body as { id: string }).id}" \\}\``));
    // A plan changes nothing.
    const api = (path: string) => request(app).get(`/api/v1${path}`).set("Authorization", `Bearer ${apiToken}`);
    expect((await api(`/members/${ada.id}/permissions`)).body).toMatchObject({ orgRole: "user", roles: [] });

    const applied = await cli(url, "mapping", "apply", file, "--org", "acme", "--yes");
    expect(applied.code).toBe(0);
    expect(applied.lines[0]).toBe("2 member(s) would change");
    expect(applied.lines.at(-1)).toBe("applied version 1: 2 member(s) changed");
    expect((await api(`/members/${ada.id}/permissions`)).body).toMatchObject({ orgRole: "custom", roles: ["finance"], admin: { billing: "manage" } });
    expect((await api("/mapping")).body).toMatchObject({ version: 1, appliedBy: CLI_ACTOR, source: file, mapping: { version: 1, appliedBy: CLI_ACTOR, source: file }, lastRefused: null });
    expect((await api(`/audit?member=${ada.id}`)).body).toMatchObject({ entries: [{ cause: { kind: "mapping", version: 1, source: file } }] });

    const explained = await cli(url, "explain", "ADA@acme.example", "--org", "acme", "--json");
    expect(explained.code).toBe(0);
    const explanation = JSON.parse(explained.stdout) as Record<string, unknown>;
    expect(explanation).toMatchObject({
      member: { id: ada.id, userName: "ada@acme.example", active: true },
      orgRole: "custom",
      roles: ["finance"],
      orgRoleReason: expect.stringMatching(/custom/) as unknown,
      matches: [expect.objectContaining({ ruleIndex: 0 })],
    });
  });
});
