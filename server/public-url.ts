/**
 * Where the server is reached from outside, for every URL it renders (`meta.location`, `Location`,
 * member and manager `$ref`s, Bulk locations, discovery): PUBLIC_URL when it is set. Otherwise the
 * request's own scheme and host, which come from X-Forwarded-Proto / X-Forwarded-Host only when
 * the request came through a proxy that TRUST_PROXY names; by default no forwarded header is
 * believed, since any client can send one.
 */
import type { Request } from "express";

type TrustFn = (address: string | undefined, hop: number) => boolean;

/** `Host` as sent, if it is a plausible host[:port]: a header is client input, not a URL fragment to echo. */
const HOST = /^[A-Za-z0-9.-]+(:\d{1,5})?$|^\[[0-9A-Fa-f:.]+\](:\d{1,5})?$/;

export function originOf(publicUrl: string | null): (req: Request) => string {
  if (publicUrl !== null) return () => publicUrl;
  return (req) => `${req.protocol}://${requestHost(req)}`;
}

/**
 * express honours the proxy for `req.protocol`, but its `req.hostname` drops the port, so the
 * forwarded host is read here with express's own compiled trust function (the `trust proxy fn`
 * setting), exactly as express decides whether to believe X-Forwarded-Proto.
 */
function requestHost(req: Request): string {
  const trust: unknown = req.app.get("trust proxy fn");
  const forwarded = req.get("x-forwarded-host");
  const fromProxy = forwarded !== undefined && typeof trust === "function" && (trust as TrustFn)(req.socket.remoteAddress, 0);
  const host = fromProxy ? (forwarded.split(",")[0] ?? "").trim() : (req.get("host") ?? "");
  return HOST.test(host) ? host : "localhost";
}
