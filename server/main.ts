/** The server process: the only place that reads process.env. */
import type { Server } from "node:http";
import { openDatabase } from "../db/connection";
import { reconcileAll } from "../roles";
import { createApp } from "./app";
import { createSync, prepareDatabase, provisionDefaultOrg, storePlatformFile } from "./bootstrap";
import { ConfigError, parseConfig } from "./config";
import { createLogger } from "./logger";
import { MappingFileWatcher } from "./mapping-watcher";
import { OidcIssuers } from "./oidc/issuers";
import { PlatformFileWatcher } from "./platform-watcher";

async function main(): Promise<void> {
  const config = parseConfig(process.env);
  const logger = createLogger(config.logLevel);
  const db = openDatabase(config.databaseUrl, { acquireTimeoutMs: config.databaseAcquireTimeoutMs, log: logger });
  await prepareDatabase(db);
  const { sync, events } = createSync();
  const orgId = await provisionDefaultOrg(db, config, logger, (line) => process.stdout.write(`${line}\n`));
  if (config.platformFile !== null) await storePlatformFile(db, sync, config.platformFile, logger);
  for (const [org, changed] of await reconcileAll(db, sync)) logger.info({ org, changed }, "permissions reconciled at start");

  const watchers = [
    ...(config.platformFile ? [new PlatformFileWatcher({ db, sync, file: config.platformFile, logger })] : []),
    ...(config.mappingFile ? [new MappingFileWatcher({ db, sync, orgId, file: config.mappingFile, logger })] : []),
  ];
  for (const watcher of watchers) await watcher.start();

  // Discovery of members' OIDC issuers happens at first use: the server starts while one is unreachable.
  const app = createApp({ db, config, logger, sync, events, tokenCacheTtlMs: config.tokenCacheSeconds * 1000, oidcIssuers: new OidcIssuers() });
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(config.port, config.host, () => resolve(s));
    s.on("error", reject);
  });
  // Okta gives up after 60 s of silence; keep sockets alive a little longer than typical proxies.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;
  logger.info({ url: `http://${config.host}:${config.port}/scim/v2`, database: db.description }, "SCIM server listening");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "shutting down");
    server.close(() => {
      void (async () => {
        for (const watcher of watchers) await watcher.stop();
        await db.close();
        process.exit(0);
      })();
    });
    server.closeAllConnections();
    setTimeout(() => process.exit(1), 10_000).unref();
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
  } else {
    process.stderr.write(`fatal: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  }
  process.exit(1);
});
