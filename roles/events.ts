/**
 * The role-mapping service's events: a member's effective permissions changed. Each is written to
 * the outbox (db/outbox.ts) in the transaction that changed the permissions; after the commit the
 * `EventSink` the server wires in is told which organisation has new events, so that this
 * process's readers look at once (other processes learn of them from the database).
 */
import type { EffectivePermissions } from "../mapping";
import type { ChangeCause } from "../db/change-cause";

export const PERMISSIONS_CHANGED = "permissions.changed";

/** What a `permissions.changed` event says (its outbox payload, the SSE `data:` and the webhook's `data`). */
export interface PermissionChangedData {
  readonly member: { readonly id: string; readonly userName: string };
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
  readonly cause: ChangeCause;
  readonly at: string;
}

/** Told after commit that an organisation has new events in the outbox. */
export interface EventSink {
  changed(orgId: string): void;
}
