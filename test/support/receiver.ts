import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

/**
 * A webhook receiver on 127.0.0.1 that verifies every request's Standard Webhooks signature and
 * answers with the status `respond` picks (200 by default), optionally after a delay.
 */
export interface Received {
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly verified: boolean;
}

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Decides each answer: a status, or a delay then a status. */
  respond: (message: Received, attempt: number) => number | { delayMs: number; status: number };
  setSecret(secret: string): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

export async function startReceiver(): Promise<Receiver> {
  let secret: string | null = null;
  const attempts = new Map<string, number>();
  const received: Received[] = [];
  const receiver: Receiver = {
    url: "",
    received,
    respond: () => 200,
    setSecret: (s) => (secret = s),
    waitFor: async (count, timeoutMs = 10_000) => {
      const deadline = Date.now() + timeoutMs;
      while (received.filter((r) => r.verified).length < count) {
        if (Date.now() > deadline) throw new Error(`received ${received.length} of ${count} webhooks within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 20));
      }
      return received.filter((r) => r.verified);
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    let body = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => (body += chunk));
    req.on("end", () => {
      let verified = false;
      let parsed: { type?: unknown; data?: unknown } = {};
      try {
        parsed = (secret ? new Webhook(secret).verify(body, req.headers as Record<string, string>) : JSON.parse(body)) as { type?: unknown; data?: unknown };
        verified = secret !== null;
      } catch {
        verified = false;
      }
      const message: Received = {
        id: String(req.headers["webhook-id"] ?? ""),
        type: String(parsed.type ?? ""),
        data: typeof parsed.data === "object" && parsed.data !== null ? (parsed.data as Record<string, unknown>) : {},
        verified,
      };
      const attempt = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, attempt);
      const answer = receiver.respond(message, attempt);
      const { delayMs, status } = typeof answer === "number" ? { delayMs: 0, status: answer } : answer;
      setTimeout(() => {
        if (status >= 200 && status < 300) received.push(message);
        if (!res.destroyed) res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  Object.assign(receiver, { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks` });
  return receiver;
}
