/** The server process: the only place that reads process.env. */
import { type Server, createServer } from "node:http";
import type { ChangeFeed } from "../db/change-feed";
import { openDatabase } from "../db/connection";
import { isDbError } from "../db/errors";
import { type OutboxWatch, watchOutbox } from "../db/outbox-watch";
import { reconcileAll } from "../roles";
import { createMetricsApp } from "./app";
import { createSync, prepareDatabase, provisionDefaultOrg, storePlatformFile } from "./bootstrap";
import { type Config, ConfigError, parseConfig } from "./config";
import { ConsoleSectionsError, readConsoleSections } from "./console-sections";
import { limitConnections, serverOptions } from "./connection-limits";
import { composeServices } from "./compose";
import type { EventHub } from "./events";
import type { FileWatcher } from "./file-watcher";
import { type AppLogger, createLogger } from "./logger";
import { MappingParser } from "./mapping-parser";
import { MappingFileWatcher } from "./mapping-watcher";
import { Metrics } from "./metrics";
import { OidcIssuers } from "./oidc/issuers";
import { PlatformFileWatcher } from "./platform-watcher";
import { Retention } from "./retention";
import { Analytics } from "./analytics";
import { TlsConfigError, createTlsServer } from "./tls";
import { VERSION } from "./version";
import { WebhookDispatcher } from "./webhooks";

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  // Checked before anything starts: a typo in the operator's file stops the server with its name and key.
  const productSections = config.consoleSections === null ? [] : readConsoleSections(config.consoleSections);
  const ops = config.operations;
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.databaseUrl, { timeoutMs: ops.dbTimeoutMs, statementTimeoutMs: ops.dbStatementTimeoutMs, log: logger });
  await prepareDatabase(db);
  const metrics = new Metrics({ processMetrics: true, orgLabel: ops.metricsOrgLabel });
  const { sync, signal } = createSync((recomputed, changed) => {
    metrics.recomputations.inc(recomputed);
    metrics.permissionChanges.inc(changed);
  });
  const orgId = await provisionOnce(() => provisionDefaultOrg(db, config, logger, (line) => process.stderr.write(`${line}\n`)));
  if (config.platformFile !== null) await storePlatformFile(db, sync, config.platformFile, logger);
  for (const [org, changed] of await reconcileAll(db, sync)) logger.info({ org, changed }, "permissions reconciled at start");

  const mappingParser = new MappingParser(config.mappingLimits);
  const watchers: FileWatcher[] = [
    ...(config.platformFile ? [new PlatformFileWatcher({ db, sync, file: config.platformFile, logger, maxBytes: config.mappingLimits.maxBytes })] : []),
    ...(config.mappingFile ? [new MappingFileWatcher({ db, sync, orgId, file: config.mappingFile, logger, limits: config.mappingLimits, parse: mappingParser.parse })] : []),
  ];
  for (const watcher of watchers) await watcher.start();

  const outboxWatch: OutboxWatch = watchOutbox(db, { changed: (org) => signal.changed(org), warn: (err, message) => logger.warn({ err }, message) });
  const dispatcher = new WebhookDispatcher(db, signal, logger, { ...ops.webhooks, onOutcome: (outcome) => metrics.webhookDeliveries.inc({ outcome }) });
  dispatcher.start();
  const privacyDefaults = { eventDays: Math.round(ops.events.retentionMs / 86_400_000) };
  const retention = new Retention(db, logger, { defaults: privacyDefaults });
  retention.start();
  const analytics = new Analytics(db, logger);
  analytics.start();

  const { app, events, changes } = composeServices({
    db,
    sync,
    signal,
    logger,
    streams: {
      maxBufferBytes: ops.events.sseMaxBufferBytes,
      stallMs: ops.events.sseStallMs,
      maxSubscribersPerOrg: ops.events.sseMaxSubscribersPerOrg,
      heartbeatMs: ops.events.sseHeartbeatMs,
      retryMs: ops.events.sseRetryMs,
    },
    readCache: true,
    app: {
      config,
      metrics,
      metricsToken: ops.metricsToken,
      rateLimits: ops.rateLimits,
      // Discovery of members' OIDC issuers happens at first use: the server starts while one is unreachable.
      oidcIssuers: new OidcIssuers(),
      console: { ...config.console, publicUrl: consolePublicUrl(config), defaultOrg: config.defaultOrg },
      parseMapping: mappingParser.parse,
      privacyDefaults,
      productSections,
      identity: { environmentSignInOrg: config.oidc === null ? null : config.defaultOrg, allowPrivateIssuers: config.oidcAllowPrivate },
      analytics,
    },
  });
  const tls = config.tls ? createTlsServer(app, config.tls, { logger, connections: ops.http }) : null;
  const server: Server = tls?.server ?? createServer(serverOptions(ops.http), app);
  if (!tls) limitConnections(server, ops.http, logger);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : config.port;
  const listening = `${tls ? "https" : "http"}://${config.host}:${port}`;
  const metricsServer = ops.metricsPort === null ? null : await listenForMetrics(ops.metricsPort, createMetricsApp(metrics, logger), config, logger);
  if (metricsServer === null && ops.metricsToken === null) logger.info("GET /metrics is not served: set METRICS_PORT (a loopback listener) or METRICS_TOKEN (on PORT, with the token)");
  logger.info({ url: `${config.publicUrl ?? listening}/scim/v2`, console: `${config.publicUrl ?? listening}/console/`, listening, tls: tls !== null, database: db.description }, "SCIM server listening");

  let stopping = false;
  const stop = (signalName: string) => {
    if (stopping) return;
    stopping = true;
    void shutdown({ server, metricsServer, events, dispatcher, retention, analytics, outboxWatch, changes, watchers, mappingParser, tls, db, logger, config }, signalName).then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, "shutdown failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

/**
 * Graceful shutdown: stop accepting connections, end event streams with a reconnection hint, let
 * requests in flight finish (up to SHUTDOWN_GRACE_MS in all), finish or hand back webhook leases,
 * then close the database.
 */
async function shutdown(
  parts: {
    server: Server;
    metricsServer: Server | null;
    events: EventHub;
    dispatcher: WebhookDispatcher;
    retention: Retention;
    analytics: Analytics;
    outboxWatch: OutboxWatch;
    changes: ChangeFeed | null;
    watchers: readonly FileWatcher[];
    mappingParser: MappingParser;
    tls: { stopWatching(): void } | null;
    db: { close(): Promise<void> };
    logger: AppLogger;
    config: Config;
  },
  signalName: string,
): Promise<void> {
  const { server, logger } = parts;
  const graceMs = parts.config.operations.shutdownGraceMs;
  const deadline = Date.now() + graceMs;
  logger.info({ signal: signalName, graceMs }, "shutting down: finishing requests in flight");
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  parts.events.close();
  parts.retention.stop();
  // Keep-alive connections go as soon as they are idle; busy ones once their response is sent.
  const idle = setInterval(() => server.closeIdleConnections(), 50);
  const graceOver = new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), graceMs).unref());
  if ((await Promise.race([closed, graceOver])) === "timeout") {
    logger.warn("shutdown grace is over: closing the connections still open");
    server.closeAllConnections();
  }
  clearInterval(idle);
  if (parts.metricsServer) {
    parts.metricsServer.closeAllConnections();
    await new Promise<void>((resolve) => parts.metricsServer?.close(() => resolve()));
  }
  await parts.dispatcher.stop(Math.max(0, deadline - Date.now()));
  // The counts of the requests just finished, before the database closes.
  await parts.analytics.close();
  for (const watcher of parts.watchers) await watcher.stop();
  await parts.mappingParser.close();
  parts.tls?.stopWatching();
  await parts.outboxWatch.close();
  await parts.changes?.close();
  await parts.db.close();
  logger.info("stopped");
}

