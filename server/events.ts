/**
 * In-process fan-out of `permissions.changed` events to Server-Sent Events subscribers.
 * Events are published only after their transaction committed (see db/transaction.ts).
 */
import type { EventSink, PermissionChangedEvent } from "../roles";

type Listener = (event: PermissionChangedEvent) => void;

export class EventHub implements EventSink {
  private readonly listeners = new Map<string, Set<Listener>>();

  publish(events: readonly PermissionChangedEvent[]): void {
    for (const event of events) {
      const set = this.listeners.get(event.orgId);
      if (!set) continue;
      for (const listener of set) listener(event);
    }
  }

  subscribe(orgId: string, listener: Listener): () => void {
    let set = this.listeners.get(orgId);
    if (!set) {
      set = new Set();
      this.listeners.set(orgId, set);
    }
    set.add(listener);
    return () => {
      set?.delete(listener);
    };
  }

  subscriberCount(orgId: string): number {
    return this.listeners.get(orgId)?.size ?? 0;
  }
}
