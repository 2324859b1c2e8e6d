/** The child side of the IPC channel every benchmarked process offers (ours, ceiling, naive peer). */
import { Session } from "node:inspector";
import type { Profile } from "./layers";

export type ParentMessage = { type: "stats" } | { type: "exit" } | { type: "profile-start" } | { type: "profile-stop" };
export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "stats"; rss: number; cpuMicros: number }
  | { type: "profile-started" }
  | { type: "profile"; profile: Profile | null };

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
        process.send?.({ type: "stats", rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system } satisfies ChildMessage);
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
