/**
 * The first step of every write to an existing User or Group, named once: lock its row (FOR UPDATE
 * on PostgreSQL, so parallel writes serialise and none is lost; SQLite has one writer), answer 404
 * when it is gone, and 412 when If-Match names a version it no longer has (RFC 7644 §3.14). Nothing
 * has been written when either is thrown.
 */
import type { Executor } from "../db/connection";
import type { ScimContext } from "./context";
import { checkIfMatch } from "./etag";
import { notFound } from "./errors";

/** How db/ finds a versioned resource row, optionally locking it. */
export type FindVersioned<T> = (tx: Executor, orgId: string, id: string, options: { forUpdate: boolean }) => Promise<T | null>;

export async function lockForWrite<T extends { readonly version: number }>(
  tx: Executor,
  ctx: ScimContext,
  resource: { readonly kind: "User" | "Group"; readonly id: string; readonly find: FindVersioned<T> },
  ifMatch: string | undefined,
): Promise<T> {
  const current = await resource.find(tx, ctx.orgId, resource.id, { forUpdate: true });
  if (!current) throw notFound(`${resource.kind} ${resource.id} not found`);
  checkIfMatch(ifMatch, current.version);
  return current;
}
