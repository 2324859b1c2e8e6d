/**
 * The role-mapping service's events: a member's effective permissions changed. They are published
 * only after the transaction that changed them committed, to whatever sink the server wires in
 * (server/events.ts fans them out to Server-Sent Events subscribers).
 */
import type { EffectivePermissions } from "../mapping";
import type { ChangeCause } from "../scim/context";

export interface PermissionChangedEvent {
  readonly type: "permissions.changed";
  readonly orgId: string;
  readonly member: { readonly id: string; readonly userName: string };
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
  readonly cause: ChangeCause;
  readonly at: string;
}

export interface EventSink {
  publish(events: readonly PermissionChangedEvent[]): void;
}
