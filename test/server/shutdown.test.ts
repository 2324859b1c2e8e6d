import { readFileSync, readdirSync } from "node:fs";
import { CORE_USER } from "../support/harness";
import { type ServerProcess, startServerProcess } from "../support/server-process";
import { eventually } from "../support/eventually";
import { openStream } from "../support/sse";
import { tempSqlitePerTest } from "../support/temp-sqlite";

/**
 * Graceful shutdown of the real process, started as `npm start` starts it or through npm itself:
 * SIGTERM or SIGINT stops new connections, lets the request in flight finish, ends event streams
 * with a reconnection hint, and exits 0, leaving no process behind.
 */
const SCIM_TOKEN = "shutdown-test-scim-token-0123456789";
const API_TOKEN = "shutdown-test-api-token-0123456789";

function bulkOfUsers(count: number): Record<string, unknown> {
  return {
    schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
    Operations: Array.from({ length: count }, (_, i) => ({
      method: "POST",
      path: "/Users",
      bulkId: `u${i}`,
      data: { schemas: [CORE_USER], userName: `bulk${i}@example.com`, active: true },
    })),
  };
}

/** Processes started with this test's marker in their environment (npm's and node's alike): none may be left. */
function leftovers(folder: string): string[] {
  return readdirSync("/proc").filter((pid) => {
    if (!/^\d+$/.test(pid)) return false;
    try {
      return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0").includes(`EXTRA_MARK=${folder}`);
    } catch {
      return false;
    }
  });
}

describe("graceful shutdown of the server process", () => {
  let server: ServerProcess | null = null;
  const tmp = tempSqlitePerTest(async () => {
    if (server && server.child.exitCode === null) server.child.kill("SIGKILL");
    server = null;
  });

  it.each([
    ["node", "SIGTERM"],
    ["npm", "SIGTERM"],
    ["npm", "SIGINT"],
  ] as const)("started by %s, on %s finishes the request in flight, ends streams with a retry hint and exits 0", async (command, signal) => {
    server = await startServerProcess({ DATABASE_URL: tmp.url, SCIM_TOKEN, API_TOKEN, SHUTDOWN_GRACE_MS: "20000", EXTRA_MARK: tmp.dir }, { command });
    const { base } = server;
    expect(leftovers(tmp.dir).length).toBeGreaterThan(0);
    const stream = await openStream(base, API_TOKEN);
    expect(stream.status).toBe(200);

    // A Bulk of 300 creations takes a while: the signal arrives while it runs.
    const inFlight = fetch(`${base}/scim/v2/Bulk`, {
      method: "POST",
      headers: { Authorization: `Bearer ${SCIM_TOKEN}`, "Content-Type": "application/scim+json" },
      body: JSON.stringify(bulkOfUsers(300)),
    });
    // The Bulk commits one creation at a time: the first one seen means it is running.
    await eventually(async () => {
      const users = await fetch(`${base}/scim/v2/Users?count=0`, { headers: { Authorization: `Bearer ${SCIM_TOKEN}` } });
      expect(((await users.json()) as { totalResults: number }).totalResults).toBeGreaterThan(0);
    }, { intervalMs: 5 });
    const exited = server.stop(signal);

    const res = await inFlight;
    expect(res.status).toBe(200);
    const body = (await res.json()) as { Operations: { status: string }[] };
    expect(body.Operations.filter((o) => o.status === "201").length).toBe(300);
    expect(await exited).toBe(0);
    expect(stream.ended).toBe(true);
    expect(stream.retry).toBeGreaterThan(0);
    await expect(fetch(`${base}/healthz`)).rejects.toThrow();
    expect(server.logs.map((l) => l.msg)).toEqual(expect.arrayContaining(["shutting down: finishing requests in flight", "stopped"]));
    expect(leftovers(tmp.dir)).toEqual([]);
  });
});
