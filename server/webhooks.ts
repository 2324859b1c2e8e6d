/**
 * Webhook delivery, per the Standard Webhooks specification (standardwebhooks.com): each request is
 * a JSON `{type, timestamp, data}` signed with the webhook's secret (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), its id stable across retries so a receiver can drop
 * a repeat. Deliveries come from the outbox (db/webhooks.ts), at least once, in order per member;
 * a failure is retried with exponential backoff until `retryForMs` after the event, then marked
 * failed with its last error. Every replica runs a dispatcher; leases keep them from sending the
 * same delivery at once. Requests have a timeout and run outside any transaction, so a slow
 * receiver holds one of `concurrency` slots, never a database connection or the event loop.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { Webhook } from "standardwebhooks";
import type { Database } from "../db/connection";
import { withAfterCommit } from "../db/transaction";
import { type DeliveryOutcome, type LeasedDelivery, claimDeliveries, enqueueDeliveries, finishDelivery, releaseLeases } from "../db/webhooks";
import { PERMISSIONS_CHANGED } from "../roles";
import type { Logger } from "../scim/respond";
import { withRevision } from "./events";
import { isLoopback } from "./loopback";
import type { OutboxSignal } from "./signal";

/** The event types a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [PERMISSIONS_CHANGED] as const;

/** A new signing secret, in the `whsec_` form the Standard Webhooks libraries accept. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/** Why a URL cannot receive webhooks, or null when it can: https, or http to a loopback address only. */
export function webhookUrlProblem(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return `"${raw}" is not a URL`;
  }
  if (url.username !== "" || url.password !== "") return "the URL must not carry credentials";
  if (url.protocol === "https:") return null;
  if (url.protocol === "http:" && isLoopback(url.hostname)) return null;
  return "webhook URLs must be https (http only to a loopback address such as 127.0.0.1)";
}

export interface SendResult {
  readonly ok: boolean;
  readonly status: number | null;
  readonly error: string | null;
}

