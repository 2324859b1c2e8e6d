/**
 * What one client may hold of the server's sockets, the same for plain HTTP and for TLS
 * (HTTP_HEADERS_TIMEOUT_MS, HTTP_REQUEST_TIMEOUT_MS, HTTP_KEEPALIVE_TIMEOUT_MS, HTTP_MAX_CONNECTIONS).
 *
 * Node measures the header and request timeouts from the first byte of each request (of the
 * connection, for its first one) until the request has been received; a response is never cut by
 * them, so an event stream stays open for as long as it runs. It only looks at them every
 * `connectionsCheckingInterval` (30 s by default, which let slow-header sockets stay past 33 s):
 * here, every second, or more often for a shorter timeout. A connection past the cap is closed by
 * Node as it is accepted; the connections already open carry on.
 */
import type { ServerOptions } from "node:http";
import type { Server } from "node:net";
import type { ConnectionLimits } from "./config";
import type { AppLogger } from "./logger";

/** How often a dropped connection may be logged: a flood of them is one line a minute. */
const DROP_LOG_INTERVAL_MS = 60_000;

/** Options for `http.createServer` and `https.createServer`; some can only be given there. */
export function serverOptions(limits: ConnectionLimits): ServerOptions {
  return {
    headersTimeout: limits.headersTimeoutMs,
    requestTimeout: limits.requestTimeoutMs,
    keepAliveTimeout: limits.keepAliveTimeoutMs,
    connectionsCheckingInterval: Math.max(50, Math.min(1000, Math.floor(limits.headersTimeoutMs / 4))),
  };
}

/** A TLS handshake is part of sending the first request: it gets as long as the headers do. */
export function tlsHandshakeTimeout(limits: ConnectionLimits): number {
  return limits.headersTimeoutMs;
}

/** Caps the connections of `server` and applies the timeouts Node reads from the server object. */
export function limitConnections(server: Server & { keepAliveTimeout: number; headersTimeout: number; requestTimeout: number }, limits: ConnectionLimits, logger: AppLogger): void {
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.headersTimeout = limits.headersTimeoutMs;
  server.requestTimeout = limits.requestTimeoutMs;
  server.maxConnections = limits.maxConnections;
  let dropped = 0;
  let lastLogged = 0;
  server.on("drop", () => {
    dropped += 1;
    const now = Date.now();
    if (now - lastLogged < DROP_LOG_INTERVAL_MS) return;
    lastLogged = now;
    logger.warn({ maxConnections: limits.maxConnections, dropped }, "HTTP_MAX_CONNECTIONS reached: new connections are closed as they arrive");
    dropped = 0;
  });
}
