import { writeFile } from "node:fs/promises";
import { type Socket, connect as tcpConnect } from "node:net";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { selfSignedCertificate } from "../support/certificates";
import { eventually } from "../support/eventually";
import { type ServerProcess, startServerProcess } from "../support/server-process";
import { openStream } from "../support/sse";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

/**
 * What one client may hold of the real process's sockets, over plain HTTP and over TLS: a client
 * that never finishes its headers or its body is disconnected, an idle keep-alive connection is
 * closed, connections past the cap are closed as they arrive while open ones keep working, and an
 * event stream outlives every one of these timeouts.
 */
const SCIM_TOKEN = "connections-scim-token-0123456789";
const API_TOKEN = "connections-api-token-0123456789";

/** A raw client socket: what it received, and when the server closed it. */
interface RawClient {
  readonly socket: Socket;
  readonly openedAt: number;
  received(): string;
  /** Resolves with the milliseconds from connecting to the server closing the socket, or null past `withinMs`. */
  closed(withinMs: number): Promise<number | null>;
  /** Sends one request and resolves with its status once the whole answer is in. */
  request(path: string, headers?: Record<string, string>): Promise<number>;
}

function rawClient(socket: Socket, openedAt: number): RawClient {
  let text = "";
  let closedAt: number | null = null;
  const closeWaiters: Array<() => void> = [];
  socket.setEncoding("utf8");
  socket.on("data", (chunk: string) => (text += chunk));
  socket.on("error", () => undefined);
  socket.on("close", () => {
    closedAt = Date.now();
    closeWaiters.splice(0).forEach((w) => w());
  });
  return {
    socket,
    openedAt,
    received: () => text,
    closed: (withinMs) =>
      new Promise((ok) => {
        if (closedAt !== null) return ok(closedAt - openedAt);
        const timer = setTimeout(() => ok(null), withinMs);
        closeWaiters.push(() => {
          clearTimeout(timer);
          ok((closedAt ?? Date.now()) - openedAt);
        });
      }),
    request: async (path, headers = {}) => {
      const start = text.length;
      const lines = [`GET ${path} HTTP/1.1`, "Host: 127.0.0.1", "Connection: keep-alive", ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)];
      socket.write(`${lines.join("\r\n")}\r\n\r\n`);
      const status = await eventually(() => {
        const answer = text.slice(start);
        const head = answer.indexOf("\r\n\r\n");
        const length = Number(/\r\ncontent-length: *(\d+)/i.exec(answer.slice(0, head))?.[1] ?? "0");
        if (head >= 0 && answer.length >= head + 4 + length) return Number(answer.slice(9, 12));
        // A closed socket will answer no more: stop waiting.
        if (closedAt !== null) return null;
        throw new Error(`no complete answer to ${path} within 5 s: ${JSON.stringify(answer)}`);
      }, { timeoutMs: 5000 });
      if (status === null) throw new Error(`the server closed the connection without a complete answer to ${path}: ${JSON.stringify(text.slice(start))}`);
      return status;
    },
  };
}

function plain(base: string): Promise<RawClient> {
  const { port } = new URL(base);
  return new Promise((ok, fail) => {
    const socket = tcpConnect(Number(port), "127.0.0.1", () => ok(rawClient(socket, Date.now())));
    socket.once("error", fail);
  });
}

function secure(base: string, ca: string): Promise<RawClient> {
  const { port } = new URL(base);
  return new Promise((ok, fail) => {
    const socket = tlsConnect({ port: Number(port), host: "127.0.0.1", ca }, () => ok(rawClient(socket, Date.now())));
    socket.once("error", fail);
  });
}

/** Opens `count` connections that each answered a request and now idle on keep-alive. */
async function idleKeepAlive(open: () => Promise<RawClient>, count: number): Promise<RawClient[]> {
  const clients: RawClient[] = [];
  for (let i = 0; i < count; i++) {
    const client = await open();
    expect(await client.request("/healthz")).toBe(200);
    clients.push(client);
  }
  return clients;
}

