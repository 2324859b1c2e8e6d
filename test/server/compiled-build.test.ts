import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DIST, ROOT, ensureBuilt } from "../support/build";
import { type ServerProcess, startServerProcess } from "../support/server-process";

/**
 * The compiled build that `npm install` makes and `npm start` runs: JavaScript in dist/ with no
 * TypeScript loader, the files it reads at run time beside it (the SQLite worker, the console, the
 * mapping schema, the mapping parser's worker), and `--version` on the server and the CLI.
 */
function run(args: readonly string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((ok, fail) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME, LOG_LEVEL: "silent", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr }));
  });
}

describe("the compiled build", () => {
  let dir: string;
  let version: string;
  let server: ServerProcess | null = null;

  beforeAll(async () => {
    await ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "scim-compiled-"));
    version = (JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { version: string }).version;
  }, 600_000);
  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is what npm start and the bin entry run: node on dist/, with no TypeScript loader", async () => {
    const pkg = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8")) as { scripts: Record<string, string>; bin: Record<string, string>; dependencies: Record<string, string> };
    expect(pkg.scripts.start).toMatch(/^exec node (--enable-source-maps )?dist\/server\/main\.js$/);
    expect(pkg.bin).toEqual({ "scim-role-mapping": "dist/server/cli/main.js" });
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(["tsx"]));
    expect(Object.keys(pkg.dependencies)).not.toEqual(expect.arrayContaining(["vite"]));
    expect((await readFile(join(DIST, "server", "cli", "main.js"), "utf8")).startsWith("#!/usr/bin/env node\n")).toBe(true);
  });

  it("prints package.json's version from the server and the CLI", async () => {
    expect(await run([join(DIST, "server", "main.js"), "--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect(await run([join(DIST, "server", "cli", "main.js"), "--version"])).toMatchObject({ code: 0, stdout: `${version}\n` });
  });

  it("starts the compiled server, which answers /healthz, serves the console and parses a mapping file in its worker", async () => {
    const file = join(dir, "mapping.yaml");
    await writeFile(file, "version: 1\nprimaryOwner: po@example.com\nmappings:\n  - { group: { externalId: g-owners }, orgRole: owner }\n");
    server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, "scim.sqlite")}`, SCIM_TOKEN: "compiled-build-scim-token", MAPPING_FILE: file }, { command: "npm", timeoutMs: 120_000 });
    expect((await fetch(`${server.base}/healthz`)).status).toBe(200);
    // The console's page (here: sign-in is not set up), not the 503 of a console that is not built.
    const consolePage = await fetch(`${server.base}/console/`, { redirect: "manual" });
    expect([consolePage.status, await consolePage.text()]).toEqual([404, expect.stringContaining("Sign-in is not set up")]);
    const scim = await fetch(`${server.base}/scim/v2/ServiceProviderConfig`, { headers: { Authorization: "Bearer compiled-build-scim-token" } });
    expect(scim.status).toBe(200);
    expect(server.logs.find((l) => l.msg === "SCIM server listening")).toMatchObject({ console: `${server.base}/console/` });
    expect(server.stderr()).not.toMatch(/tsx|Cannot find module/);
    const cli = await run([join(DIST, "server", "cli", "main.js"), "mapping", "export", "--format", "json"], { DATABASE_URL: `sqlite:${join(dir, "scim.sqlite")}` });
    expect([cli.code, cli.stderr]).toEqual([0, ""]);
    expect(JSON.parse(cli.stdout)).toMatchObject({ version: 1, mappings: [{ group: { externalId: "g-owners" }, orgRole: "owner" }] });
  }, 180_000);
});
