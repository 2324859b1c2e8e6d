/**
 * Server-Sent Events from the outbox (`GET /api/v1/events`). Every event is a committed outbox row
 * and its SSE `id:` is the row's per-organisation id, so a consumer that reconnects with
 * `Last-Event-ID` resumes exactly after the last event it saw, on any replica: no loss, no
 * duplicate. An id this server can no longer serve (pruned past the retention, or unknown) gets an
 * explicit `reset` event: re-read the members you care about, then carry on from its id.
 *
 * One reader per organisation follows the outbox and hands each new row to the subscribers that
 * are live; a subscriber that resumes from further back reads its own way up to that reader first.
 * Wake-ups (this process's commits, NOTIFY, SQLite's data_version, a slow safety poll) only make
 * the reader look. Memory is bounded: what this process holds for a subscriber is the output
 * written to its response and not yet taken by the kernel (`res.writableLength`: the response's
 * and the socket's buffers), and a frame is written only if it fits within `maxBufferBytes`
 * (one frame larger than the bound goes alone into an empty buffer). A frame that does not fit is
 * not written: the subscriber leaves the live set and reads its own way on from the outbox once
 * its socket drains, in pages of `CATCH_UP_PAGE` events that are never kept across a wait, so a
 * paused subscriber holds no events in memory. One whose buffer stays full for `stallMs` is
 * disconnected (it resumes with Last-Event-ID), and an organisation has at most
 * `maxSubscribersPerOrg` streams on one replica. The kernel's socket buffers (a few MB on a
 * loopback connection) come on top and are not ours to bound.
 */
import type { Request, Response } from "express";
import type { Database } from "../db/connection";
import { type OutboxEvent, outboxPosition, readOutbox } from "../db/outbox";
import type { Logger } from "../http/logger";
import { ApiError } from "./api-errors";
import type { OutboxSignal } from "./signal";

export interface EventStreamLimits {
  /** Unsent bytes a subscriber may have waiting in this process; a frame that would pass them is not written (SSE_MAX_BUFFER_BYTES). */
  readonly maxBufferBytes: number;
  /** How long a full buffer may stay full before the subscriber is disconnected (SSE_STALL_MS). */
  readonly stallMs: number;
  /** Streams per organisation on one replica (SSE_MAX_SUBSCRIBERS_PER_ORG). */
  readonly maxSubscribersPerOrg: number;
  /** Comment lines that keep proxies from closing an idle stream. */
  readonly heartbeatMs: number;
  /** The reconnection delay suggested to clients (`retry:`), at connect and at shutdown. */
  readonly retryMs: number;
}

export const DEFAULT_STREAM_LIMITS: EventStreamLimits = { maxBufferBytes: 1_048_576, stallMs: 30_000, maxSubscribersPerOrg: 100, heartbeatMs: 15_000, retryMs: 2_000 };

const PAGE = 500;
/**
 * A subscriber reading its own way (a resume, or after its buffer filled) reads this many events
 * at a time: about 100 kB of permission changes, well under the smallest buffer bound, so little
 * is read that cannot be written.
 */
const CATCH_UP_PAGE = 100;

/** Looks at every followed organisation this often even without a wake-up (a lost notification). */
const SAFETY_POLL_MS = 5_000;

export type SubscribeResult = { readonly ok: true } | { readonly ok: false; readonly reason: "too_many_subscribers" | "closing" };

class Subscriber {
  /** Receives events as the feed reads them; otherwise it reads its own way up to the feed. */
  live = false;
  closed = false;
  /** The size of the frame that last did not fit. */
  private waitingFor = 0;
  /** Set while `drained` waits: called as each write reaches the socket. */
  private onFlushed: (() => void) | null = null;
  private readonly heartbeat: NodeJS.Timeout;

  constructor(
    readonly res: Response,
    public cursor: number,
    private readonly limits: EventStreamLimits,
    private readonly onClose: (subscriber: Subscriber, why: string | null) => void,
  ) {
    this.heartbeat = setInterval(() => this.comment(": keep-alive\n\n"), limits.heartbeatMs);
    this.heartbeat.unref();
  }

