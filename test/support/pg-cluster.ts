import { execFileSync } from "node:child_process";
import { chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { join } from "node:path";

/**
 * A throw-away PostgreSQL cluster that a test owns and may stop, start and freeze: initdb in a
 * temp directory, listening on a free port of 127.0.0.1 only. PostgreSQL refuses to run as root,
 * so under root (CI) it runs as the `postgres` user.
 */
export interface PgCluster {
  readonly url: string;
  stop(): void;
  start(): void;
  /** Stops every process of the cluster (SIGSTOP): connections stay open and answer nothing. */
  freeze(): void;
  thaw(): void;
  destroy(): void;
}

function binDir(): string {
  const root = "/usr/lib/postgresql";
  const versions = existsSync(root) ? readdirSync(root).sort() : [];
  const version = versions.at(-1);
  if (version === undefined) throw new Error("PostgreSQL server binaries (initdb, pg_ctl) are not installed under /usr/lib/postgresql");
  return join(root, version, "bin");
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address !== null ? address.port : 0;
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

export async function startPgCluster(): Promise<PgCluster> {
  const bin = binDir();
  const dir = mkdtempSync(join(tmpdir(), "scim-pg-"));
  const data = join(dir, "data");
  const asRoot = userInfo().uid === 0;
  const run = (tool: string, args: string[]) => {
    const command = asRoot ? "runuser" : join(bin, tool);
    const full = asRoot ? ["-u", "postgres", "--", join(bin, tool), ...args] : args;
    return execFileSync(command, full, { stdio: ["ignore", "pipe", "pipe"], encoding: "utf8" });
  };
  if (asRoot) {
    const uid = Number(execFileSync("id", ["-u", "postgres"], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"], { encoding: "utf8" }).trim());
    chownSync(dir, uid, gid);
  }
  const port = await freePort();
  run("initdb", ["-D", data, "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8"]);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=40`;
  const start = () => void run("pg_ctl", ["-D", data, "-o", options, "-l", join(dir, "log"), "-w", "start"]);
  const pids = (): number[] => {
    const main = Number(execFileSync("head", ["-1", join(data, "postmaster.pid")], { encoding: "utf8" }).trim());
    const children = execFileSync("ps", ["-o", "pid=", "--ppid", String(main)], { encoding: "utf8" }).split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
    return [main, ...children];
  };
  start();
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    start,
    stop: () => void run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]),
    freeze: () => pids().forEach((pid) => process.kill(pid, "SIGSTOP")),
    thaw: () => pids().forEach((pid) => process.kill(pid, "SIGCONT")),
    destroy: () => {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