describe("connections one client may hold", () => {
  let tmp: TempSqlite;
  let server: ServerProcess | null = null;
  const clients: RawClient[] = [];
  beforeEach(async () => {
    tmp = await tempSqlite();
  });
  afterEach(async () => {
    clients.splice(0).forEach((c) => c.socket.destroy());
    if (server && server.child.exitCode === null) await server.stop();
    server = null;
    await tmp.remove();
  });

  const start = async (env: Record<string, string>): Promise<ServerProcess> => {
    server = await startServerProcess({ DATABASE_URL: tmp.url, SCIM_TOKEN, API_TOKEN, ...env });
    return server;
  };
  const track = <T extends RawClient | RawClient[]>(c: T): T => {
    clients.push(...(Array.isArray(c) ? c : [c]));
    return c;
  };

  describe("over plain HTTP", () => {
    it("disconnects a client that sends nothing, or trickles its headers, after HTTP_HEADERS_TIMEOUT_MS; one whose body trickles after HTTP_REQUEST_TIMEOUT_MS; an idle keep-alive one after HTTP_KEEPALIVE_TIMEOUT_MS", async () => {
      const { base } = await start({ HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_REQUEST_TIMEOUT_MS: "2500", HTTP_KEEPALIVE_TIMEOUT_MS: "1500" });
      const silent = track(await plain(base));
      const trickling = track(await plain(base));
      trickling.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const drip = setInterval(() => trickling.socket.write("X-Slow: 1\r\n"), 200);
      const slowBody = track(await plain(base));
      slowBody.socket.write(`POST /scim/v2/Users HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer ${SCIM_TOKEN}\r\nContent-Type: application/scim+json\r\nContent-Length: 1000\r\n\r\n{`);
      const bodyDrip = setInterval(() => slowBody.socket.write(" "), 200);
      const idle = track(await plain(base));
      expect(await idle.request("/healthz")).toBe(200);
      const idleSince = Date.now();
      try {
        const [silentAfter, tricklingAfter, slowBodyAfter, idleAfter] = await Promise.all([silent.closed(5000), trickling.closed(5000), slowBody.closed(6000), idle.closed(5000)]);
        // Each is closed once its timeout has passed, within the second Node takes to look.
        expect(silentAfter).toBeGreaterThanOrEqual(900);
        expect(silentAfter).toBeLessThan(2500);
        expect(tricklingAfter).toBeGreaterThanOrEqual(900);
        expect(tricklingAfter).toBeLessThan(2500);
        expect(trickling.received()).toMatch(/^HTTP\/1\.1 408 /);
        expect(slowBodyAfter).toBeGreaterThanOrEqual(2400);
        expect(slowBodyAfter).toBeLessThan(4500);
        expect(slowBody.received()).toMatch(/^HTTP\/1\.1 408 /);
        expect(idleAfter).not.toBeNull();
        expect((idle.openedAt + (idleAfter ?? 0)) - idleSince).toBeGreaterThanOrEqual(1400);
        expect((idle.openedAt + (idleAfter ?? 0)) - idleSince).toBeLessThan(3500);
      } finally {
        clearInterval(drip);
        clearInterval(bodyDrip);
      }
    }, 60_000);

    it("keeps an event stream open past the header and request timeouts", async () => {
      const { base } = await start({ HTTP_HEADERS_TIMEOUT_MS: "500", HTTP_REQUEST_TIMEOUT_MS: "1000", HTTP_KEEPALIVE_TIMEOUT_MS: "1000", SSE_HEARTBEAT_MS: "1000" });
      const stream = await openStream(base, API_TOKEN);
      expect(stream.status).toBe(200);
      // Three heartbeats, a second apart, arrive on a stream that has been open past both timeouts.
      await eventually(() => expect(stream.keepAlives).toBeGreaterThanOrEqual(1 + 3), { timeoutMs: 15_000 });
      expect(stream.ended).toBe(false);
      stream.close();
    }, 60_000);

    it("closes connections past HTTP_MAX_CONNECTIONS as they arrive, while open ones keep answering, and accepts again once one closes", async () => {
      const { base, logs } = await start({ HTTP_MAX_CONNECTIONS: "4", HTTP_KEEPALIVE_TIMEOUT_MS: "30000" });
      const open = track(await idleKeepAlive(() => plain(base), 4));
      const refused = track(await plain(base));
      expect(await refused.closed(2000)).not.toBeNull();
      expect(refused.received()).toBe("");
      expect(await open[0]?.request("/healthz")).toBe(200);
      await eventually(() => expect(logs).toContainEqual(expect.objectContaining({ level: 40, maxConnections: 4, msg: expect.stringMatching(/HTTP_MAX_CONNECTIONS reached/) as unknown })));

      open[1]?.socket.destroy();
      // The server counts the closed connection out as soon as it sees the close: a new one is then let in.
      await eventually(async () => {
        const next = track(await plain(base));
        expect(await next.request("/healthz")).toBe(200);
      });
    }, 60_000);
  });

  describe("over TLS", () => {
    it("disconnects a client that never completes the handshake or its headers after HTTP_HEADERS_TIMEOUT_MS, and caps connections as plain HTTP does", async () => {
      const cert = selfSignedCertificate();
      await writeFile(join(tmp.dir, "cert.pem"), cert.certPem);
      await writeFile(join(tmp.dir, "key.pem"), cert.keyPem);
      const { logs } = await start({
        TLS_CERT_FILE: join(tmp.dir, "cert.pem"), TLS_KEY_FILE: join(tmp.dir, "key.pem"),
        HTTP_HEADERS_TIMEOUT_MS: "1000", HTTP_KEEPALIVE_TIMEOUT_MS: "30000", HTTP_MAX_CONNECTIONS: "4",
      });
      const base = String(logs.find((l) => l.msg === "SCIM server listening")?.listening);
      expect(base).toMatch(/^https:/);

      const noHandshake = track(await plain(base));
      const slowHeaders = track(await secure(base, cert.certPem));
      slowHeaders.socket.write("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n");
      const [noHandshakeAfter, slowHeadersAfter] = await Promise.all([noHandshake.closed(5000), slowHeaders.closed(5000)]);
      expect(noHandshakeAfter).toBeGreaterThanOrEqual(900);
      expect(noHandshakeAfter).toBeLessThan(2500);
      expect(slowHeadersAfter).toBeGreaterThanOrEqual(900);
      expect(slowHeadersAfter).toBeLessThan(2500);

      const open = track(await idleKeepAlive(() => secure(base, cert.certPem), 4));
      const refused = track(await plain(base));
      expect(await refused.closed(2000)).not.toBeNull();
      expect(await open[0]?.request("/scim/v2/ServiceProviderConfig", { Authorization: `Bearer ${SCIM_TOKEN}` })).toBe(200);
    }, 60_000);
  });
});