  /**
   * Writes the event unless already sent; false, writing nothing, when its frame does not fit in the
   * buffer (stop writing, wait for `drained`, then read on from the cursor).
   */
  deliver(event: OutboxEvent): boolean {
    if (this.closed) return false;
    if (event.id <= this.cursor) return true;
    const frame = `id: ${event.id}\nevent: ${event.type}\ndata: ${JSON.stringify(withRevision(event.payload, event.id))}\n\n`;
    if (!this.fits(frame)) {
      this.waitingFor = Buffer.byteLength(frame);
      return false;
    }
    this.cursor = event.id;
    this.send(frame);
    return true;
  }

  /** Bytes written to this subscriber's response that the kernel has not taken yet. */
  bufferedBytes(): number {
    return this.res.writableLength;
  }

  private fits(frame: string): boolean {
    const buffered = this.bufferedBytes();
    return buffered === 0 || buffered + Buffer.byteLength(frame) <= this.limits.maxBufferBytes;
  }

  /** A comment: written if it fits, dropped otherwise (a heartbeat is not needed while data waits). */
  private comment(frame: string): void {
    if (!this.closed && this.fits(frame)) this.send(frame);
  }

  /** A control frame sent once at the start (`reset`), whatever the buffer holds. */
  write(frame: string): void {
    if (!this.closed) this.send(frame);
  }

  /** Every write tells a waiting `drained` when the socket has taken it, so the wait needs no timer. */
  private send(frame: string): void {
    this.res.write(frame, () => this.onFlushed?.());
  }

  /**
   * Resolves once the buffer has room again: the frame that did not fit fits in half of it (so a
   * slow reader is written to in batches, not a frame at a time), or the buffer is empty. A
   * subscriber whose buffer stays that full for `stallMs` has stopped reading: it is
   * disconnected, and resumes later with Last-Event-ID.
   */
  drained(): Promise<boolean> {
    const roomy = () => {
      const buffered = this.bufferedBytes();
      return buffered === 0 || buffered + this.waitingFor <= this.limits.maxBufferBytes / 2;
    };
    if (this.closed || roomy()) return Promise.resolve(!this.closed);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.onFlushed = null;
        this.res.off("close", onGone);
        resolve(ok && !this.closed);
      };
      const onGone = () => done(false);
      // A buffer that is not empty has a write still to reach the socket, whose callback looks.
      this.onFlushed = () => {
        if (roomy()) done(true);
      };
      const timer = setTimeout(() => {
        this.close("fell behind: its buffer stayed full");
        done(false);
      }, this.limits.stallMs);
      this.res.on("close", onGone);
    });
  }

  /** Ends the stream; `why` is logged (null: the client left). */
  close(why: string | null, finalFrame?: string): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.heartbeat);
    if (finalFrame !== undefined) this.res.end(finalFrame);
    else if (why !== null) this.res.destroy();
    this.onClose(this, why);
  }
}

class OrgFeed {
  readonly subscribers = new Set<Subscriber>();
  /** The last id this feed has read and handed to its live subscribers. */
  head: number;
  private reading = false;
  private again = false;

  constructor(
    private readonly db: Database,
    readonly orgId: string,
    startAt: number,
    private readonly log: Logger,
  ) {
    this.head = startAt;
  }

  /** Reads what is new and hands it to the live subscribers; overlapping calls coalesce. */
  async refresh(): Promise<void> {
    if (this.reading) {
      this.again = true;
      return;
    }
    this.reading = true;
    try {
      do {
        this.again = false;
        let page: OutboxEvent[];
        do {
          page = await readOutbox(this.db.knex, this.orgId, this.head, PAGE);
          for (const event of page) {
            this.head = event.id;
            for (const s of this.subscribers) {
              // A subscriber that cannot take more leaves the live set and catches up from the
              // outbox once its socket drained: what waits for it stays in the database.
              if (s.live && !s.deliver(event)) {
                s.live = false;
                void this.resumeWhenDrained(s);
              }
            }
          }
        } while (page.length === PAGE);
      } while (this.again);
    } catch (err) {
      this.log.warn({ err, orgId: this.orgId }, "event stream could not read the outbox; retrying at the next wake-up");
    } finally {
      this.reading = false;
    }
  }

