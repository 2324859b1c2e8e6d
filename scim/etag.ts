/**
 * ETags (RFC 7644 §3.14): weak tags from the integer row version, `If-Match` checked before a write
 * and `If-None-Match` for a conditional GET.
 */
import { preconditionFailed } from "./errors";

/** Weak ETags from the integer row version (RFC 7644 §3.14). */
export function etagOf(version: number): string {
  return `W/"${version}"`;
}

function tags(header: string): string[] {
  return header.split(",").map((t) => t.trim()).filter((t) => t.length > 0);
}

function sameTag(a: string, b: string): boolean {
  const strip = (t: string) => t.replace(/^W\//, "");
  return strip(a) === strip(b);
}

/** Throws 412 when If-Match names no current version; nothing has been written at that point. */
export function checkIfMatch(header: string | undefined, version: number): void {
  if (header === undefined || header.trim() === "") return;
  const current = etagOf(version);
  const list = tags(header);
  if (list.includes("*") || list.some((t) => sameTag(t, current))) return;
  throw preconditionFailed(`The resource has changed: it is now at ${current}, not ${header}`);
}

export function matchesIfNoneMatch(header: string | undefined, version: number): boolean {
  if (header === undefined || header.trim() === "") return false;
  const current = etagOf(version);
  return tags(header).some((t) => t === "*" || sameTag(t, current));
}
