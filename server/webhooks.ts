/**
 * Webhook delivery, per the Standard Webhooks specification (standardwebhooks.com): each request is
 * a JSON `{type, timestamp, data}` signed with the webhook's secret (`webhook-id`,
 * `webhook-timestamp`, `webhook-signature`), its id stable across retries so a receiver can drop
 * a repeat. Deliveries come from the outbox (db/webhooks.ts), at least once, in order per member;
 * a failure is retried on a fixed doubling schedule (`retryDelayMs`) until `retryForMs` after the
 * event, then marked failed with its last error. Every replica runs a dispatcher; leases keep them
 * from sending the same delivery at once. Receivers are kept from starving each other: one webhook
 * holds at most `endpointConcurrency` of the `concurrency` slots, an attempt is aborted after
 * `timeoutMs` (freeing its slot), and after `circuitFailures` failures in a row a webhook's circuit
 * opens: its deliveries wait, on the retry schedule, while the others flow. Requests run outside any
 * transaction, so a slow receiver holds a slot, never a database connection or the event loop, and
 * go only to addresses server/webhook-targets.ts allows.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { Webhook } from "standardwebhooks";
import type { Database } from "../db/connection";
import { withAfterCommit } from "../db/transaction";
import { ADMIN_ACTION } from "../db/admin-actions";
import { type DeliveryOutcome, type EndpointOutcome, type LeasedDelivery, claimDeliveries, enqueueDeliveries, finishDelivery, releaseLeases } from "../db/webhooks";
import { PERMISSIONS_CHANGED } from "../roles";
import type { Logger } from "../http/logger";
import { withRevision } from "./events";
import { isLoopback } from "./loopback";
import type { OutboxSignal } from "./signal";
import { type Resolve, type ResolvedAddress, WebhookTargets, untilAborted } from "./webhook-targets";

/** The event types a webhook can subscribe to. */
export const WEBHOOK_EVENT_TYPES = [PERMISSIONS_CHANGED, ADMIN_ACTION] as const;

/** A new signing secret, in the `whsec_` form the Standard Webhooks libraries accept. */
export function newWebhookSecret(): string {
  return `whsec_${randomBytes(32).toString("base64")}`;
}

/**
 * Why a URL's form cannot receive webhooks, or null when it can: https, or http to a loopback host
 * only. Where it points is judged apart (`WebhookTargets`), since that takes resolving its name.
 */
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
  /** Nothing was sent: the URL or the address its name resolved to is not one webhooks may reach. */
  readonly refused: boolean;
}

/**
 * Signs and POSTs one message; never throws. The URL's host is resolved and every address checked
 * (`targets`), then the request connects to the checked address while TLS (SNI, certificate) and
 * `Host` still name the host. The timeout covers resolving, connecting, sending and the answer's
 * headers; the answer's body is never read. Redirects are not followed: a 3xx is a failure.
 */
export async function sendWebhook(options: {
  url: string;
  secret: string;
  messageId: string;
  body: string;
  timeoutMs: number;
  targets: WebhookTargets;
  signal?: AbortSignal;
}): Promise<SendResult> {
  const problem = webhookUrlProblem(options.url);
  if (problem) return { ok: false, status: null, error: problem, refused: true };
  const url = new URL(options.url);
  const now = new Date();
  const signature = new Webhook(options.secret).sign(options.messageId, now, options.body);
  const timeout = AbortSignal.timeout(options.timeoutMs);
  const signal = options.signal ? AbortSignal.any([timeout, options.signal]) : timeout;
  try {
    const target = await untilAborted(options.targets.check(url), signal);
    if (target.kind === "refused") return { ok: false, status: null, error: target.reason, refused: true };
    if (target.kind === "unresolved") return { ok: false, status: null, error: target.error, refused: false };
    const headers = {
      "content-type": "application/json",
      "content-length": String(Buffer.byteLength(options.body)),
      "user-agent": "scim-role-mapping-webhooks",
      "webhook-id": options.messageId,
      "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
      "webhook-signature": signature,
    };
    const answer = await post(url, target.pinned, headers, options.body, signal);
    if (answer.status >= 200 && answer.status < 300) return { ok: true, status: answer.status, error: null, refused: false };
    return { ok: false, status: answer.status, error: `HTTP ${answer.status}${answer.statusText ? ` ${answer.statusText}` : ""}`, refused: false };
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    return { ok: false, status: null, error: timeout.aborted ? `no answer within ${options.timeoutMs} ms` : message, refused: false };
  }
}