  private async resumeWhenDrained(subscriber: Subscriber): Promise<void> {
    try {
      if (await subscriber.drained()) await this.catchUp(subscriber);
    } catch (err) {
      this.log.warn({ err, orgId: this.orgId }, "event stream could not catch up; the client will reconnect");
      subscriber.close("could not read the outbox");
    }
  }

  /**
   * Brings a subscriber from its cursor up to this feed's head, then makes it live. What does not
   * fit is dropped, not kept: after the wait it is read again from the cursor.
   */
  async catchUp(subscriber: Subscriber): Promise<void> {
    while (!subscriber.closed && subscriber.cursor < this.head) {
      const page = await readOutbox(this.db.knex, this.orgId, subscriber.cursor, CATCH_UP_PAGE);
      if (page.length === 0) break;
      const written = page.every((event) => subscriber.deliver(event));
      if (!written && !(await subscriber.drained())) return;
    }
    if (!subscriber.closed) subscriber.live = true;
  }
}

/** Parses a Last-Event-ID: a non-negative integer, or null for anything else. */
function eventId(raw: string): number | null {
  return /^\d{1,15}$/.test(raw.trim()) ? Number(raw.trim()) : null;
}

export class EventHub {
  private readonly feeds = new Map<string, OrgFeed>();
  private readonly pending = new Map<string, number>();
  private closing = false;
  private readonly stopListening: () => void;
  private readonly poll: NodeJS.Timeout;

  constructor(
    private readonly db: Database,
    signal: OutboxSignal,
    private readonly log: Logger,
    readonly limits: EventStreamLimits = DEFAULT_STREAM_LIMITS,
  ) {
    this.stopListening = signal.listen((orgId) => this.wake(orgId));
    this.poll = setInterval(() => this.wake(null), SAFETY_POLL_MS);
    this.poll.unref();
  }

  subscriberCount(orgId: string): number {
    return (this.feeds.get(orgId)?.subscribers.size ?? 0) + (this.pending.get(orgId) ?? 0);
  }

  /** The last id each followed organisation's feed has read. */
  feedHeads(): Map<string, number> {
    return new Map([...this.feeds].map(([orgId, feed]) => [orgId, feed.head]));
  }

  /** Bytes each of the organisation's streams has written and the kernel not yet taken (none are held elsewhere). */
  bufferedBytes(orgId: string): number[] {
    return [...(this.feeds.get(orgId)?.subscribers ?? [])].map((s) => s.bufferedBytes());
  }

  /** Bytes waiting in every stream's buffers on this replica. */
  totalBufferedBytes(): number {
    let n = 0;
    for (const feed of this.feeds.values()) for (const s of feed.subscribers) n += s.bufferedBytes();
    return n;
  }

  /** All streams on this replica. */
  totalSubscribers(): number {
    let n = 0;
    for (const feed of this.feeds.values()) n += feed.subscribers.size;
    return n;
  }

  private wake(orgId: string | null): void {
    if (orgId !== null) {
      void this.feeds.get(orgId)?.refresh();
      return;
    }
    for (const feed of this.feeds.values()) void feed.refresh();
  }

