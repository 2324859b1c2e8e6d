/**
 * What the SCIM page shows of each identity provider's connection (each SCIM token): its last
 * request and its recent errors. Recorded when the answer has been sent, so a request never waits
 * for it, and cheaply: a token's last request is written at most once a minute by this process
 * (and, by the upsert's condition, at most once a minute by all replicas together), and its errors
 * at most SCIM_ERRORS_KEPT a minute, which is all the log keeps (db/scim-activity.ts). A failed
 * write is logged and forgotten: the connection's history is not worth a failed request.
 * Requests authenticated by an Entra-issued JWT name no stored token and are not recorded.
 */
import type { RequestHandler, Response } from "express";
import type { Database } from "../db/connection";
import { SCIM_ERRORS_KEPT, type ScimRequestSummary, recordScimError, recordTokenUse } from "../db/scim-activity";
import { orgIdOf, tokenIdOf } from "./auth";
import type { AppLogger } from "./logger";

export const USE_RECORDED_EVERY_MS = 60_000;
/** Tokens remembered for throttling; past it the oldest are forgotten (a write too many, no more). */
const REMEMBERED_TOKENS = 10_000;

export class ScimActivity {
  private readonly lastUse = new Map<string, number>();
  private readonly errorWindows = new Map<string, { start: number; count: number }>();

  constructor(
    private readonly db: Database,
    private readonly logger: Pick<AppLogger, "warn">,
    private readonly now: () => number = Date.now,
  ) {}

  /** Mounted after SCIM authentication: from there on the request has a token to record against. */
  middleware(): RequestHandler {
    return (req, res, next) => {
      const startedAt = this.now();
      res.on("finish", () => this.record(res, req.method, req.originalUrl, startedAt));
      next();
    };
  }

  private record(res: Response, method: string, url: string, startedAt: number): void {
    const tokenId = tokenIdOf(res);
    if (tokenId === null) return;
    const now = this.now();
    const recordUse = now - (this.lastUse.get(tokenId) ?? -Infinity) >= USE_RECORDED_EVERY_MS;
    const recordError = res.statusCode >= 400 && this.errorAllowed(tokenId, now);
    // Most requests record nothing (a token's use once a minute): the summary is built only for a write.
    if (!recordUse && !recordError) return;
    const orgId = orgIdOf(res);
    const request: ScimRequestSummary = { method, path: pathOf(url), status: res.statusCode, at: new Date(startedAt).toISOString() };
    const writes: Array<Promise<void>> = [];
    if (recordUse) {
      remember(this.lastUse, tokenId, now);
      writes.push(recordTokenUse(this.db.knex, { tokenId, orgId, request, notBefore: new Date(now - USE_RECORDED_EVERY_MS).toISOString() }));
    }
    if (recordError) {
      const error = errorOf(res);
      writes.push(recordScimError(this.db.knex, { tokenId, orgId, request, scimType: error.scimType, detail: error.detail }));
    }
    for (const write of writes) write.catch((err: unknown) => this.logger.warn({ err, tokenId }, "SCIM connection activity not recorded"));
  }

  private errorAllowed(tokenId: string, now: number): boolean {
    const window = this.errorWindows.get(tokenId);
    if (window === undefined || now - window.start >= USE_RECORDED_EVERY_MS) {
      remember(this.errorWindows, tokenId, { start: now, count: 1 });
      return true;
    }
    window.count += 1;
    return window.count <= SCIM_ERRORS_KEPT;
  }
}

function remember<V>(map: Map<string, V>, key: string, value: V): void {
  map.delete(key);
  map.set(key, value);
  if (map.size > REMEMBERED_TOKENS) {
    const oldest = map.keys().next();
    if (oldest.done !== true) map.delete(oldest.value);
  }
}

/** The path below /scim/v2, without the query (a filter may carry a userName or an e-mail address), at most 300 characters. */
function pathOf(url: string): string {
  const path = url.split("?")[0] ?? "";
  return (path.replace(/^\/scim\/v2/, "") || "/").slice(0, 300);
}

function errorOf(res: Response): { scimType: string | null; detail: string | null } {
  const recorded: unknown = res.locals.scimError;
  if (typeof recorded !== "object" || recorded === null) return { scimType: null, detail: null };
  const scimType = "scimType" in recorded && typeof recorded.scimType === "string" ? recorded.scimType : null;
  const detail = "detail" in recorded && typeof recorded.detail === "string" ? recorded.detail.slice(0, 500) : null;
  return { scimType, detail };
}
