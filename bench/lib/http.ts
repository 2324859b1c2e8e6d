/** A small keep-alive HTTP client for the sequential scenarios (PATCH timing, full sync, SSE). */
import http from "node:http";

export interface Reply {
  readonly status: number;
  readonly body: string;
  /** Milliseconds from sending the request to the end of the response. */
  readonly ms: number;
  readonly end: number;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });

export function send(base: string, method: string, path: string, options: { body?: unknown; headers?: Record<string, string> } = {}): Promise<Reply> {
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  const url = new URL(path, base);
  const start = performance.now();
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      {
        method,
        agent,
        headers: {
          ...(payload !== undefined ? { "content-type": "application/scim+json", "content-length": String(Buffer.byteLength(payload)) } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const end = performance.now();
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8"), ms: end - start, end });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

export function expectStatus(reply: Reply, expected: number, what: string): Reply {
  if (reply.status !== expected) throw new Error(`${what}: expected ${expected}, got ${reply.status} ${reply.body.slice(0, 300)}`);
  return reply;
}
