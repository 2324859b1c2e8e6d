/**
 * "This organisation has new events in the outbox": the in-process wake-up that the role service
 * rings after a commit, and that the outbox watcher rings when another process committed
 * (PostgreSQL NOTIFY, SQLite's data_version). A wake-up carries no event; readers read the outbox.
 * `null` means "some organisation, unknown which" (after a missed notification).
 */
import type { EventSink } from "../roles";

export type WakeUp = (orgId: string | null) => void;

export class OutboxSignal implements EventSink {
  private readonly listeners = new Set<WakeUp>();

  changed(orgId: string | null): void {
    for (const listener of this.listeners) listener(orgId);
  }

  /** Returns the function that stops listening. */
  listen(listener: WakeUp): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
