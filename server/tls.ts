/**
 * Native HTTPS for deployments without a TLS-terminating proxy: TLS_CERT_FILE (PEM certificate,
 * with its chain) and TLS_KEY_FILE (PEM private key) on PORT. Certificates are renewed on disk
 * (certbot, cert-manager, an ACME client): both files are watched and a changed pair is put in
 * force for new connections with `setSecureContext`, without a restart. A pair that does not load
 * (a half-written file, a key that does not match) is refused and logged; the certificate in force
 * stays until a good pair appears.
 */
import { readFileSync, unwatchFile, watchFile } from "node:fs";
import { type Server, createServer } from "node:https";
import { X509Certificate } from "node:crypto";
import { createSecureContext } from "node:tls";
import type { RequestListener } from "node:http";
import type { ConnectionLimits } from "./config";
import { limitConnections, serverOptions, tlsHandshakeTimeout } from "./connection-limits";
import type { AppLogger } from "./logger";

export interface TlsFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

interface KeyPair {
  readonly cert: Buffer;
  readonly key: Buffer;
}

/**
 * How often the files are looked at. `fs.watchFile` stats the path, so it follows what the path
 * points to after an atomic rename or a symlink swap (certbot's live/ links), where `fs.watch`
 * keeps watching the replaced inode; two stats every few seconds cost nothing.
 */
export const TLS_POLL_INTERVAL_MS = 5000;

export class TlsConfigError extends Error {
  override readonly name = "TlsConfigError";
}

/** Reads and checks a pair; the error names the variable and file at fault. */
export function loadKeyPair(files: TlsFiles): KeyPair {
  const read = (variable: string, file: string): Buffer => {
    try {
      return readFileSync(file);
    } catch (err) {
      throw new TlsConfigError(`${variable}: cannot read ${file}: ${err instanceof Error ? err.message : String(err)}`);
    }
  };
  const pair = { cert: read("TLS_CERT_FILE", files.certFile), key: read("TLS_KEY_FILE", files.keyFile) };
  try {
    createSecureContext(pair);
  } catch (err) {
    throw new TlsConfigError(`TLS_CERT_FILE / TLS_KEY_FILE (${files.certFile}, ${files.keyFile}) do not load as a PEM certificate and its private key: ${err instanceof Error ? err.message : String(err)}`);
  }
  return pair;
}

function describe(cert: Buffer): { subject: string; validTo: string; fingerprint256: string } {
  const x509 = new X509Certificate(cert);
  return { subject: x509.subject, validTo: x509.validTo, fingerprint256: x509.fingerprint256 };
}

export interface TlsServer {
  readonly server: Server;
  /** Stops watching the files (the server itself is closed by its owner). */
  stopWatching(): void;
}

/** An HTTPS server for `app` whose certificate follows the files on disk, with the same connection limits as plain HTTP. */
export function createTlsServer(app: RequestListener, files: TlsFiles, options: { logger: AppLogger; pollIntervalMs?: number; connections?: ConnectionLimits }): TlsServer {
  const limits = options.connections;
  const server = createServer({ ...loadKeyPair(files), ...(limits ? { ...serverOptions(limits), handshakeTimeout: tlsHandshakeTimeout(limits) } : {}) }, app);
  if (limits) limitConnections(server, limits, options.logger);
  const reload = (): void => {
    let pair: KeyPair;
    try {
      pair = loadKeyPair(files);
    } catch (err) {
      options.logger.warn({ err }, "TLS certificate files changed but do not load; the certificate in force is kept");
      return;
    }
    server.setSecureContext(pair);
    options.logger.info({ certificate: describe(pair.cert) }, "TLS certificate reloaded");
  };
  const interval = options.pollIntervalMs ?? TLS_POLL_INTERVAL_MS;
  for (const file of [files.certFile, files.keyFile]) watchFile(file, { interval, persistent: false }, reload);
  return {
    server,
    stopWatching: () => {
      for (const file of [files.certFile, files.keyFile]) unwatchFile(file, reload);
    },
  };
}