/** One POST over a connection of its own, to `pinned` when given (a host name's checked address). */
function post(url: URL, pinned: ResolvedAddress | null, headers: Record<string, string>, body: string, signal: AbortSignal): Promise<{ status: number; statusText: string }> {
  const lookup: LookupFunction | undefined = pinned
    ? (_hostname, options, callback) => {
        if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
        else callback(null, pinned.address, pinned.family);
      }
    : undefined;
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      // agent: false: a pooled connection could outlive the check that allowed its address.
      { method: "POST", headers, signal, agent: false, ...(lookup ? { lookup } : {}) },
      (res) => {
        resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? "" });
        res.destroy();
      },
    );
    request.on("error", reject);
    request.end(body);
  });
}

/** The message body of an outbox event (Standard Webhooks' `{type, timestamp, data}`). */
export function webhookBody(event: { type: string; payload: unknown; createdMs: number }, eventId: number): string {
  const payload = withRevision(event.payload, eventId);
  const data = typeof payload === "object" && payload !== null ? { eventId, ...payload } : { eventId, value: payload };
  return JSON.stringify({ type: event.type, timestamp: new Date(event.createdMs).toISOString(), data });
}

export interface DispatcherOptions {
  /** WEBHOOK_TIMEOUT_MS: one attempt, from resolving the host to the answer's headers; then it is aborted and its slot freed. */
  readonly timeoutMs: number;
  /** WEBHOOK_CONCURRENCY: deliveries in flight at once on this replica. */
  readonly concurrency: number;
  /** WEBHOOK_ENDPOINT_CONCURRENCY: of those, at most this many to one webhook, so one endpoint never holds every slot. */
  readonly endpointConcurrency?: number;
  /** WEBHOOK_CIRCUIT_FAILURES: after this many failures in a row a webhook is paused on the retry schedule, then probed one delivery at a time. */
  readonly circuitFailures?: number;
  /** How long after an event its delivery is retried before it is marked failed. */
  readonly retryForMs: number;
  /** The first retry's delay; each next one doubles, up to an hour. */
  readonly firstRetryMs: number;
  /** WEBHOOK_ALLOW_PRIVATE: the private ranges (CIDRs) and host names webhooks may reach. */
  readonly allowPrivate?: readonly string[];
  /** Resolves host names (the system resolver unless a test gives one). */
  readonly resolve?: Resolve;
  /** The clock the schedule and leases are read from (a test's, to check stored times without waiting). */
  readonly now?: () => number;
  /** Looks for due retries this often even without a wake-up. */
  readonly pollMs?: number;
  readonly onOutcome?: (outcome: DeliveryOutcome["kind"]) => void;
}

export const DEFAULT_ENDPOINT_CONCURRENCY = 2;
export const DEFAULT_CIRCUIT_FAILURES = 5;
const MAX_BACKOFF_MS = 3_600_000;

/**
 * The retry schedule: after the n-th failure in a row, wait `firstRetryMs` × 2^(n−1), at most an
 * hour (5 s, 10 s, 20 s … with the default). No jitter: a failing endpoint is held back by its
 * circuit, not by chance, and the documented times are the real ones.
 */
export function retryDelayMs(failures: number, firstRetryMs: number): number {
  return Math.min(firstRetryMs * 2 ** Math.max(0, failures - 1), MAX_BACKOFF_MS);
}

/** When to try a delivery again after its `attempts`-th attempt failed at `failedAtMs`. */
export function nextAttemptAt(failedAtMs: number, attempts: number, firstRetryMs: number): number {
  return failedAtMs + retryDelayMs(attempts, firstRetryMs);
}

/**
 * Until when an endpoint is left alone after `failures` attempts in a row failed, the last at
 * `failedAtMs`: not at all below `circuitFailures`, then on the same schedule as a delivery,
 * counted from the failure that opened the circuit (5 s, then 10 s after a failed probe, …).
 */
export function circuitPausedUntil(failedAtMs: number, failures: number, circuitFailures: number, firstRetryMs: number): number | null {
  if (failures < circuitFailures) return null;
  return failedAtMs + retryDelayMs(failures - circuitFailures + 1, firstRetryMs);
}

type Attempt = { readonly outcome: DeliveryOutcome; readonly endpoint: EndpointOutcome };

export class WebhookDispatcher {
  /** Identifies this process's leases. */
  readonly owner = `replica-${randomUUID()}`;
  private readonly inFlight = new Map<string, Promise<void>>();
  private readonly perEndpoint = new Map<string, number>();
  private readonly abort = new AbortController();
  private readonly targets: WebhookTargets;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | null = null;
  private stopListening: (() => void) | null = null;
  private running = false;
  private again = false;
  private stopped = false;
  private turn = 0;

