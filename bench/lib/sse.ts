/** A minimal Server-Sent Events reader that timestamps each `permissions.changed` event on arrival. */
import http from "node:http";

export interface SseClient {
  /** Resolves with the arrival time (performance.now()) of the next event about `memberId`. */
  waitFor(memberId: string, timeoutMs: number): Promise<number>;
  close(): void;
}

export function openEvents(base: string, apiToken: string): Promise<SseClient> {
  const arrived = new Map<string, number[]>();
  const waiting = new Map<string, (t: number) => void>();
  return new Promise((resolve, reject) => {
    const req = http.get(new URL("/api/v1/events", base), { headers: { Authorization: `Bearer ${apiToken}`, Accept: "text/event-stream" } }, (res) => {
      if (res.statusCode !== 200) {
        reject(new Error(`GET /api/v1/events: ${res.statusCode}`));
        return;
      }
      let buffer = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        const now = performance.now();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf("\n\n")) >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split("\n").find((l) => l.startsWith("data: "));
          if (!frame.includes("event: permissions.changed") || data === undefined) continue;
          const id = (JSON.parse(data.slice(6)) as { member: { id: string } }).member.id;
          const waiter = waiting.get(id);
          if (waiter) {
            waiting.delete(id);
            waiter(now);
          } else {
            arrived.set(id, [...(arrived.get(id) ?? []), now]);
          }
        }
      });
      resolve({
        waitFor: (memberId, timeoutMs) => {
          const early = arrived.get(memberId);
          if (early && early.length > 0) {
            const t = early.shift() ?? 0;
            if (early.length === 0) arrived.delete(memberId);
            return Promise.resolve(t);
          }
          return new Promise((ok, fail) => {
            const timer = setTimeout(() => {
              waiting.delete(memberId);
              fail(new Error(`no permissions.changed event for ${memberId} within ${timeoutMs} ms`));
            }, timeoutMs);
            waiting.set(memberId, (t) => {
              clearTimeout(timer);
              ok(t);
            });
          });
        },
        close: () => req.destroy(),
      });
    });
    req.on("error", reject);
  });
}
