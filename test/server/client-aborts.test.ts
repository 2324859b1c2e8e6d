import { connect } from "node:net";
import pino from "pino";
import { eventually } from "../support/eventually";
import { type Harness, startHarness, userBody } from "../support/harness";

const METRICS_TOKEN = "client-aborts-metrics-token-0123";

function captureLogs(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: "info" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
  return { logger, lines };
}

const PINO_ERROR = 50;
const PINO_INFO = 30;

/**
 * Opens a connection, sends the headers of a request announcing `announced` bytes and `sent` of
 * them, then closes the connection: a client that gave up (a timeout under load) or was killed.
 */
async function abortMidBody(base: string, path: string, token: string, requestId: string, sent: string, announced: number): Promise<void> {
  const { hostname, port } = new URL(base);
  await new Promise<void>((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        `POST ${path} HTTP/1.1\r\nHost: ${hostname}\r\nAuthorization: Bearer ${token}\r\nContent-Type: application/scim+json\r\n` +
          `Content-Length: ${announced}\r\nX-Request-Id: ${requestId}\r\n\r\n${sent}`,
        // Once the kernel has the bytes, closing sends them before the FIN: the server reads the
        // request and then the close, whatever the machine's load.
        () => socket.destroy(),
      );
    });
    socket.on("close", () => resolve());
    socket.on("error", reject);
  });
}

describe("clients that close the connection mid-request", () => {
  let h: Harness;
  let log: ReturnType<typeof captureLogs>;
  beforeEach(async () => {
    log = captureLogs();
    h = await startHarness({ app: { logger: log.logger, metricsToken: METRICS_TOKEN } });
  });
  afterEach(async () => h.close());

  it("are logged at info with clientAborted, never as 500 errors, and counted as 499 in /metrics", async () => {
    const base = await h.serve();
    const body = JSON.stringify(userBody("ada@example.com"));
    await abortMidBody(base, "/scim/v2/Users", h.token, "aborted-mid-body", body.slice(0, 20), body.length + 10_000);
    await abortMidBody(base, "/scim/v2/Users", h.token, "aborted-before-body", "", body.length);
    await abortMidBody(base, "/api/v1/authorize", h.apiToken, "aborted-api", "{", 500);

    const linesOf = (requestId: string) => log.lines.filter((l) => l.requestId === requestId || (typeof l.req === "object" && l.req !== null && (l.req as { id?: unknown }).id === requestId));
    for (const id of ["aborted-mid-body", "aborted-before-body", "aborted-api"]) {
      // The server logs an aborted request when it notices the close.
      await eventually(() => expect(linesOf(id).some((l) => l.req !== undefined)).toBe(true));
      const lines = linesOf(id);
      expect(lines.every((l) => typeof l.level === "number" && l.level <= PINO_INFO)).toBe(true);
      expect(lines.find((l) => l.req !== undefined)).toMatchObject({ clientAborted: true });
    }
    expect(log.lines.filter((l) => typeof l.level === "number" && l.level >= PINO_ERROR)).toEqual([]);

    const metrics = await (await fetch(`${base}/metrics`, { headers: { Authorization: `Bearer ${METRICS_TOKEN}` } })).text();
    const requestLines = metrics.split("\n").filter((line) => line.startsWith("scim_http_requests_total{"));
    expect(requestLines.filter((line) => /status="5\d\d"/.test(line))).toEqual([]);
    expect(requestLines.filter((line) => /method="POST",status="499"/.test(line))).not.toEqual([]);
    expect((await h.scim("get", "/Users")).body).toMatchObject({ totalResults: 0 });
  });
});
