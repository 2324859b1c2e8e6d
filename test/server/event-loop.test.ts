import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CORE_GROUP, CORE_USER, PATCH_OP } from "../support/harness";
import { type ServerProcess, startServerProcess } from "../support/server-process";

/**
 * One process serves every organisation, so no request may hold its event loop: each hostile
 * request below is sent to the real server process while another client asks `/healthz` every
 * 20 ms. No health check may wait more than 200 ms, and the hostile request is answered with a
 * 4xx within 2 s.
 */
const SCIM_TOKEN = "event-loop-test-scim-token-0123456789";
const POLL_EVERY_MS = 20;
const MAX_POLL_WAIT_MS = 200;
const MAX_ANSWER_MS = 2000;

interface UnderPolling {
  readonly status: number;
  readonly answeredInMs: number;
  readonly worstPollMs: number;
  readonly polls: number;
}

/** Sends `hostile` while polling `base`/healthz, and reports the slowest poll and the hostile answer. */
async function underPolling(base: string, hostile: () => Promise<Response>): Promise<UnderPolling> {
  let done = false;
  let worstPollMs = 0;
  let polls = 0;
  const poller = (async () => {
    while (!done) {
      const started = performance.now();
      const res = await fetch(`${base}/healthz`);
      await res.arrayBuffer();
      worstPollMs = Math.max(worstPollMs, performance.now() - started);
      polls += 1;
      await new Promise((r) => setTimeout(r, POLL_EVERY_MS));
    }
  })();
  // Let the poller take its first measurement before the hostile request starts.
  await new Promise((r) => setTimeout(r, 3 * POLL_EVERY_MS));
  const started = performance.now();
  const res = await hostile();
  await res.arrayBuffer();
  const answeredInMs = performance.now() - started;
  // A few more polls, so a stall that began with the answer is seen too.
  await new Promise((r) => setTimeout(r, 5 * POLL_EVERY_MS));
  done = true;
  await poller;
  return { status: res.status, answeredInMs, worstPollMs, polls };
}

function expectLoopKeptFree(result: UnderPolling, status: number): void {
  expect(result.status).toBe(status);
  expect(result.answeredInMs).toBeLessThan(MAX_ANSWER_MS);
  expect(result.worstPollMs).toBeLessThan(MAX_POLL_WAIT_MS);
  expect(result.polls).toBeGreaterThan(2);
}

const headers = { Authorization: `Bearer ${SCIM_TOKEN}`, "Content-Type": "application/scim+json" };

describe("the event loop while a SCIM client sends hostile requests", () => {
  let dir: string;
  let server: ServerProcess;
  let groupId: string;
  let userId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-event-loop-"));
    server = await startServerProcess({ DATABASE_URL: `sqlite:${join(dir, "scim.sqlite")}`, SCIM_TOKEN });
    const group = await fetch(`${server.base}/scim/v2/Groups`, { method: "POST", headers, body: JSON.stringify({ schemas: [CORE_GROUP], displayName: "Everyone" }) });
    groupId = ((await group.json()) as { id: string }).id;
    const user = await fetch(`${server.base}/scim/v2/Users`, { method: "POST", headers, body: JSON.stringify({ schemas: [CORE_USER], userName: "ada@example.com" }) });
    userId = ((await user.json()) as { id: string }).id;
  }, 60_000);

  afterAll(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const send = (method: string, path: string, body?: unknown) => () =>
    fetch(`${server.base}/scim/v2${path}`, { method, headers, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });

  it("answers 200,000 '[' in a search body's attributes with 400 invalidValue at once", async () => {
    const result = await underPolling(server.base, send("POST", "/Users/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], attributes: "[".repeat(200_000), count: 1 }));
    expectLoopKeptFree(result, 400);
  });

  // Node refuses request heads over 16 KB (431), so a query string carries at most about 5,000.
  it("answers 200,000 '[' in a search body's excludedAttributes, and 5,000 in the query string, with 400", async () => {
    for (const hostile of [
      send("POST", "/Groups/.search", { schemas: ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"], excludedAttributes: "[".repeat(200_000) }),
      send("GET", `/Users?attributes=${"%5B".repeat(5_000)}`),
      send("GET", `/Users/${userId}?excludedAttributes=${"%5B".repeat(5_000)}`),
    ]) {
      const result = await underPolling(server.base, hostile);
      expectLoopKeptFree(result, 400);
    }
  });

  it("refuses a Group PATCH of 10,000 one-member add operations, as Entra shapes them, with 413", async () => {
    const operations = Array.from({ length: 10_000 }, (_, i) => ({ op: "add", path: "members", value: [{ value: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`, $ref: null }] }));
    const result = await underPolling(server.base, send("PATCH", `/Groups/${groupId}`, { schemas: [PATCH_OP], Operations: operations }));
    expectLoopKeptFree(result, 413);
  });

  it("refuses a User PATCH of 8,000 'add emails' and of 10,000 filtered email upserts with 413", async () => {
    const adds = Array.from({ length: 8_000 }, (_, i) => ({ op: "add", path: "emails", value: [{ value: `e${i}@example.com`, type: "work" }] }));
    const upserts = Array.from({ length: 10_000 }, (_, i) => ({ op: "add", path: `emails[type eq "t${i}"].value`, value: `e${i}@example.com` }));
    for (const operations of [adds, upserts]) {
      const result = await underPolling(server.base, send("PATCH", `/Users/${userId}`, { schemas: [PATCH_OP], Operations: operations }));
      expectLoopKeptFree(result, 413);
    }
  });
});
