/**
 * The product-facing API (/api/v1). Permission reads are a primary-key lookup of the permissions
 * materialised in the same transaction as the SCIM write that changed them: fast, never stale.
 * Errors, authentication's included, are rendered by server/api-errors.ts.
 */
import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from "express";
import { readAudit } from "../db/audit";
import type { ChangeFeed } from "../db/change-feed";
import type { Database } from "../db/connection";
import { lastMappingRefusal } from "../db/mapping-refusals";
import { currentMapping } from "../db/mappings";
import { findMemberPermissions } from "../db/permissions";
import { findUser, findUserIdByUserName } from "../db/users";
import {
  AREAS, BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, type EffectivePermissions, LEVELS, NO_ACCESS, closestMatch, isArea, isLevel, levelRank, mappingFromJSON,
  permissionsFromJSON,
} from "../mapping";
import { type MappingPermissionSync, explainUser, isKnownGrant } from "../roles";
import { DEFAULT_INPUT_LIMITS } from "../scim/limits";
import { inspectJsonBody, nulInUrl } from "../scim/raw-input";
import type { Logger } from "../scim/respond";
import { ApiError, apiErrorHandler } from "./api-errors";
import { orgIdOf } from "./auth";
import { type EventHub, streamEvents } from "./events";
import { MEMBER_TABLES, ReadCache } from "./read-cache";

interface MemberRef {
  id: string;
  userName: string;
  active: boolean;
}

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
}

/** The product API's questions are small: a member and what to ask about. */
const BODY_LIMIT = "64kb";

/**
 * A JSON body of at most `limit`, refused before it is parsed when it nests deeper than `maxDepth`
 * or holds a NUL character (scim/raw-input.ts): the same checks as SCIM bodies, rendered as /api errors.
 */
export function apiJsonBody(limit: string, maxDepth: number): RequestHandler {
  return express.json({
    type: () => true,
    limit,
    verify: (_req, _res, raw, encoding) => {
      const problem = inspectJsonBody(raw, encoding, maxDepth);
      if (problem === null) return;
      switch (problem.kind) {
        case "tooDeep":
          throw new ApiError("invalid_request", `The request body nests arrays and objects more than ${problem.maxDepth} levels deep`);
        case "nul":
          throw new ApiError("invalid_request", "The request body contains a NUL character (\\u0000), which no value may hold");
        case "charset":
          throw new ApiError("invalid_request", "The request body's encoding is not supported; send UTF-8 JSON");
      }
    },
  });
}

/** No id or name holds U+0000 (PostgreSQL's text cannot): in the path 404, in the query 400. */
export const refuseNulInUrl: RequestHandler = (req, _res, next) => {
  const nul = nulInUrl(req.originalUrl);
  if (nul === null) return next();
  if (nul.where === "path") return next(new ApiError("not_found", "Not found"));
  next(new ApiError("invalid_request", `The query parameter "${nul.parameter}" contains a NUL character (%00)`));
};

export function apiRouter(deps: ApiDeps): Router {
  const router = Router();
  router.use(deps.authenticate);
  router.use(refuseNulInUrl);
  router.use(apiJsonBody(BODY_LIMIT, deps.maxJsonDepth ?? DEFAULT_INPUT_LIMITS.maxJsonDepth));
  const wrap = (handler: (req: Request, res: Response) => Promise<void>) => (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };

  type Lookup = { id: string } | { userName: string } | { idOrUserName: string };

  type Found = { member: MemberRef; permissions: EffectivePermissions };
  const members = new ReadCache<Found>(deps.changes ?? null, MEMBER_TABLES);

  async function memberWithPermissions(orgId: string, by: Lookup): Promise<Found> {
    const key = "id" in by ? `${orgId}\nid\n${by.id}` : "userName" in by ? `${orgId}\nuserName\n${by.userName}` : `${orgId}\neither\n${by.idOrUserName}`;
    const found = await members.get(key, async () => {
      const row = await findMemberPermissions(deps.db.knex, orgId, by);
      if (!row) return null;
      const permissions = row.permissions === null ? NO_ACCESS : permissionsFromJSON(row.permissions);
      return { member: { id: row.id, userName: row.userName, active: row.active }, permissions };
    });
    if (!found) throw new ApiError("member_not_found", `No member with ${"id" in by ? `id ${by.id}` : "userName" in by ? `userName ${by.userName}` : `id or userName ${by.idOrUserName}`}`);
    return found;
  }

  const body = (member: MemberRef, p: EffectivePermissions) => ({
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

  router.post("/authorize", wrap(async (req, res) => {
    const orgId = orgIdOf(res);
    const input: Record<string, unknown> = typeof req.body === "object" && req.body !== null ? (req.body as Record<string, unknown>) : {};
    if (typeof input.member !== "string" || input.member === "") throw new ApiError("invalid_request", "member must be a member id or userName");
    const { member, permissions } = await memberWithPermissions(orgId, { idOrUserName: input.member });
    await checkVocabulary(orgId, input);
    res.json(decide(member, permissions, input));
  }));

  /** A capability or connector no role, toggle or override could ever grant is a mistake, not a "no". */
  async function checkVocabulary(orgId: string, input: Record<string, unknown>): Promise<void> {
    if (typeof input.area === "string") return;
    if (typeof input.capability === "string" && !(await isKnownGrant(deps.db.knex, deps.sync, orgId, "capability", input.capability))) {
      throw new ApiError("unknown_capability", `Unknown capability "${input.capability}": it is neither built in nor known to this organisation${didYouMean(input.capability, BUILTIN_CAPABILITIES)}`);
    }
    if (typeof input.connector === "string" && !(await isKnownGrant(deps.db.knex, deps.sync, orgId, "connector", input.connector))) {
      throw new ApiError("unknown_connector", `Unknown connector "${input.connector}": it is neither built in nor known to this organisation${didYouMean(input.connector, BUILTIN_CONNECTORS)}`);
    }
  }

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

function didYouMean(input: string, candidates: readonly string[]): string {
  const suggestion = closestMatch(input, candidates);
  return suggestion === null ? "" : `; did you mean "${suggestion}"?`;
}

function decide(member: MemberRef, p: EffectivePermissions, input: Record<string, unknown>): Record<string, unknown> {
  const base = { member, orgRole: p.orgRole };
  if (typeof input.area === "string") {
    if (!isArea(input.area)) throw new ApiError("unknown_area", `Unknown area "${input.area}"; areas are ${AREAS.join(", ")}`);
    const level = input.level === undefined ? "view" : input.level;
    if (!isLevel(level)) throw new ApiError("unknown_level", `level must be one of ${LEVELS.join(", ")}`);
    const granted = p.admin[input.area];
    return { allowed: levelRank(granted) >= levelRank(level), ...base, area: input.area, level, granted };
  }
  if (typeof input.capability === "string") return { allowed: p.capabilities.includes(input.capability), ...base, capability: input.capability };
  if (typeof input.connector === "string") return { allowed: p.connectors.includes(input.connector), ...base, connector: input.connector };
  throw new ApiError("invalid_request", "Ask about one of: area (with level), capability, connector");
}
