/**
 * The server under test, in its own process so that the load generator's CPU is accounted
 * separately. Built exactly as test/support/harness.ts assembles an app, on a database the parent
 * already migrated and seeded. Talks to the parent over IPC: "ready" with the port; answers
 * "stats" with RSS and CPU; exits cleanly on "exit" (so `--cpu-prof` writes its profile). With
 * BENCH_ANALYTICS=1 it counts usage (server/analytics.ts) as a deployed server does. It logs a line
 * per request at info, as main.ts does by default, into /dev/null (pino's synchronous writes, as to
 * stdout): a silent logger would leave the request log's cost out of every figure.
 */
import type { AddressInfo } from "node:net";
import pino from "pino";
import { watchChanges } from "../db/change-feed";
import { openDatabase } from "../db/connection";
import { Analytics } from "../server/analytics";
import { createApp } from "../server/app";
import { createSync } from "../server/bootstrap";
import { EventHub } from "../server/events";
import { createLogger, silentLogger } from "../server/logger";
import { attachStatsChannel } from "./lib/child";
import { DEFAULT_LIMITS } from "../server/config";

async function main(): Promise<void> {
  const url = process.env.BENCH_DATABASE_URL;
  if (!url) throw new Error("BENCH_DATABASE_URL is required");
  const db = openDatabase(url, process.env.BENCH_PG_SCHEMA ? { pgSchema: process.env.BENCH_PG_SCHEMA } : {});
  const { sync, signal } = createSync();
  const events = new EventHub(db, signal, silentLogger());
  const limits = DEFAULT_LIMITS;
  const changes = watchChanges(db);
  // BENCH_ANALYTICS=1: usage counting on, as main.ts runs it (flushed every 10 s).
  const analytics = process.env.BENCH_ANALYTICS === "1" ? new Analytics(db, createLogger("warn", process.stderr)) : null;
  analytics?.start();
  const logger = createLogger(process.env.BENCH_LOG_LEVEL ?? "info", pino.destination({ dest: "/dev/null", sync: true }));
  const app = createApp({ db, config: { limits }, logger, sync, events, changes, ...(analytics ? { analytics } : {}) });
  const server = app.listen(0, "127.0.0.1", () => {
    attachStatsChannel(async () => {
      server.close();
      server.closeAllConnections();
      events.close();
      await analytics?.close();
      await changes.close();
      await db.close();
    });
    process.send?.({ type: "ready", port: (server.address() as AddressInfo).port });
  });
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
