import { spawn } from "node:child_process";
import { userInfo } from "node:os";
import { join, resolve } from "node:path";

/**
 * The real CLI (server/cli/main.ts), spawned with tsx against a database URL, as an operator runs it.
 * Its actor is the OS user running the tests (`CLI_ACTOR`), unless a test passes --actor.
 */
const ROOT = resolve(__dirname, "../..");
const TSX = join(ROOT, "node_modules/.bin/tsx");

/** How the admin and audit logs name a command run by `runCli` without --actor. */
export const CLI_ACTOR = `cli:${userInfo().username}`;

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
  lines: string[];
}

export function runCli(databaseUrl: string, args: readonly string[], env: Readonly<Record<string, string>> = {}): Promise<CliRun> {
  const childEnv: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, DATABASE_URL: databaseUrl, LOG_LEVEL: "silent", ...env };
  return new Promise((ok, fail) => {
    const child = spawn(TSX, ["server/cli/main.ts", ...args], { cwd: ROOT, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => ok({ code, stdout, stderr, lines: stdout.split("\n").filter((l) => l !== "") }));
  });
}

/** `runCli` with the arguments spread, for commands that need no extra environment. */
export function cli(databaseUrl: string, ...args: string[]): Promise<CliRun> {
  return runCli(databaseUrl, args);
}