/** Signs and POSTs one message; never throws. The timeout covers connecting, sending and the answer's headers. */
export async function sendWebhook(options: {
  url: string;
  secret: string;
  messageId: string;
  body: string;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<SendResult> {
  const problem = webhookUrlProblem(options.url);
  if (problem) return { ok: false, status: null, error: problem };
  const now = new Date();
  const signature = new Webhook(options.secret).sign(options.messageId, now, options.body);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  try {
    const res = await fetch(options.url, {
      method: "POST",
      redirect: "manual",
      headers: {
        "content-type": "application/json",
        "user-agent": "scim-role-mapping-webhooks",
        "webhook-id": options.messageId,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
      body: options.body,
      signal: options.signal ? AbortSignal.any([timeout, options.signal]) : timeout,
    });
    // The answer's body is not needed; do not let a receiver make us read a large one.
    await res.body?.cancel().catch(() => undefined);
    if (res.status >= 200 && res.status < 300) return { ok: true, status: res.status, error: null };
    return { ok: false, status: res.status, error: `HTTP ${res.status}${res.statusText ? ` ${res.statusText}` : ""}` };
  } catch (err) {
    const timedOut = timeout.aborted;
    const cause = err instanceof Error && err.cause instanceof Error ? `: ${err.cause.message}` : "";
    return { ok: false, status: null, error: timedOut ? `no answer within ${options.timeoutMs} ms` : `${err instanceof Error ? err.message : String(err)}${cause}` };
  }
}

/** The message body of an outbox event (Standard Webhooks' `{type, timestamp, data}`). */
export function webhookBody(event: { type: string; payload: unknown; createdMs: number }, eventId: number): string {
  const payload = withRevision(event.payload, eventId);
  const data = typeof payload === "object" && payload !== null ? { eventId, ...payload } : { eventId, value: payload };
  return JSON.stringify({ type: event.type, timestamp: new Date(event.createdMs).toISOString(), data });
}

export interface DispatcherOptions {
  readonly timeoutMs: number;
  readonly concurrency: number;
  /** How long after an event its delivery is retried before it is marked failed. */
  readonly retryForMs: number;
  /** The first retry's delay; each next one doubles, up to an hour. */
  readonly firstRetryMs: number;
  /** Looks for due retries this often even without a wake-up. */
  readonly pollMs?: number;
  readonly onOutcome?: (outcome: DeliveryOutcome["kind"]) => void;
}

const MAX_BACKOFF_MS = 3_600_000;

/** When to try again after the `attempts`-th failure, with ±10 % jitter so a receiver's retries spread. */
export function nextAttemptAt(nowMs: number, attempts: number, firstRetryMs: number, random = Math.random): number {
  const base = Math.min(firstRetryMs * 2 ** Math.max(0, attempts - 1), MAX_BACKOFF_MS);
  return nowMs + Math.round(base * (0.9 + 0.2 * random()));
}

export class WebhookDispatcher {
  /** Identifies this process's leases. */
  readonly owner = `replica-${randomUUID()}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private running = false;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Database,
    private readonly signal: OutboxSignal,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopListening = this.signal.listen(() => this.wake());
    this.timer = setInterval(() => this.wake(), this.options.pollMs ?? 1000);
    this.timer.unref();
    this.wake();
  }

  /** Deliveries being sent right now by this replica. */
  get sending(): number {
    return this.inFlight.size;
  }

  wake(): void {
    if (this.stopped) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = true;
    void this.pump()
      .catch((err: unknown) => this.log.warn({ err }, "webhook dispatcher could not reach the database; retrying"))
      .finally(() => {
        this.running = false;
        if (this.again && !this.stopped) {
          this.again = false;
          this.wake();
        }
      });
  }

  private async pump(): Promise<void> {
    do {
      this.again = false;
      const now = Date.now();
      await withAfterCommit(this.db, (tx) => enqueueDeliveries(tx, now));
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      const leaseMs = this.options.timeoutMs + 5_000;
      const claimed = await withAfterCommit(this.db, (tx) => claimDeliveries(tx, { nowMs: Date.now(), leaseMs, limit: free, owner: this.owner }));
      for (const delivery of claimed) {
        const sending = this.deliver(delivery).finally(() => {
          this.inFlight.delete(delivery.id);
          this.wake();
        });
        this.inFlight.set(delivery.id, sending);
      }
      if (claimed.length === free) this.again = true;
    } while (this.again && !this.stopped);
  }

  private async deliver(delivery: LeasedDelivery): Promise<void> {
    const outcome = await this.attempt(delivery);
    if (this.abort.signal.aborted && outcome.kind !== "delivered") return; // released at shutdown
    this.options.onOutcome?.(outcome.kind);
    try {
      const recorded = await withAfterCommit(this.db, (tx) => finishDelivery(tx, delivery, this.owner, outcome, Date.now()));
      if (!recorded) this.log.warn({ delivery: delivery.id }, "webhook delivery lease had run out; another replica sends it");
      if (outcome.kind === "failed") this.log.warn({ delivery: delivery.id, webhook: delivery.webhookId, error: outcome.error }, "webhook delivery failed for good");
    } catch (err) {
      // The lease runs out and the delivery is sent again: at least once.
      this.log.warn({ err, delivery: delivery.id }, "webhook delivery outcome could not be recorded");
    }
  }

  private async attempt(delivery: LeasedDelivery): Promise<DeliveryOutcome> {
    if (delivery.event === null) return { kind: "failed", status: null, error: "the event is no longer in the outbox (past the retention)" };
    const result = await sendWebhook({
      url: delivery.url,
      secret: delivery.secret,
      messageId: delivery.id,
      body: webhookBody(delivery.event, delivery.eventId),
      timeoutMs: this.options.timeoutMs,
      signal: this.abort.signal,
    });
    if (result.ok) return { kind: "delivered", status: result.status ?? 200 };
    const now = Date.now();
    const next = nextAttemptAt(now, delivery.attempts, this.options.firstRetryMs);
    const error = result.error ?? "failed";
    if (next > delivery.createdMs + this.options.retryForMs) return { kind: "failed", status: result.status, error };
    return { kind: "retry", status: result.status, error, nextAttemptMs: next };
  }

  /**
   * Stops claiming, lets deliveries in flight finish for up to `graceMs`, then aborts the rest and
   * gives their leases back so another replica (or the next start) sends them at once.
   */
  async stop(graceMs: number): Promise<void> {
    this.stopped = true;
    this.stopListening?.();
    if (this.timer) clearInterval(this.timer);
    const pending = [...this.inFlight.values()];
    if (pending.length > 0) {
      await Promise.race([Promise.allSettled(pending), new Promise((resolve) => setTimeout(resolve, graceMs).unref())]);
    }
    const unfinished = [...this.inFlight.keys()];
    if (unfinished.length > 0) {
      this.abort.abort();
      await Promise.allSettled([...this.inFlight.values()]);
    }
    await withAfterCommit(this.db, (tx) => releaseLeases(tx, this.owner)).catch((err: unknown) => this.log.warn({ err }, "webhook leases could not be released; they run out by themselves"));
  }
}
