/**
 * Live updates: one EventSource on the admin event stream for the whole page. Pages subscribe to
 * the members they show; a `permissions.changed` event for one of them makes the page read it again.
 * A `reset` (the stream lost its place) tells everyone to read again. EventSource reconnects by
 * itself and resumes with Last-Event-ID.
 */
import { useEffect, useRef } from "preact/hooks";
import type { PermissionChangedData } from "./api/types";

export const EVENTS_URL = "/api/v1/admin/events";

type Listener = (change: { memberId: string | null; data: PermissionChangedData | null }) => void;

const listeners = new Set<Listener>();
let source: EventSource | null = null;
/** The stream is for those who may read roles (403 otherwise): others' pages just do not update live. */
let allowed = false;

export function allowLiveUpdates(may: boolean): void {
  allowed = may;
}

function memberIdOf(data: unknown): string | null {
  if (typeof data !== "object" || data === null || !("member" in data)) return null;
  const member = data.member;
  if (typeof member !== "object" || member === null || !("id" in member) || typeof member.id !== "string") return null;
  return member.id;
}

function open(): void {
  if (!allowed || source !== null || typeof EventSource === "undefined") return;
  source = new EventSource(EVENTS_URL, { withCredentials: true });
  source.addEventListener("permissions.changed", (event: MessageEvent<string>) => {
    let data: unknown = null;
    try {
      data = JSON.parse(event.data);
    } catch {
      data = null;
    }
    const memberId = memberIdOf(data);
    // The event's data is the server's PermissionChangedData; only its member id is relied on.
    for (const listener of listeners) listener({ memberId, data: memberId === null ? null : (data as PermissionChangedData) });
  });
  source.addEventListener("reset", () => {
    for (const listener of listeners) listener({ memberId: null, data: null });
  });
}

/**
 * Calls `onChange` when a member's permissions change; `memberIds` null means any member. A
 * memberId of null in the callback means "anything may have changed" (after a reset).
 */
export function usePermissionChanges(memberIds: readonly string[] | null, onChange: (data: PermissionChangedData | null) => void): void {
  const latest = useRef(onChange);
  latest.current = onChange;
  const key = memberIds === null ? null : memberIds.join("\n");
  useEffect(() => {
    open();
    const wanted = key === null ? null : new Set(key.split("\n"));
    const listener: Listener = ({ memberId, data }) => {
      if (memberId === null || wanted === null || wanted.has(memberId)) latest.current(data);
    };
    listeners.add(listener);
    return () => {
      listeners.delete(listener);
    };
  }, [key]);
}
