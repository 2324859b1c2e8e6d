import { type ChildProcess, spawn } from "node:child_process";
import { resolve } from "node:path";
import { ensureBuilt } from "./build";
import { eventually } from "./eventually";
import { type TempSqlite, tempSqlitePerTest } from "./temp-sqlite";

/**
 * The real server process on an ephemeral port of 127.0.0.1, its JSON log lines collected: from
 * the TypeScript sources (`node --import tsx server/main.ts`), or through `npm start`, which runs
 * the compiled build (made first when a source is newer than it).
 */
const ROOT = resolve(__dirname, "../..");

export interface ServerProcess {
  readonly child: ChildProcess;
  /** http://127.0.0.1:<port> */
  readonly base: string;
  readonly logs: Record<string, unknown>[];
  /** Every line the process wrote to stdout, as written. */
  readonly stdoutLines: string[];
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  stop(signal?: NodeJS.Signals): Promise<number | string>;
}

export async function startServerProcess(env: Record<string, string>, options: { command?: "node" | "npm"; timeoutMs?: number } = {}): Promise<ServerProcess> {
  const command = options.command ?? "node";
  if (command === "npm") await ensureBuilt();
  const args = command === "npm" ? ["start", "--silent"] : ["--import", "tsx", "server/main.ts"];
  const child = spawn(command, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", PORT: "0", LOG_LEVEL: "info", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const logs: Record<string, unknown>[] = [];
  const stdoutLines: string[] = [];
  let stderr = "";
  let buffer = "";
  child.stdout?.setEncoding("utf8");
  child.stdout?.on("data", (chunk: string) => {
    buffer += chunk;
    let end: number;
    while ((end = buffer.indexOf("\n")) >= 0) {
      const line = buffer.slice(0, end);
      buffer = buffer.slice(end + 1);
      stdoutLines.push(line);
      try {
        logs.push(JSON.parse(line) as Record<string, unknown>);
      } catch {
        logs.push({ text: line });
      }
    }
  });
  child.stderr?.setEncoding("utf8");
  child.stderr?.on("data", (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | string>((ok) => child.on("exit", (code, signal) => ok(code ?? signal ?? -1)));
  const listening = await eventually(() => {
    const line = logs.find((l) => l.msg === "SCIM server listening");
    if (line && typeof line.url === "string") return line.url;
    // An exited process will never listen: stop waiting.
    if (child.exitCode !== null) return null;
    throw new Error("not listening yet");
  }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 50 }).catch(() => null);
  if (listening === null) {
    child.kill("SIGKILL");
    throw new Error(`server did not start (exit ${String(child.exitCode)}):\n${stderr}\n${JSON.stringify(logs.slice(-5))}`);
  }
  return {
    child,
    base: new URL(listening).origin,
    logs,
    stdoutLines,
    stderr: () => stderr,
    exited,
    stop: async (signal = "SIGTERM") => {
      child.kill(signal);
      return exited;
    },
  };
}

/**
 * Per test of the enclosing `describe`: a temporary directory for the database (`tmp`), and the
 * server processes the test starts, stopped after it before the directory goes.
 */
export function serverProcessesPerTest(): { readonly tmp: TempSqlite; start: typeof startServerProcess } {
  const started: ServerProcess[] = [];
  const tmp = tempSqlitePerTest(async () => {
    await Promise.all(started.splice(0).map((server) => server.stop()));
  });
  return {
    tmp,
    start: async (env, options) => {
      const server = await startServerProcess(env, options);
      started.push(server);
      return server;
    },
  };
}
