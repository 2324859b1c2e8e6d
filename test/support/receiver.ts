import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";
import { until } from "./eventually";

/**
 * A webhook receiver on 127.0.0.1 that verifies every request's Standard Webhooks signature and
 * answers with the status `respond` picks (200 by default), optionally after a delay, or never.
 */
export interface Received {
  readonly id: string;
  readonly type: string;
  readonly data: Record<string, unknown>;
  readonly verified: boolean;
  /** The request's Host header. */
  readonly host: string;
}

/** A status; a delay then a status; or "hang": take the request and never answer. */
export type Answer = number | { delayMs: number; status: number } | "hang";

export interface Receiver {
  readonly url: string;
  readonly received: Received[];
  /** Every request that reached it, answered well or not. */
  readonly requests: number;
  /** The most requests it held unanswered at once. */
  readonly mostAtOnce: number;
  /** Decides each answer. */
  respond: (message: Received, attempt: number) => Answer;
  setSecret(secret: string): void;
  waitFor(count: number, timeoutMs?: number): Promise<Received[]>;
  close(): Promise<void>;
}

/** `host`: the loopback address to listen on (127.0.0.1 unless a test needs another). */
export async function startReceiver(options: { host?: string } = {}): Promise<Receiver> {
  const host = options.host ?? "127.0.0.1";
  let secret: string | null = null;
  const attempts = new Map<string, number>();
  const received: Received[] = [];
  let requests = 0;
  let open = 0;
  let mostAtOnce = 0;
  const receiver: Receiver = {
    url: "",
    received,
    get requests() {
      return requests;
    },
    get mostAtOnce() {
      return mostAtOnce;
    },
    respond: () => 200,
    setSecret: (s) => (secret = s),
    waitFor: (count, timeoutMs = 10_000) =>
      until(() => received.filter((r) => r.verified), (verified) => verified.length >= count, `${count} verified webhooks received`, { timeoutMs, intervalMs: 20 }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
  const server = http.createServer((req, res) => {
    requests += 1;
    open += 1;
    mostAtOnce = Math.max(mostAtOnce, open);
    res.on("close", () => (open -= 1));
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
        host: String(req.headers.host ?? ""),
      };
      const attempt = (attempts.get(message.id) ?? 0) + 1;
      attempts.set(message.id, attempt);
      const answer = receiver.respond(message, attempt);
      if (answer === "hang") return;
      const { delayMs, status } = typeof answer === "number" ? { delayMs: 0, status: answer } : answer;
      setTimeout(() => {
        if (status >= 200 && status < 300) received.push(message);
        if (!res.destroyed) res.writeHead(status).end();
      }, delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  Object.assign(receiver, { url: `http://${host}:${(server.address() as AddressInfo).port}/hooks` });
  return receiver;
}
