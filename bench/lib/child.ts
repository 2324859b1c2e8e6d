/** The child side of the IPC channel every benchmarked process offers (ours, ceiling, naive peer). */
import { readFileSync } from "node:fs";
import { Session } from "node:inspector";
import type { Profile } from "./layers";

export type ParentMessage = { type: "stats" } | { type: "exit" } | { type: "profile-start" } | { type: "profile-stop" };
export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "stats"; rss: number; cpuMicros: number; mainThreadCpuMicros: number | null }
  | { type: "profile-started" }
  | { type: "profile"; profile: Profile | null };

/** Linux's clock ticks per second (`getconf CLK_TCK`), the unit of /proc's CPU times. */
const TICKS_PER_SECOND = 100;

/**
 * The main thread's CPU time alone (Linux: /proc/self/task/<pid>/stat, utime + stime, 10 ms
 * resolution); null elsewhere. The rest of the process's time is its other threads': the SQLite
 * thread, V8's GC helpers, libuv's pool.
 */
function mainThreadCpuMicros(): number | null {
  try {
    const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may hold spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? (ticks * 1e6) / TICKS_PER_SECOND : null;
  } catch {
    return null;
  }
}

/** Sampling interval of the profiles taken on request: fine enough for a 1 % layer in a 2 s run. */
const SAMPLING_MICROS = 250;

export function attachStatsChannel(close: () => Promise<void>): void {
  let session: Session | null = null;
  const post = (method: string, params: object = {}) =>
    new Promise<unknown>((resolve, reject) => session?.post(method, params, (err, result) => (err ? reject(err) : resolve(result))) ?? resolve(null));
  process.on("message", (message: ParentMessage) => {
    switch (message.type) {
      case "stats": {
        // process.cpuUsage() is the whole process's, worker threads (the SQLite thread) included.
        const cpu = process.cpuUsage();
        process.send?.({ type: "stats", rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system, mainThreadCpuMicros: mainThreadCpuMicros() } satisfies ChildMessage);
        return;
      }
      case "profile-start":
        session = new Session();
        session.connect();
        post("Profiler.enable")
          .then(() => post("Profiler.setSamplingInterval", { interval: SAMPLING_MICROS }))
          .then(() => post("Profiler.start"))
          .then(() => process.send?.({ type: "profile-started" } satisfies ChildMessage))
          .catch(() => process.send?.({ type: "profile-started" } satisfies ChildMessage));
        return;
      case "profile-stop":
        post("Profiler.stop")
          .then((result) => {
            const profile = typeof result === "object" && result !== null && "profile" in result ? (result.profile as Profile) : null;
            session?.disconnect();
            session = null;
            process.send?.({ type: "profile", profile } satisfies ChildMessage);
          })
          .catch(() => process.send?.({ type: "profile", profile: null } satisfies ChildMessage));
        return;
      case "exit":
        close()
          .catch(() => undefined)
          .finally(() => process.exit(0));
        return;
    }
  });
  process.on("disconnect", () => process.exit(0));
}
