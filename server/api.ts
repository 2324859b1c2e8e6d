/**
 * The product-facing API (/api/v1). Permission reads are a primary-key lookup of the permissions
 * materialised in the same transaction as the SCIM write that changed them, at the consistency
 * asked (server/authorize.ts): by default never older than a write acknowledged before the request.
 * Errors, authentication's included, are rendered by server/api-errors.ts.
 */
import { type RequestHandler, Router } from "express";
import { readAudit } from "../db/audit";
import type { ChangeFeed } from "../db/change-feed";
import type { Database } from "../db/connection";
import { lastMappingRefusal } from "../db/mapping-refusals";
import { currentMapping } from "../db/mappings";
import type { MemberLookup } from "../db/permissions";
import { findUser, findUserIdByUserName } from "../db/users";
import { type AuthorizeMember, type EffectivePermissions, mappingFromJSON } from "../mapping";
import { type AuthorizeDeps, AuthorizeError, type FoundMember, type MappingPermissionSync, MemberReader, type MemberSource, SharedRevisionReads, explainUser } from "../roles";
import { jsonBody, refuseNulInUrl } from "../http/body";
import type { Logger } from "../http/logger";
import { asyncRoute } from "../http/route";
import { DEFAULT_INPUT_LIMITS } from "../scim/limits";
import type { UsageCounter } from "./analytics";
import { ApiError, apiErrorHandler } from "./api-errors";
import { orgIdOf } from "./auth";
import { answerAuthorize, apiErrorOf } from "./authorize";
import { type EventHub, streamEvents } from "./events";
import type { Metrics } from "./metrics";
import { MEMBER_TABLES, ReadCache } from "./read-cache";
import { reportRevision } from "./revision-header";

export interface ApiDeps {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  readonly events: EventHub;
  readonly logger: Logger;
  /** Puts the authenticated organisation on the response; runs before any body is read. */
  readonly authenticate: RequestHandler;
  /** Commits heard: members' permissions are then kept in memory while unchanged (server/read-cache.ts). */
  readonly changes?: ChangeFeed | null;
  /** SCIM_MAX_JSON_DEPTH, which applies to /api bodies as to SCIM's. */
  readonly maxJsonDepth?: number;
  /** Counts where authorize's member reads were answered from (memory or the database). */
  readonly metrics?: Metrics;
  /** Usage analytics: authorize's decisions are counted here. */
  readonly usage?: UsageCounter;
}

/** The product API's questions are small: a member and what to ask about. */
const BODY_LIMIT = "64kb";

/**
 * A JSON body of at most `limit`, refused before it is parsed when it nests deeper than `maxDepth`
 * or holds a NUL character: the same checks as SCIM bodies (http/body.ts), rendered as /api errors.
 */
export function apiJsonBody(limit: string, maxDepth: number): RequestHandler {
  return jsonBody({ limit, maxDepth, strict: true });
}

