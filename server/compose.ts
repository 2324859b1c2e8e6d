/**
 * The request-serving part of the server, composed one way for the process (`main.ts`) and for the
 * tests' harness: the event streams over the outbox signal, the change feed that keeps the read
 * cache true, and the express app over them. What surrounds it — configuration, provisioning,
 * file watchers, webhooks, listening — stays with whoever starts it.
 */
import type { Express } from "express";
import { type ChangeFeed, watchChanges } from "../db/change-feed";
import type { Database } from "../db/connection";
import type { MappingPermissionSync } from "../roles";
import { type AppDeps, createApp } from "./app";
import { EventHub, type EventStreamLimits } from "./events";
import type { AppLogger } from "./logger";
import type { OutboxSignal } from "./signal";

export interface ServiceOptions {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  /** Rung after every commit that wrote events: the event streams follow it. */
  readonly signal: OutboxSignal;
  readonly logger: AppLogger;
  readonly streams: EventStreamLimits;
  /**
   * Answer token checks and authorize's permission reads from memory while no commit (of this
   * process or another) changed them; false: every request asks the database.
   */
  readonly readCache: boolean;
  /** Everything else the app is given: its configuration, console, metrics, limits. */
  readonly app: Omit<AppDeps, "db" | "logger" | "sync" | "events" | "changes">;
}

export interface Services {
  readonly app: Express;
  readonly events: EventHub;
  readonly changes: ChangeFeed | null;
}

export function composeServices(options: ServiceOptions): Services {
  const { db, logger } = options;
  const events = new EventHub(db, options.signal, logger, options.streams);
  const changes = options.readCache ? watchChanges(db, { warn: (err, message) => logger.warn({ err }, message) }) : null;
  const app = createApp({ ...options.app, db, logger, sync: options.sync, events, ...(changes === null ? {} : { changes }) });
  return { app, events, changes };
}
