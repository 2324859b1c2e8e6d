/**
 * The console's cookies: read from the Cookie header, written as Set-Cookie (RFC 6265 §4.1), and
 * signed with HMAC-SHA256 so that a value this server did not issue is refused before any lookup.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { Request, Response } from "express";

/** The value of cookie `name`, or null (RFC 6265 §5.4: `name=value` pairs separated by `;`). */
export function readCookie(req: Request, name: string): string | null {
  const header = req.get("cookie");
  if (header === undefined) return null;
  for (const pair of header.split(";")) {
    const at = pair.indexOf("=");
    if (at < 0) continue;
    if (pair.slice(0, at).trim() === name) return pair.slice(at + 1).trim();
  }
  return null;
}

export interface CookieOptions {
  readonly path: string;
  readonly secure: boolean;
  /** Seconds; 0 removes the cookie; absent: a browser-session cookie. */
  readonly maxAge?: number;
}

/** Appends a Set-Cookie: always HttpOnly and SameSite=Lax (the sign-in comes back as a top-level GET from the issuer). */
export function setCookie(res: Response, name: string, value: string, options: CookieOptions): void {
  const parts = [`${name}=${value}`, `Path=${options.path}`, "HttpOnly", "SameSite=Lax"];
  if (options.maxAge !== undefined) parts.push(`Max-Age=${options.maxAge}`);
  if (options.maxAge === 0) parts.push("Expires=Thu, 01 Jan 1970 00:00:00 GMT");
  if (options.secure) parts.push("Secure");
  res.append("Set-Cookie", parts.join("; "));
}

export function clearCookie(res: Response, name: string, options: Omit<CookieOptions, "maxAge">): void {
  setCookie(res, name, "", { ...options, maxAge: 0 });
}

/** `<payload>.<signature>`; the signature covers the cookie's name, so one cookie's value is not another's. */
export function sign(key: Buffer, name: string, payload: string): string {
  return `${payload}.${mac(key, name, payload)}`;
}

/** The payload of a value `sign` made with this key and name, or null. */
export function unsign(key: Buffer, name: string, value: string): string | null {
  const at = value.lastIndexOf(".");
  if (at <= 0) return null;
  const payload = value.slice(0, at);
  const given = Buffer.from(value.slice(at + 1));
  const expected = Buffer.from(mac(key, name, payload));
  return given.length === expected.length && timingSafeEqual(given, expected) ? payload : null;
}

function mac(key: Buffer, name: string, payload: string): string {
  return createHmac("sha256", key).update(`${name}\u0000${payload}`).digest("base64url");
}
