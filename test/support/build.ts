import { execFile } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { join, resolve } from "node:path";

/**
 * The compiled build (`npm run build`: dist/), made again when any source it compiles is newer than
 * it, as `npm install` would have made it. Jest's workers may ask at once: one builds, the others
 * wait for its lock and then find the build fresh.
 */
export const ROOT = resolve(__dirname, "../..");
export const DIST = join(ROOT, "dist");
const SOURCES = ["server", "scim", "roles", "mapping", "db"];
const CONFIG = ["package.json", "tsconfig.json", "tsconfig.build.json", "scripts/build.mjs"];
const LOCK = join(ROOT, ".build-lock");
const BUILT = join(DIST, "server", "main.js");

function newestSource(): number {
  let newest = 0;
  const visit = (path: string): void => {
    const stat = statSync(path);
    if (stat.isDirectory()) readdirSync(path).forEach((name) => visit(join(path, name)));
    else newest = Math.max(newest, stat.mtimeMs);
  };
  [...SOURCES, ...CONFIG].map((p) => join(ROOT, p)).forEach(visit);
  return newest;
}

function fresh(): boolean {
  return existsSync(BUILT) && statSync(BUILT).mtimeMs >= newestSource();
}

function lock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    return false;
  }
}

export async function ensureBuilt(timeoutMs = 600_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fresh()) {
    if (lock()) {
      try {
        if (!fresh()) {
          await new Promise<void>((ok, fail) =>
            execFile(process.execPath, [join(ROOT, "scripts", "build.mjs")], { cwd: ROOT }, (err, _stdout, stderr) => (err ? fail(new Error(`npm run build failed:\n${stderr}`)) : ok())),
          );
        }
      } finally {
        rmSync(LOCK, { recursive: true, force: true });
      }
      return;
    }
    if (Date.now() > deadline) throw new Error(`another build held ${LOCK} for too long (a build that died leaves it: remove it)`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
