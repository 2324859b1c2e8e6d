/** Starting the benchmarked processes (ours, the ceiling, the naive peer) and talking to them over IPC. */
import { type ChildProcess, fork } from "node:child_process";
import { once } from "node:events";
import { resolve } from "node:path";
import type { ChildMessage } from "./child";
import type { Profile } from "./layers";

export interface Proc {
  readonly name: string;
  readonly base: string;
  readonly pid: number;
  /** RSS, the process's CPU time (all threads) and its main thread's alone (null where /proc is not). */
  stats(): Promise<{ rss: number; cpuMicros: number; mainThreadCpuMicros: number | null }>;
  /** Starts a CPU profile of the process's main thread (node:inspector); `stop` hands it back (null if it failed). */
  profile(): Promise<{ stop(): Promise<Profile | null> }>;
  stop(): Promise<void>;
}

const BENCH = resolve(__dirname, "..");

export async function startProc(name: string, script: string, options: { env?: Record<string, string>; cpuProfDir?: string; maxOldSpaceMb?: number } = {}): Promise<Proc> {
  const file = resolve(BENCH, script);
  const execArgv = [
    ...(file.endsWith(".ts") ? ["--import", "tsx"] : []),
    ...(options.cpuProfDir ? ["--cpu-prof", `--cpu-prof-dir=${options.cpuProfDir}`] : []),
    ...(options.maxOldSpaceMb ? [`--max-old-space-size=${options.maxOldSpaceMb}`] : []),
  ];
  const child: ChildProcess = fork(file, [], { execArgv, env: { ...process.env, ...options.env }, stdio: ["ignore", "inherit", "inherit", "ipc"] });
  const port = await new Promise<number>((resolvePort, reject) => {
    const onExit = (code: number | null) => reject(new Error(`${name} exited with ${code} before it was ready`));
    child.once("exit", onExit);
    child.on("message", (m: ChildMessage) => {
      if (m.type === "ready") {
        child.off("exit", onExit);
        resolvePort(m.port);
      }
    });
  });
  const pid = child.pid ?? -1;
  return {
    name,
    pid,
    base: `http://127.0.0.1:${port}`,
    stats: () =>
      new Promise((resolveStats) => {
        const onMessage = (m: ChildMessage) => {
          if (m.type !== "stats") return;
          child.off("message", onMessage);
          resolveStats({ rss: m.rss, cpuMicros: m.cpuMicros, mainThreadCpuMicros: m.mainThreadCpuMicros });
        };
        child.on("message", onMessage);
        child.send({ type: "stats" });
      }),
    profile: async () => {
      await ask(child, { type: "profile-start" }, "profile-started");
      return { stop: async () => (await ask(child, { type: "profile-stop" }, "profile")).profile };
    },
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = once(child, "exit");
      child.send({ type: "exit" });
      const timer = setTimeout(() => child.kill("SIGKILL"), 20000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Sends a message and waits for the child's answer of the given type. */
function ask<T extends ChildMessage["type"]>(child: ChildProcess, message: { type: string }, answer: T): Promise<Extract<ChildMessage, { type: T }>> {
  return new Promise((resolveAnswer) => {
    const onMessage = (m: ChildMessage) => {
      if (m.type !== answer) return;
      child.off("message", onMessage);
      resolveAnswer(m as Extract<ChildMessage, { type: T }>);
    };
    child.on("message", onMessage);
    child.send(message);
  });
}
