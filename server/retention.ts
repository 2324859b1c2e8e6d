/**
 * Pruning what has outlived the event retention (EVENT_RETENTION_DAYS): outbox rows (except those
 * a webhook has not yet picked up) and finished webhook deliveries. Hourly, and once shortly after
 * start; every replica runs it, and a repeat deletes nothing.
 */
import type { Database } from "../db/connection";
import { pruneOutbox } from "../db/outbox";
import { withAfterCommit } from "../db/transaction";
import { pruneDeliveries } from "../db/webhooks";
import type { Logger } from "../scim/respond";

const EVERY_MS = 3_600_000;

export class Retention {
  private timer: NodeJS.Timeout | null = null;
  private first: NodeJS.Timeout | null = null;

  constructor(
    private readonly db: Database,
    private readonly log: Logger,
    private readonly retentionMs: number,
  ) {}

  start(): void {
    this.first = setTimeout(() => void this.prune(), 60_000);
    this.first.unref();
    this.timer = setInterval(() => void this.prune(), EVERY_MS);
    this.timer.unref();
  }

  stop(): void {
    if (this.first) clearTimeout(this.first);
    if (this.timer) clearInterval(this.timer);
  }

  async prune(now = Date.now()): Promise<{ events: number; deliveries: number }> {
    const before = now - this.retentionMs;
    try {
      const events = await withAfterCommit(this.db, (tx) => pruneOutbox(tx, before));
      const deliveries = await withAfterCommit(this.db, (tx) => pruneDeliveries(tx, before));
      if (events + deliveries > 0) this.log.info({ events, deliveries }, "pruned events past the retention");
      return { events, deliveries };
    } catch (err) {
      this.log.warn({ err }, "pruning events failed; retrying at the next hour");
      return { events: 0, deliveries: 0 };
    }
  }
}