  constructor(
    private readonly db: Database,
    private readonly signal: OutboxSignal,
    private readonly log: Logger,
    private readonly options: DispatcherOptions,
  ) {
    this.targets = new WebhookTargets(options.allowPrivate ?? [], options.resolve);
    this.now = options.now ?? Date.now;
  }

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
      await withAfterCommit(this.db, (tx) => enqueueDeliveries(tx, this.now()));
      const free = this.options.concurrency - this.inFlight.size;
      if (free <= 0 || this.stopped) return;
      const leaseMs = this.options.timeoutMs + 5_000;
      const claimed = await withAfterCommit(this.db, (tx) =>
        claimDeliveries(tx, {
          nowMs: this.now(),
          leaseMs,
          limit: free,
          owner: this.owner,
          perEndpoint: Math.min(this.options.endpointConcurrency ?? DEFAULT_ENDPOINT_CONCURRENCY, this.options.concurrency),
          inFlight: this.perEndpoint,
          circuitFailures: this.options.circuitFailures ?? DEFAULT_CIRCUIT_FAILURES,
          turn: this.turn++,
        }),
      );
      for (const delivery of claimed) {
        this.perEndpoint.set(delivery.webhookId, (this.perEndpoint.get(delivery.webhookId) ?? 0) + 1);
        const sending = this.deliver(delivery).finally(() => {
          this.inFlight.delete(delivery.id);
          const left = (this.perEndpoint.get(delivery.webhookId) ?? 1) - 1;
          if (left > 0) this.perEndpoint.set(delivery.webhookId, left);
          else this.perEndpoint.delete(delivery.webhookId);
          this.wake();
        });
        this.inFlight.set(delivery.id, sending);
      }
      if (claimed.length === free) this.again = true;
    } while (this.again && !this.stopped);
  }

  private async deliver(delivery: LeasedDelivery): Promise<void> {
    const { outcome, endpoint } = await this.attempt(delivery);
    if (this.abort.signal.aborted && outcome.kind !== "delivered") return; // released at shutdown
    this.options.onOutcome?.(outcome.kind);
    try {
      const recorded = await withAfterCommit(this.db, (tx) => finishDelivery(tx, delivery, this.owner, outcome, this.now(), endpoint));
      if (!recorded) this.log.warn({ delivery: delivery.id }, "webhook delivery lease had run out; another replica sends it");
      if (outcome.kind === "failed") this.log.warn({ delivery: delivery.id, webhook: delivery.webhookId, error: outcome.error }, "webhook delivery failed for good");
    } catch (err) {
      // The lease runs out and the delivery is sent again: at least once.
      this.log.warn({ err, delivery: delivery.id }, "webhook delivery outcome could not be recorded");
    }
  }

  private async attempt(delivery: LeasedDelivery): Promise<Attempt> {
    if (delivery.event === null) return { outcome: { kind: "failed", status: null, error: "the event is no longer in the outbox (past the retention)" }, endpoint: { kind: "untried" } };
    const result = await sendWebhook({
      url: delivery.url,
      secret: delivery.secret,
      messageId: delivery.id,
      body: webhookBody(delivery.event, delivery.eventId),
      timeoutMs: this.options.timeoutMs,
      targets: this.targets,
      signal: this.abort.signal,
    });
    if (result.ok) return { outcome: { kind: "delivered", status: result.status ?? 200 }, endpoint: { kind: "answered" } };
    const error = result.error ?? "failed";
    // An address webhooks may not reach stays so until the operator changes the settings: recorded at once, the endpoint untried.
    if (result.refused) return { outcome: { kind: "failed", status: null, error }, endpoint: { kind: "untried" } };
    const failedAt = this.now();
    const { circuitFailures = DEFAULT_CIRCUIT_FAILURES, firstRetryMs } = this.options;
    const endpoint: EndpointOutcome = {
      kind: "failed",
      pauseUntil: (failures) => circuitPausedUntil(failedAt, failures, circuitFailures, firstRetryMs),
      error,
      windowStartMs: failedAt - this.options.retryForMs,
    };
    const next = nextAttemptAt(failedAt, delivery.attempts, firstRetryMs);
    if (next > delivery.createdMs + this.options.retryForMs) return { outcome: { kind: "failed", status: result.status, error }, endpoint };
    return { outcome: { kind: "retry", status: result.status, error, nextAttemptMs: next }, endpoint };
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
