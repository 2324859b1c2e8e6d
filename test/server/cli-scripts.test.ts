import { readFileSync, readdirSync, statSync } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { ConfigError } from "../../server/config";
import { buildProgram } from "../../server/cli/program";
import { type Harness, createGroup, createUser, startHarness } from "../support/harness";
import { CLI_ACTOR, runCli } from "../support/cli";

/**
 * The CLI for scripts and people: one `--org` rule (DEFAULT_ORG unless given), `--json` where a
 * script reads the answer, aligned text otherwise, validated organisation names, help for every
 * command, and tokens written through the admin use cases, in the admin log under the operator's
 * name. SQLite only (the CLI cannot confine itself to a throw-away PostgreSQL schema).
 */
const MAPPING = `version: 1
primaryOwner: po@example.com
mappings:
  - { group: { externalId: g-owners }, orgRole: owner }
`;

interface AdminRow {
  actor: string;
  action: string;
  target: string;
}

// Each test runs the CLI up to ten times, each a process of its own that loads TypeScript.
jest.setTimeout(300_000);

describe("the CLI for scripts and people", () => {
  let dir: string;
  let url: string;
  let h: Harness;
  const cli = (...args: string[]) => runCli(url, args);
  const json = async <T>(...args: string[]): Promise<T> => {
    const run = await cli(...args, "--json");
    expect([run.code, run.stderr]).toEqual([0, ""]);
    return JSON.parse(run.stdout) as T;
  };
  const adminLog = async (): Promise<AdminRow[]> => h.db.knex("admin_actions").where({ org_id: h.orgId }).orderBy("seq").select("actor", "action", "target");

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-cli-scripts-"));
    url = `sqlite:${join(dir, "scim.sqlite")}`;
    h = await startHarness({ databaseUrl: url });
    await createUser(h, "po@example.com");
    const ada = await createUser(h, "ada@example.com");
    await createGroup(h, "Owners", [ada], { externalId: "g-owners" });
  });
  afterEach(async () => {
    await h?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("acts on DEFAULT_ORG when --org is not given, for every command that takes an organisation", async () => {
    const runs = [
      await cli("tokens", "create"),
      await cli("api-tokens", "create"),
      await cli("tokens", "list"),
      await cli("webhooks", "list"),
      await cli("webhooks", "deliveries"),
      await cli("verify"),
      await cli("explain", "ada@example.com"),
      await cli("mapping", "plan", "fixtures/mapping/example.yaml"),
    ];
    expect(runs.map((run) => [run.code, run.stderr.match(/^error: .*/m)?.[0] ?? null])).toEqual(runs.map(() => [0, null]));

    expect((await runCli(url, ["orgs", "create", "acme"])).code).toBe(0);
    const created = await runCli(url, ["tokens", "create"], { DEFAULT_ORG: "acme" });
    expect(created.stderr).toMatch(/for organisation "acme"/);
    expect(await json<unknown[]>("tokens", "list", "--org", "acme")).toHaveLength(1);
  });

  it("writes tokens through the admin use cases: created and revoked in the admin log under the OS user, or --actor", async () => {
    const scim = await cli("tokens", "create", "--label", "Okta");
    const api = await cli("api-tokens", "create", "--actor", "alice");
    expect([scim.code, api.code]).toEqual([0, 0]);
    const scimToken = (await json<Array<{ id: string; label: string; createdBy: string; state: string }>>("tokens", "list")).find((t) => t.label === "Okta");
    const apiTokens = await json<Array<{ id: string; createdBy: string }>>("api-tokens", "list");
    const apiToken = apiTokens.find((t) => t.createdBy === "cli:alice");
    expect(scimToken).toMatchObject({ label: "Okta", createdBy: CLI_ACTOR, state: "active" });
    expect(apiToken).toBeDefined();
    expect(await cli("tokens", "revoke", scimToken?.id ?? "")).toMatchObject({ code: 0, lines: [`revoked ${scimToken?.id}`] });
    expect(await adminLog()).toEqual([
      { actor: CLI_ACTOR, action: "scim_token.create", target: scimToken?.id },
      { actor: "cli:alice", action: "api_token.create", target: apiToken?.id },
      { actor: CLI_ACTOR, action: "scim_token.revoke", target: scimToken?.id },
    ]);
    expect(CLI_ACTOR).not.toBe("cli:unknown");
  });

  it("revokes only tokens of its own kind: the other kind's id is not found and the token keeps working", async () => {
    // The harness gave the organisation one token of each kind.
    const apiTokenId = (await json<Array<{ id: string }>>("api-tokens", "list"))[0]?.id ?? "";
    const scimTokenId = (await json<Array<{ id: string }>>("tokens", "list"))[0]?.id ?? "";
    const wrongScim = await cli("tokens", "revoke", apiTokenId);
    const wrongApi = await cli("api-tokens", "revoke", scimTokenId);
    expect([wrongScim.code, wrongScim.stderr]).toEqual([1, expect.stringMatching(/No SCIM token with id/)]);
    expect([wrongApi.code, wrongApi.stderr]).toEqual([1, expect.stringMatching(/No permissions API token with id/)]);
    expect((await h.api("post", "/authorize").send({ member: "ada@example.com", area: "billing", level: "view" })).status).toBe(200);
    expect((await h.scim("get", "/Users")).status).toBe(200);
    expect(await adminLog()).toEqual([]);
  });

  it("refuses an invalid organisation name with exit 2 and the rule, and a not-found error names no other organisation", async () => {
    const bad = await cli("orgs", "create", "Bad Name!");
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/"Bad Name!" is not a valid organisation name: use lower-case letters a-z, digits and hyphens/)]);
    expect((await cli("tokens", "create", "--org", "Bad Name!", "--create-org")).code).toBe(2);
    expect((await json<Array<{ name: string }>>("orgs", "list")).map((o) => o.name)).toEqual(["default"]);

    expect((await cli("orgs", "create", "secret-customer")).code).toBe(0);
    const missing = await cli("tokens", "list", "--org", "typo");
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringMatching(/No organisation named "typo"/)]);
    expect(missing.stderr).not.toMatch(/secret-customer|default/);
  });

  it("prints the plan, the apply and the explanation as one JSON document with --json, and as aligned text without", async () => {
    const file = join(dir, "m.yaml");
    await writeFile(file, MAPPING);
    const plan = await json<{ plan: { changedCount: number; changes: Array<{ member: { userName: string } }> }; warnings: string[] }>("mapping", "plan", file);
    expect(plan.plan.changedCount).toBe(2);
    expect(plan.plan.changes.map((c) => c.member.userName)).toEqual(["ada@example.com", "po@example.com"]);
    const text = await cli("mapping", "plan", file);
    expect(text.lines[0]).toBe("2 member(s) would change");
    expect(text.stdout).toMatch(/^ {2}KIND +NAME +GAIN +LOSE$/m);
    expect(text.stdout).toMatch(/^- ada@example\.com: org role: user → owner/m);
    const warnings = text.lines.filter((line) => line.startsWith("warning: "));
    expect(new Set(warnings).size).toBe(warnings.length);

    expect((await cli("mapping", "apply", file, "--json")).code).toBe(2);
    const applied = await json<{ outcome: { status: string; version: number; changed: number } }>("mapping", "apply", file, "--yes");
    expect(applied.outcome).toEqual({ status: "applied", version: 1, changed: 2 });

    const explained = await json<{ member: { userName: string }; orgRole: string }>("explain", "ada@example.com");
    expect(explained).toMatchObject({ member: { userName: "ada@example.com" }, orgRole: "owner" });
    const told = await cli("explain", "ada@example.com");
    expect(told.lines[0]).toMatch(/^ada@example\.com \(\S+\): active$/);
    expect(told.stdout).toMatch(/^org role: owner: /m);
    expect(told.stdout).toMatch(/^KIND +NAME +HOLDS +WHY$/m);
    expect(told.stdout).toMatch(/^matched: group "Owners" \(externalId g-owners\)/m);
  });

  it("lists organisations, tokens and webhooks as aligned columns under a header", async () => {
    await cli("webhooks", "add", "--url", "https://hooks.example.com/scim");
    const orgs = await cli("orgs", "list");
    expect(orgs.lines).toEqual([expect.stringMatching(/^NAME +ID +MAPPING$/), expect.stringMatching(/^default +[0-9a-f-]{36} +in the database$/)]);
    const tokens = await cli("tokens", "list");
    expect(tokens.lines[0]).toMatch(/^ID +STATE +CREATED +BY +UNTIL +LABEL$/);
    const hooks = await cli("webhooks", "list");
    const header = hooks.lines[0] ?? "";
    expect(header).toMatch(/^ID +URL +EVENTS +CREATED +CIRCUIT$/);
    expect(hooks.lines[1]?.indexOf("https://hooks.example.com/scim")).toBe(header.indexOf("URL"));
  });

  it("describes every command and subcommand in its help, and prints package.json's version", async () => {
    const program = buildProgram({ config: new ConfigError(["unused"]), osUser: "tester", version: "9.9.9" });
    const undescribed: string[] = [];
    const walk = (command: Command, path: string): void => {
      for (const sub of command.commands) {
        const name = `${path} ${sub.name()}`.trim();
        if (sub.description().trim() === "") undescribed.push(name);
        walk(sub, name);
      }
    };
    walk(program, "");
    expect(undescribed).toEqual([]);

    const help = await cli("mapping", "plan", "--help");
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^Usage: scim-role-mapping mapping plan \[options\] <file>/);
    expect(help.stdout).toMatch(/--org <name> +the organisation/);
    expect(help.stdout).toMatch(/--actor <name>/);
    const { version } = JSON.parse(await readFile("package.json", "utf8")) as { version: string };
    expect(await cli("--version")).toMatchObject({ code: 0, lines: [version] });
  });

  it("reads the environment only in its entry points, as the server does, and passes the configuration down", () => {
    const readers: string[] = [];
    const visit = (path: string): void => {
      if (statSync(path).isDirectory()) readdirSync(path).forEach((name) => visit(join(path, name)));
      else if (path.endsWith(".ts") && readFileSync(path, "utf8").includes("process.env")) readers.push(path);
    };
    ["server", "scim", "roles", "mapping", "db"].forEach(visit);
    expect(readers.sort()).toEqual([join("server", "cli", "main.ts"), join("server", "main.ts")]);
  });
});