/** Counts authorize's member reads by source, with the two label sets bound once rather than hashed per read. */
function memberReadCounter(metrics: Metrics): (source: MemberSource) => void {
  const cache = metrics.memberReads.labels({ source: "cache" });
  const database = metrics.memberReads.labels({ source: "database" });
  return (source) => (source === "cache" ? cache : database).inc();
}

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(deps.authenticate);
  router.use(refuseNulInUrl);
  router.use(apiJsonBody(BODY_LIMIT, deps.maxJsonDepth ?? DEFAULT_INPUT_LIMITS.maxJsonDepth));
  const wrap = asyncRoute;

  const members = new ReadCache<FoundMember>(deps.changes ?? null, MEMBER_TABLES);
  const usage = deps.usage;
  const authorizeDeps: AuthorizeDeps = {
    db: deps.db,
    sync: deps.sync,
    members,
    revisions: new SharedRevisionReads(deps.db),
    ...(deps.metrics ? { counted: memberReadCounter(deps.metrics) } : {}),
    ...(usage
      ? { decided: (orgId, q, allowed) => usage.decided(orgId, q.kind, q.kind === "area" ? q.area : q.kind === "capability" ? q.capability : q.connector, allowed) }
      : {}),
  };

  // Before the write steps: authorize only reads, so it has no revision of its own to report.
  router.post("/authorize", wrap(async (req, res) => {
    res.json(await answerAuthorize(authorizeDeps, orgIdOf(res), req.body));
  }));

  router.use(reportRevision());

  /** A member's permissions as of every write acknowledged before the request ("full" consistency). */
  async function memberWithPermissions(orgId: string, by: MemberLookup): Promise<FoundMember> {
    try {
      return await new MemberReader(authorizeDeps, orgId, { mode: "full" }).find(by);
    } catch (err) {
      throw err instanceof AuthorizeError ? apiErrorOf(err) : err;
    }
  }

  const body = (member: AuthorizeMember, p: EffectivePermissions) => ({
    member,
    orgRole: p.orgRole,
    admin: p.admin,
    capabilities: p.capabilities,
    connectors: p.connectors,
    roles: p.roles,
  });

  router.get("/members/permissions", wrap(async (req, res) => {
    const userName = req.query.userName;
    if (typeof userName !== "string" || userName === "") throw new ApiError("invalid_request", "userName query parameter is required");
    const { member, permissions } = await memberWithPermissions(orgIdOf(res), { userName });
    res.json(body(member, permissions));
  }));

  router.get("/members/:id/permissions", wrap(async (req, res) => {
    const { member, permissions } = await memberWithPermissions(orgIdOf(res), { id: req.params.id ?? "" });
    res.json(body(member, permissions));
  }));

  router.get("/members/:id/permissions/explain", wrap(async (req, res) => {
    const orgId = orgIdOf(res);
    const { member } = await memberWithPermissions(orgId, { id: req.params.id ?? "" });
    const explanation = await explainUser(deps.db, deps.sync, orgId, member.id);
    if (!explanation) throw new ApiError("member_not_found", `No member with id ${member.id}`);
    res.json({ ...explanation, member });
  }));

  router.get("/mapping", wrap(async (_req, res) => {
    const orgId = orgIdOf(res);
    const current = await currentMapping(deps.db.knex, orgId);
    const refusal = await lastMappingRefusal(deps.db.knex, orgId);
    const inForce = current
      ? { version: current.version, hash: current.hash, appliedAt: current.appliedAt, appliedBy: current.appliedBy, source: current.sourceName }
      : { version: null, hash: null, appliedAt: null, appliedBy: null, source: null };
    // The facts of the version in force stand at the top for a quick look, and again with the
    // mapping itself under `mapping` (null while none was ever applied).
    res.json({ ...inForce, mapping: current ? { ...inForce, mapping: mappingFromJSON(current.mapping) } : null, lastRefused: refusal });
  }));

  router.get("/audit", wrap(async (req, res) => {
    const orgId = orgIdOf(res);
    const limit = Math.min(Math.max(Number(req.query.limit ?? 100) || 100, 1), 1000);
    const member = typeof req.query.member === "string" && req.query.member !== "" ? req.query.member : undefined;
    let userId: string | undefined;
    if (member !== undefined) {
      userId = (await findUser(deps.db.knex, orgId, member))?.id ?? (await findUserIdByUserName(deps.db.knex, orgId, member)) ?? member;
    }
    const entries = await readAudit(deps.db.knex, orgId, { limit, ...(userId ? { userId } : {}) });
    res.json({ entries: entries.map((e) => ({ member: { id: e.userId, userName: e.userName }, before: e.before, after: e.after, cause: e.cause, actor: e.actor, at: e.at })) });
  }));

  router.get("/events", wrap(async (req, res) => streamEvents(deps.events, orgIdOf(res), req, res)));

  router.use((_req, _res, next) => next(new ApiError("not_found", "No such API endpoint")));
  router.use(apiErrorHandler(deps.logger));
  return router;
}