/**
 * METRICS_PORT: /metrics without a token, on the loopback address only, so that it never faces the
 * IdPs' side of the network; a scraper on another machine uses METRICS_TOKEN instead.
 */
async function listenForMetrics(port: number, app: ReturnType<typeof createMetricsApp>, config: Config, logger: AppLogger): Promise<Server> {
  const server = createServer(serverOptions(config.operations.http), app);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => resolve());
  });
  const address = server.address();
  const bound = typeof address === "object" && address !== null ? address.port : port;
  logger.info({ url: `http://127.0.0.1:${bound}/metrics` }, "metrics listening");
  return server;
}

/** PUBLIC_URL, or where this server listens: the console's redirect URI and cookies follow it. */
function consolePublicUrl(config: Config): string {
  if (config.publicUrl !== null) return config.publicUrl;
  const host = config.host.includes(":") ? `[${config.host}]` : config.host;
  return `${config.tls ? "https" : "http"}://${host}:${config.port}`;
}

/** Replicas starting together race to provision the default organisation: the loser retries once. */
async function provisionOnce<T>(provision: () => Promise<T>): Promise<T> {
  try {
    return await provision();
  } catch (err) {
    if (!isDbError(err) || err.code !== "conflict") throw err;
    return provision();
  }
}

if (process.argv.includes("--version") || process.argv.includes("-V")) {
  process.stdout.write(`${VERSION}\n`);
} else {
  main().catch(fatal);
}

function fatal(err: unknown): void {
  if (err instanceof ConfigError || err instanceof TlsConfigError || err instanceof ConsoleSectionsError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
}
