import http from "node:http";
import { eventually } from "./eventually";

/**
 * A Server-Sent Events client over a real socket: parses `id:`/`event:`/`data:`/`retry:` blocks
 * (WHATWG HTML §9.2.6), for the event stream tests on one server or across replicas.
 */
export interface SseEvent {
  id: string | null;
  event: string;
  data: unknown;
}

export interface Stream {
  readonly status: number;
  readonly contentType: string | undefined;
  /** The last `retry:` the server sent, if any. */
  readonly retry: number | null;
  /** Whether the server ended the stream. */
  readonly ended: boolean;
  /** How many comment blocks have arrived: the server's `: connected`, then a `: keep-alive` per heartbeat. */
  readonly keepAlives: number;
  /** The body when the server answered with an error instead of a stream. */
  readonly body: string;
  /** Resolves with the next event, or rejects after `timeoutMs`. */
  next(timeoutMs?: number): Promise<SseEvent>;
  /** Events received so far and not yet taken by `next`. */
  queued(): readonly SseEvent[];
  /** Stops reading from the socket (a subscriber that does not keep up). */
  pause(): void;
  /** Reads from the socket again. */
  resume(): void;
  /** Reads again, and resolves once the server has ended the stream. */
  drainToEnd(timeoutMs?: number): Promise<void>;
  close(): void;
}

/** `token`: a bearer token, or null to authenticate otherwise (`headers`: the console's cookie); `path`: another stream than /api/v1/events. */
export function openStream(base: string, token: string | null, options: { lastEventId?: string; query?: string; path?: string; headers?: Record<string, string> } = {}): Promise<Stream> {
  const url = new URL(`${options.path ?? "/api/v1/events"}${options.query ?? ""}`, base);
  const headers: Record<string, string> = { ...(token === null ? {} : { Authorization: `Bearer ${token}` }), Accept: "text/event-stream", ...options.headers };
  if (options.lastEventId !== undefined) headers["Last-Event-ID"] = options.lastEventId;
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers }, (res) => {
      const queue: SseEvent[] = [];
      const waiting: ((e: SseEvent) => void)[] = [];
      let buffer = "";
      let retry: number | null = null;
      let ended = false;
      let keepAlives = 0;
      let body = "";
      res.setEncoding("utf8");
      res.on("end", () => (ended = true));
      res.on("close", () => (ended = true));
      res.on("data", (chunk: string) => {
        if (res.statusCode !== 200) {
          body += chunk;
          return;
        }
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          let id: string | null = null;
          let event = "message";
          const data: string[] = [];
          if (block.startsWith(":")) keepAlives += 1;
          for (const line of block.split("\n")) {
            if (line.startsWith(":")) continue;
            const [field, ...rest] = line.split(":");
            const value = rest.join(":").replace(/^ /, "");
            if (field === "id") id = value;
            else if (field === "event") event = value;
            else if (field === "data") data.push(value);
            else if (field === "retry") retry = Number(value);
          }
          if (data.length === 0) continue;
          const parsed: SseEvent = { id, event, data: JSON.parse(data.join("\n")) as unknown };
          const waiter = waiting.shift();
          if (waiter) waiter(parsed);
          else queue.push(parsed);
        }
      });
      resolve({
        status: res.statusCode ?? 0,
        contentType: res.headers["content-type"],
        get retry() {
          return retry;
        },
        get ended() {
          return ended;
        },
        get keepAlives() {
          return keepAlives;
        },
        get body() {
          return body;
        },
        next: (timeoutMs = 3000) => {
          const queued = queue.shift();
          if (queued) return Promise.resolve(queued);
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => fail(new Error(`no event within ${timeoutMs} ms`)), timeoutMs);
            waiting.push((e) => {
              clearTimeout(timer);
              ok(e);
            });
          });
        },
        queued: () => [...queue],
        pause: () => res.pause(),
        resume: () => res.resume(),
        drainToEnd: async (timeoutMs = 5000) => {
          res.resume();
          await eventually(() => expect(ended).toBe(true), { timeoutMs });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}

/** Takes `count` events from the stream, failing if they do not all arrive within `timeoutMs`. */
export async function take(stream: Stream, count: number, timeoutMs = 10_000): Promise<SseEvent[]> {
  const deadline = Date.now() + timeoutMs;
  const out: SseEvent[] = [];
  while (out.length < count) out.push(await stream.next(Math.max(1, deadline - Date.now())));
  return out;
}

/**
 * Waits until the server counts the new subscriber (the stream's `: connected` comment arrives
 * before that), so an event written next is one it will be sent; gives up after `timeoutMs`.
 */
export async function untilSubscribed(subscribers: () => number, atLeast = 1, timeoutMs = 10_000): Promise<void> {
  await eventually(() => expect(subscribers()).toBeGreaterThanOrEqual(atLeast), { timeoutMs, intervalMs: 5 });
}
