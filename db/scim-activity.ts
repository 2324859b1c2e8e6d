/**
 * How each SCIM token (each identity provider's connection) is used: its last request, written at
 * most once a minute per token, and its recent errors, a bounded log of the newest
 * SCIM_ERRORS_KEPT per token. Both are written after the request was answered (server/scim-activity.ts).
 */
import type { Executor } from "./connection";
import type { DbScimErrorRow, DbTokenUsageRow } from "./tables";

/** The newest errors kept per token; older ones are deleted as new ones arrive. */
export const SCIM_ERRORS_KEPT = 50;

export interface ScimRequestSummary {
  readonly method: string;
  /** The path below /scim/v2, never its query (a filter may hold a userName). */
  readonly path: string;
  readonly status: number;
  readonly at: string;
}

export interface TokenUsage {
  readonly tokenId: string;
  readonly lastRequest: ScimRequestSummary;
}

export interface ScimErrorEntry extends ScimRequestSummary {
  readonly seq: number;
  readonly tokenId: string;
  readonly scimType: string | null;
  /** The error's own words (the SCIM `detail`), cut to 500 characters. */
  readonly detail: string | null;
}

/**
 * Records the token's latest request unless one was recorded since `notBefore`: an upsert whose
 * update is conditional, so replicas together write at most once per token per interval.
 */
export async function recordTokenUse(tx: Executor, usage: { tokenId: string; orgId: string; request: ScimRequestSummary; notBefore: string }): Promise<void> {
  const row: DbTokenUsageRow = {
    token_id: usage.tokenId,
    org_id: usage.orgId,
    last_used_at: usage.request.at,
    last_method: usage.request.method,
    last_path: usage.request.path,
    last_status: usage.request.status,
  };
  await tx<DbTokenUsageRow>("token_usage")
    .insert(row)
    .onConflict("token_id")
    .merge(["last_used_at", "last_method", "last_path", "last_status"])
    .where("token_usage.last_used_at", "<", usage.notBefore);
}

/** Appends one error and deletes the token's errors older than the newest SCIM_ERRORS_KEPT. */
export async function recordScimError(tx: Executor, error: { tokenId: string; orgId: string; request: ScimRequestSummary; scimType: string | null; detail: string | null }): Promise<void> {
  await tx("scim_errors").insert({
    token_id: error.tokenId,
    org_id: error.orgId,
    status: error.request.status,
    scim_type: error.scimType,
    method: error.request.method,
    path: error.request.path,
    detail: error.detail,
    at: error.request.at,
  });
  const oldestKept = tx("scim_errors").where({ token_id: error.tokenId }).orderBy("seq", "desc").offset(SCIM_ERRORS_KEPT - 1).limit(1).select("seq");
  await tx("scim_errors").where({ token_id: error.tokenId }).where("seq", "<", oldestKept).delete();
}

/** The last recorded request of each of the organisation's tokens that has one. */
export async function listTokenUsage(tx: Executor, orgId: string): Promise<Map<string, ScimRequestSummary>> {
  const rows = await tx<DbTokenUsageRow>("token_usage").where({ org_id: orgId });
  return new Map(rows.map((r) => [r.token_id, { method: r.last_method, path: r.last_path, status: Number(r.last_status), at: r.last_used_at }]));
}

/** How many errors each of the organisation's tokens has in the log (at most SCIM_ERRORS_KEPT each). */
export async function countScimErrors(tx: Executor, orgId: string): Promise<Map<string, number>> {
  const rows: Array<{ token_id: string; n: number | string }> = await tx("scim_errors").where({ org_id: orgId }).groupBy("token_id").select("token_id").count({ n: "*" });
  return new Map(rows.map((r) => [r.token_id, Number(r.n)]));
}

/** The token's recent errors, newest first (at most SCIM_ERRORS_KEPT). */
export async function readScimErrors(tx: Executor, orgId: string, tokenId: string): Promise<ScimErrorEntry[]> {
  const rows = await tx<DbScimErrorRow>("scim_errors").where({ org_id: orgId, token_id: tokenId }).orderBy("seq", "desc").limit(SCIM_ERRORS_KEPT);
  return rows.map((r) => ({
    seq: Number(r.seq),
    tokenId: r.token_id,
    status: Number(r.status),
    scimType: r.scim_type,
    method: r.method,
    path: r.path,
    detail: r.detail,
    at: r.at,
  }));
}
