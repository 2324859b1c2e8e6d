/**
 * An organisation's revision: the counter its outbox ids are allocated from (db/outbox.ts), which
 * every write that can change an authorize answer advances before it commits (a permission change
 * with its events; a user created, renamed, deactivated or deleted, a mapping or platform version
 * stored, with `noteRevision`). Ids are allocated under the counter row's lock at the end of the
 * writing transaction, so revisions commit in order: a state that shows revision N shows every
 * write acknowledged with N or less.
 *
 * A request that writes reports the revision its write committed (`X-Revision`, an admin body's
 * `revision`) through a `RevisionSink`. The sink travels with the request's asynchronous context
 * rather than as a parameter: every layer between the route and `withAfterCommit` would otherwise
 * carry a value it never reads. `withAfterCommit` looks it up when it is called (on SQLite a
 * grouped write then runs in another request's context) and tells it after the commit.
 */
import { AsyncLocalStorage } from "node:async_hooks";

export interface RevisionSink {
  /** The organisation the request acts for (null before it is known): its revision is reported even for a write that changed nothing. */
  orgId(): string | null;
  /** After a commit: the revision the request's organisation is at. */
  committed(revision: number): void;
}

const sinks = new AsyncLocalStorage<RevisionSink | null>();

/** Runs `work` (a request's remaining steps) with `sink` told of the revisions its writes commit. */
export function reportingRevisions<T>(sink: RevisionSink, work: () => T): T {
  return sinks.run(sink, work);
}

/**
 * Runs `work` outside any request's sink: after-commit callbacks wake the webhook dispatcher and
 * the event feeds, whose own transactions report to no one.
 */
export function outsideRevisions<T>(work: () => T): T {
  return sinks.run(null, work);
}

/** The sink of the request whose writes are running, if any. */
export function revisionSink(): RevisionSink | null {
  return sinks.getStore() ?? null;
}
