// `npm run build`: the server and the CLI compiled to dist/ (tsconfig.build.json), with the files
// they read beside their code at run time: the SQLite worker (plain CommonJS, which tsc does not
// copy) and the console's build (console/dist, from `npm run build:console`), which the server
// serves from ../console/dist relative to its own folder. dist/ is made afresh each time, so no
// file of a removed source lingers.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "dist");
const tsc = createRequire(import.meta.url).resolve("typescript/bin/tsc");

rmSync(dist, { recursive: true, force: true });
execFileSync(process.execPath, [tsc, "-p", join(root, "tsconfig.build.json")], { stdio: "inherit", cwd: root });
cpSync(join(root, "db", "sqlite-worker.cjs"), join(dist, "db", "sqlite-worker.cjs"));
const consoleDist = join(root, "console", "dist");
if (existsSync(join(consoleDist, "index.html"))) {
  cpSync(consoleDist, join(dist, "console", "dist"), { recursive: true });
} else {
  process.stderr.write("build: console/dist is missing (run `npm run build:console`): the compiled server will serve no console\n");
}