  /**
   * Opens a stream for `orgId` on `res`, resuming after `lastEventId` when given. Reads the
   * organisation's position before anything is sent, so a database that does not answer is an
   * error response (503), not a stream that never speaks.
   */
  async subscribe(orgId: string, req: Request, res: Response, lastEventId: string | undefined): Promise<SubscribeResult> {
    if (this.closing) return { ok: false, reason: "closing" };
    if (this.subscriberCount(orgId) >= this.limits.maxSubscribersPerOrg) return { ok: false, reason: "too_many_subscribers" };
    this.pending.set(orgId, (this.pending.get(orgId) ?? 0) + 1);
    let position;
    try {
      position = await outboxPosition(this.db.knex, orgId);
    } finally {
      const left = (this.pending.get(orgId) ?? 1) - 1;
      if (left === 0) this.pending.delete(orgId);
      else this.pending.set(orgId, left);
    }
    if (this.closing) return { ok: false, reason: "closing" };

    res.writeHead(200, { "Content-Type": "text/event-stream; charset=utf-8", "Cache-Control": "no-cache, no-store", Connection: "keep-alive", "X-Accel-Buffering": "no" });
    res.write(`retry: ${this.limits.retryMs}\n: connected\n\n`);

    let feed = this.feeds.get(orgId);
    if (!feed) {
      feed = new OrgFeed(this.db, orgId, position.lastId, this.log);
      this.feeds.set(orgId, feed);
    }
    const requested = lastEventId === undefined ? null : eventId(lastEventId);
    const resumable = requested !== null && requested >= position.prunedThrough && requested <= position.lastId;
    const subscriber = new Subscriber(res, resumable ? requested : position.lastId, this.limits, (s, why) => this.leave(orgId, s, why));
    feed.subscribers.add(subscriber);
    req.on("close", () => subscriber.close(null));

    if (lastEventId !== undefined && !resumable) {
      const reason = requested === null ? "unrecognised id" : requested < position.prunedThrough ? "older than the retention" : "unknown id";
      const data = { reason, lastEventId, resumeFrom: position.lastId };
      subscriber.write(`id: ${position.lastId}\nevent: reset\ndata: ${JSON.stringify(data)}\n\n`);
    }
    try {
      await feed.catchUp(subscriber);
    } catch (err) {
      this.log.warn({ err, orgId }, "event stream could not resume; the client will reconnect");
      subscriber.close("could not read the outbox");
      return { ok: true };
    }
    void feed.refresh();
    return { ok: true };
  }

  private leave(orgId: string, subscriber: Subscriber, why: string | null): void {
    const feed = this.feeds.get(orgId);
    if (!feed) return;
    feed.subscribers.delete(subscriber);
    if (feed.subscribers.size === 0) this.feeds.delete(orgId);
    if (why !== null && !this.closing) this.log.warn({ orgId, reason: why, lastEventId: subscriber.cursor }, "event stream closed by the server");
  }

  /** Ends every stream with a reconnection hint (shutdown); no new stream is accepted. */
  close(): void {
    this.closing = true;
    this.stopListening();
    clearInterval(this.poll);
    for (const feed of [...this.feeds.values()]) {
      for (const s of [...feed.subscribers]) s.close("server shutting down", `retry: ${this.limits.retryMs}\n: server shutting down, reconnect with Last-Event-ID\n\n`);
    }
  }
}

/**
 * Answers a request for `orgId`'s event stream (GET /api/v1/events and the console's
 * /api/v1/admin/events): Last-Event-ID from the header (what EventSource sends on reconnect) or, for
 * a first connection that resumes, the `lastEventId` query parameter (EventSource cannot set headers).
 */
export async function streamEvents(events: EventHub, orgId: string, req: Request, res: Response): Promise<void> {
  const fromQuery = typeof req.query.lastEventId === "string" ? req.query.lastEventId : undefined;
  const result = await events.subscribe(orgId, req, res, req.get("last-event-id") ?? fromQuery);
  if (result.ok) return;
  if (result.reason === "closing") throw new ApiError("unavailable", "The server is shutting down; reconnect");
  res.setHeader("Retry-After", "30");
  throw new ApiError("too_many_requests", `This organisation already has ${events.limits.maxSubscribersPerOrg} event streams open on this server`);
}

/**
 * An event's payload with the revision it made (its outbox id, db/revisions.ts): authorize asked
 * with `consistency: { atLeast: revision }` answers from a state that includes the change.
 */
export function withRevision(payload: unknown, id: number): unknown {
  return typeof payload === "object" && payload !== null && !Array.isArray(payload) ? { ...payload, revision: String(id) } : payload;
}
