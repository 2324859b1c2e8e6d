/**
 * Whether a URL's host is this machine. The server calls or trusts plain http only there (a test's
 * OpenID Provider or webhook receiver, a local issuer): anywhere else http can be read and forged on
 * the way, so OIDC issuers and webhook URLs must be https.
 */
import { isIP } from "node:net";

/** `hostname` as `URL` gives it: IPv6 in brackets, IPv4 already normalised (`127.1` → `127.0.0.1`). */
export function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, "").toLowerCase();
  if (host === "localhost" || host === "::1") return true;
  return isIP(host) === 4 && host.startsWith("127.");
}
