/**
 * Bearer tokens, SCIM and API: stored only as SHA-256 hashes, each pinned to one organisation and
 * one purpose, revocable, and optionally expiring (a rotated SCIM token expires after its overlap).
 */
import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type { Executor } from "./connection";
import { isPostgres } from "./dialect";
import { HOT, hotRows } from "./hot-reads";
import { prepared } from "./prepared";
import type { DbTokenRow } from "./tables";
import { nowIso } from "./json";

/** Listed rather than `*` for the named statement on PostgreSQL (db/prepared.ts). */
const TOKEN_COLUMNS = ["id", "org_id", "kind", "token_hash", "label", "created_at", "revoked_at", "expires_at", "created_by"] as const satisfies readonly (keyof DbTokenRow)[];

export type TokenKind = "scim" | "api";

export interface TokenInfo {
  id: string;
  orgId: string;
  kind: TokenKind;
  label: string | null;
  createdAt: string;
  revokedAt: string | null;
  /** After this instant the token authenticates no more; null: until revoked. */
  expiresAt: string | null;
  /** Who made it: `member:<userName>`, `cli:<os user>`, `env:SCIM_TOKEN`; null when not recorded. */
  createdBy: string | null;
}

/** Whether a token still authenticates at `now` (ms since the epoch): not revoked, not expired. */
export function tokenInForce(info: Pick<TokenInfo, "revokedAt" | "expiresAt">, now: number): boolean {
  return info.revokedAt === null && (info.expiresAt === null || Date.parse(info.expiresAt) > now);
}

export function hashToken(token: string): string {
  return createHash("sha256").update(token, "utf8").digest("hex");
}

function toInfo(row: DbTokenRow): TokenInfo {
  return { id: row.id, orgId: row.org_id, kind: row.kind, label: row.label, createdAt: row.created_at, revokedAt: row.revoked_at, expiresAt: row.expires_at ?? null, createdBy: row.created_by ?? null };
}

/** Creates a random token and stores only its SHA-256. The plain token is returned once. */
export async function createToken(
  tx: Executor,
  options: { orgId: string; kind: TokenKind; label?: string; token?: string; expiresAt?: string | null; createdBy?: string | null },
): Promise<{ token: string; info: TokenInfo }> {
  const token = options.token ?? `${options.kind === "api" ? "api" : "scim"}_${randomBytes(32).toString("base64url")}`;
  const row: DbTokenRow = {
    id: randomUUID(),
    org_id: options.orgId,
    kind: options.kind,
    token_hash: hashToken(token),
    label: options.label ?? null,
    created_at: nowIso(),
    revoked_at: null,
    expires_at: options.expiresAt ?? null,
    created_by: options.createdBy ?? null,
  };
  await tx("tokens").insert(row);
  return { token, info: toInfo(row) };
}

/**
 * Stores a token given by configuration (e.g. SCIM_TOKEN) unless its hash is already known. A
 * revocation stands: a revoked token that is still configured is reported, never brought back; so
 * does an expiry (a rotated configured token), reported the same way.
 */
export async function ensureToken(tx: Executor, options: { orgId: string; kind: TokenKind; token: string; label: string }): Promise<"active" | "created" | "revoked"> {
  const hash = hashToken(options.token);
  const existing = await tx<DbTokenRow>("tokens").where({ token_hash: hash }).first();
  if (existing) {
    if (existing.org_id !== options.orgId || existing.kind !== options.kind) {
      throw new Error(`the configured ${options.label} is already registered for another organisation or purpose`);
    }
    return tokenInForce(toInfo(existing), Date.now()) ? "active" : "revoked";
  }
  await createToken(tx, { ...options, createdBy: `env:${options.label}` });
  return "created";
}

/**
 * Finds the organisation a presented token belongs to. The lookup is by hash; the final
 * comparison is constant-time so that nothing about the stored hash leaks through timing.
 */
export async function authenticateToken(tx: Executor, kind: TokenKind, presented: string): Promise<TokenInfo | null> {
  const hash = hashToken(presented);
  const hot = hotRows<DbTokenRow>(tx, HOT.tokenByHash, [hash]);
  const row = hot !== null ? hot[0] : await prepared(tx, "token by hash", tx<DbTokenRow>("tokens").where({ token_hash: hash }).first(...TOKEN_COLUMNS));
  if (!row || row.kind !== kind || !tokenInForce(toInfo(row), Date.now())) return null;
  const same = timingSafeEqual(Buffer.from(row.token_hash, "hex"), Buffer.from(hash, "hex"));
  return same ? toInfo(row) : null;
}

export async function listTokens(tx: Executor, orgId?: string): Promise<TokenInfo[]> {
  const query = tx<DbTokenRow>("tokens").orderBy("created_at");
  if (orgId) query.where({ org_id: orgId });
  return (await query).map(toInfo);
}

export async function countActiveTokens(tx: Executor, orgId: string, kind: TokenKind): Promise<number> {
  const row = await tx("tokens")
    .where({ org_id: orgId, kind })
    .whereNull("revoked_at")
    .where((q) => q.whereNull("expires_at").orWhere("expires_at", ">", nowIso()))
    .count<{ n: number | string }[]>({ n: "*" })
    .first();
  return Number(row?.n ?? 0);
}

/** Revokes by id; returns false when no such token exists. */
export async function revokeToken(tx: Executor, id: string): Promise<boolean> {
  const n = await tx("tokens").where({ id }).whereNull("revoked_at").update({ revoked_at: nowIso() });
  if (n > 0) return true;
  return (await tx("tokens").where({ id }).first()) !== undefined;
}

/** Revokes one of the organisation's tokens of this kind; false when it has no such token. */
export async function revokeOrgToken(tx: Executor, orgId: string, kind: TokenKind, id: string): Promise<boolean> {
  const found = await tx<DbTokenRow>("tokens").where({ id, org_id: orgId, kind }).first("id");
  if (found === undefined) return false;
  await tx("tokens").where({ id }).whereNull("revoked_at").update({ revoked_at: nowIso() });
  return true;
}

/** One of the organisation's tokens of this kind, or null. */
export async function findOrgToken(tx: Executor, orgId: string, kind: TokenKind, id: string, options: { forUpdate?: boolean } = {}): Promise<TokenInfo | null> {
  const query = tx<DbTokenRow>("tokens").where({ id, org_id: orgId, kind }).first();
  // A rotation locks the token it replaces, so a revocation at the same moment waits for it, or wins.
  if (options.forUpdate === true && isPostgres(tx)) query.forUpdate();
  const row = await query;
  return row === undefined ? null : toInfo(row);
}

/** Makes a token expire at `expiresAt` unless it already expires sooner. */
export async function expireTokenBy(tx: Executor, id: string, expiresAt: string): Promise<void> {
  await tx("tokens").where({ id }).where((q) => q.whereNull("expires_at").orWhere("expires_at", ">", expiresAt)).update({ expires_at: expiresAt });
}
