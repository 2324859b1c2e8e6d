/** The child side of the IPC channel every benchmarked process offers (ours, ceiling, naive peer). */
export type ParentMessage = { type: "stats" } | { type: "exit" };
export type ChildMessage =
  | { type: "ready"; port: number }
  | { type: "stats"; rss: number; cpuMicros: number };

export function attachStatsChannel(close: () => Promise<void>): void {
  process.on("message", (message: ParentMessage) => {
    if (message.type === "stats") {
      const cpu = process.cpuUsage();
      process.send?.({ type: "stats", rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system } satisfies ChildMessage);
    } else if (message.type === "exit") {
      close()
        .catch(() => undefined)
        .finally(() => process.exit(0));
    }
  });
  process.on("disconnect", () => process.exit(0));
}
