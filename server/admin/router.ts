/**
 * /api/v1/admin: role administration by the members themselves, for the console and scripts. Each
 * route reads its input, calls one use case of roles/admin (which checks the policy, the If-Match,
 * the file that may manage the mapping and the lock-out), and answers JSON; errors are rendered by
 * server/api-errors.ts as `{ error: { code, message, … } }`.
 */
import { type Request, type Response, Router } from "express";
import type { Database } from "../../db/connection";
import type { TokenInfo } from "../../db/tokens";
import { type MappingEdit, isObject, roleDocument, ruleDocument } from "../../mapping";
import type { MappingPermissionSync } from "../../roles";
import * as admin from "../../roles/admin";
import type { Logger } from "../../http/logger";
import { DEFAULT_INPUT_LIMITS } from "../../scim/limits";
import { refuseNulInUrl } from "../../http/body";
import { apiJsonBody } from "../api";
import { ApiError, apiErrorHandler } from "../api-errors";
import { GroupNameRequest, NewScimTokenRequest, PrimaryOwnerRequest, RotationRequest } from "../openapi/requests";
import { validBody } from "../openapi/validate";
import type { Static } from "@sinclair/typebox";
import { type EventHub, streamEvents } from "../events";
import type { ParseMappingText } from "../mapping-parser";
import { reportRevision } from "../revision-header";
import type { MemberTokens } from "../oidc/member-tokens";
import type { ProductSections } from "../console-sections";
import { addAccessRoutes, meAnswer } from "./access-routes";
import { analyticsRoutes } from "./analytics-routes";
import { decodeAuditPage } from "./audit-entries";
import { type SessionReader, actorOf, authenticateAgain, authenticateMember } from "./auth";
import { addPrivacyRoutes } from "./privacy-routes";
import { type IdentityRouteOptions, defaultIdentityOptions, identityRoutes } from "./identity-routes";
import { addMemberRoutes } from "./member-routes";
import { body, mappingEtag, pageLimit, positiveInteger, query, queryOrgRole, readIfMatch, textField } from "./http";
import { asyncRoute } from "../../http/route";

export interface AdminRouterDeps {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  /** Parses edited mappings off the event loop (server/mapping-parser.ts); absent: in this thread. */
  readonly parseMapping?: ParseMappingText;
  readonly logger: Logger;
  /** The outbox's Server-Sent Events, for the console's live pages. */
  readonly events: EventHub;
  /** SCIM_MAX_JSON_DEPTH, which applies to admin bodies as to SCIM's. */
  readonly maxJsonDepth?: number;
  readonly tokens: MemberTokens;
  /** The console's session cookie reader (absent: bearer tokens only). */
  readonly sessions?: SessionReader;
  /** The retention the environment sets where an organisation sets none (EVENT_RETENTION_DAYS). */
  readonly privacyDefaults?: admin.PrivacyDefaults;
  /** The product's own sections (CONSOLE_SECTIONS), listed in `GET /me` by the member's level. */
  readonly productSections?: ProductSections;
  /** Single sign-on, SCIM connections and session limits (identity-routes.ts); absent: no environment-set sign-in, public issuers only, no console. */
  readonly identity?: IdentityRouteOptions;
}

/** EVENT_RETENTION_DAYS's default, where the server's configuration is not given. */
const DEFAULT_PRIVACY: admin.PrivacyDefaults = { eventDays: 7 };

/** Mapping documents are small; a megabyte holds thousands of roles and rules. */
const BODY_LIMIT = "1mb";

export function adminRouter(deps: AdminRouterDeps): Router {
  const router = Router();
  const use: admin.AdminDeps = { db: deps.db, sync: deps.sync, ...(deps.parseMapping ? { parse: deps.parseMapping } : {}) };
  router.use(authenticateMember(deps));
  router.use(refuseNulInUrl);
  router.use(apiJsonBody(BODY_LIMIT, deps.maxJsonDepth ?? DEFAULT_INPUT_LIMITS.maxJsonDepth));
  router.use(reportRevision({ inBody: true }));
  const route = asyncRoute;

  /** Applies a mapping edit and answers with the new version (its ETag too). */
  const edit = async (req: Request, res: Response, change: MappingEdit, action: string, target: string | null, status = 200, extra: (o: admin.EditOutcome) => Record<string, unknown> = () => ({})) => {
    const outcome = await admin.editMapping(use, actorOf(res), change, { ifMatch: readIfMatch(req), action, target });
    res.setHeader("ETag", mappingEtag(outcome.version));
    res.status(outcome.unchanged ? 200 : status).json({
      version: outcome.version,
      hash: outcome.hash,
      unchanged: outcome.unchanged,
      changedMembers: outcome.changedMembers,
      changes: outcome.changes.map((c) => ({ ...c.change, action: c.action, description: c.description })),
      warnings: outcome.warnings,
      ...extra(outcome),
    });
  };

  router.get("/me", route(async (_req, res) => {
    res.json(await meAnswer(use, res, deps.productSections ?? []));
  }));

  // The organisation's permissions.changed events, as GET /api/v1/events streams them, for role
  // readers. The stream lasts no longer than the right to open it: at every heartbeat the member is
  // asked for again, and the stream ends once their token expired, their session ended, they may no
  // longer sign in, or they may no longer read roles.
  router.get("/events", route(async (req, res) => {
    const actor = actorOf(res);
    admin.authorizeEventStream(actor);
    await streamEvents(deps.events, actor.orgId, req, res);
    endWhenRefused(res, deps.events.limits.heartbeatMs, async () => admin.authorizeEventStream(await authenticateAgain(deps, req, res)));
  }));

  // The mapping: the document a mapping file holds, versioned; every write needs If-Match.
  router.get("/mapping", route(async (_req, res) => {
    const view = await admin.readMapping(use, actorOf(res));
    res.setHeader("ETag", mappingEtag(view.version));
    res.json(view);
  }));
  router.put("/mapping", route(async (req, res) => edit(req, res, { kind: "replace", document: body(req) }, "mapping.replace", null)));
  // Counts for every member, a page of the members who change (`limit`, `cursor`), bounded parts
  // and warnings: the answer stays under PLAN_ANSWER_MAX_BYTES (README, "Limits").
  router.post("/mapping/plan", route(async (req, res) => {
    const cursor = query(req, "cursor");
    const outcome = await admin.planEdit(use, actorOf(res), proposedEdit(body(req)), { limit: pageLimit(req), ...(cursor === undefined ? {} : { cursor }) });
    const { next: _next, ...plan } = outcome.plan;
    res.json({
      ...plan,
      nextCursor: outcome.nextCursor,
      parts: outcome.changes.map((c) => ({ ...c.change, action: c.action, description: c.description })),
      partsCount: outcome.changesCount,
      refusal: outcome.refusal === null ? null : { code: outcome.refusal.rule, message: outcome.refusal.message },
      validationWarnings: outcome.warnings,
      validationWarningsCount: outcome.warningsCount,
    });
  }));
  router.get("/mapping/versions", route(async (req, res) => {
    const before = query(req, "cursor");
    const limit = pageLimit(req);
    const versions = await admin.listVersions(use, actorOf(res), { limit, ...(before === undefined ? {} : { before: positiveInteger(before, "cursor") }) });
    const last = versions[versions.length - 1];
    res.json({ versions, nextCursor: versions.length === limit && last !== undefined ? String(last.version) : null });
  }));
  router.get("/mapping/versions/:version", route(async (req, res) => {
    const { mapping: _mapping, ...version } = await admin.readVersion(use, actorOf(res), positiveInteger(req.params.version, "version"));
    res.json(version);
  }));
  router.get("/mapping/versions/:version/diff", route(async (req, res) => {
    const to = positiveInteger(req.params.version, "version");
    const fromText = query(req, "from");
    const from = fromText === undefined ? to - 1 : positiveInteger(fromText, "from");
    const changes = await admin.diffVersions(use, actorOf(res), from, to);
    res.json({ from, to, changes: changes.map((c) => ({ ...c.change, action: c.action, description: c.description })) });
  }));
  router.post("/mapping/rollback", route(async (req, res) => {
    const to = positiveInteger(body(req)["version"], "version");
    const outcome = await admin.rollbackMapping(use, actorOf(res), to, readIfMatch(req));
    res.setHeader("ETag", mappingEtag(outcome.version));
    res.json({ version: outcome.version, hash: outcome.hash, unchanged: outcome.unchanged, changedMembers: outcome.changedMembers, rolledBackTo: to });
  }));

  // Fine-grained edits, each a new version with the same guard and If-Match.
  router.get("/roles", route(async (_req, res) => {
    res.json({ roles: await admin.listRoles(use, actorOf(res)) });
  }));
  router.put("/roles/:name", route(async (req, res) => {
    const name = req.params.name ?? "";
    await edit(req, res, { kind: "put_role", name, role: body(req) }, "role.put", name, 200, (o) => ({ role: roleOf(o, name) }));
  }));
  router.delete("/roles/:name", route(async (req, res) => {
    const name = req.params.name ?? "";
    await edit(req, res, { kind: "delete_role", name }, "role.delete", name);
  }));
  router.post("/rules", route(async (req, res) => {
    const rule = body(req);
    await edit(req, res, { kind: "add_rule", rule }, "rule.add", typeof rule["id"] === "string" ? rule["id"] : null, 201, (o) => {
      const added = o.mapping.rules[o.mapping.rules.length - 1];
      return { rule: added === undefined ? null : ruleDocument(added) };
    });
  }));
  router.delete("/rules/:ruleId", route(async (req, res) => {
    const ruleId = req.params.ruleId ?? "";
    await edit(req, res, { kind: "delete_rule", ruleId }, "rule.delete", ruleId);
  }));
  router.put("/org", route(async (req, res) => edit(req, res, { kind: "set_org", org: body(req) }, "org.set", null)));
  router.put("/standard-roles/:role", route(async (req, res) => {
    const role = req.params.role;
    if (role !== "admin" && role !== "user") throw new ApiError("not_found", "Standard roles with levels are admin and user (owners manage everything)");
    await edit(req, res, { kind: "set_standard_role", role, levels: body(req) }, "standard_role.set", role);
  }));
  router.put("/primary-owner", route(async (req, res) => {
    const { userName } = validBody(req, PrimaryOwnerRequest);
    await edit(req, res, { kind: "set_primary_owner", userName }, "primary_owner.set", userName);
  }));

  // Groups: the IdP's (read-only here) and manual ones.
  router.get("/groups", route(async (req, res) => {
    const source = query(req, "source");
    if (source !== undefined && source !== "scim" && source !== "manual") throw new ApiError("invalid_request", "source must be scim or manual");
    const q = query(req, "q");
    const cursor = query(req, "cursor");
    res.json(await admin.listGroups(use, actorOf(res), { limit: pageLimit(req), ...(source === undefined ? {} : { source }), ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) }));
  }));
  router.post("/groups", route(async (req, res) => {
    const group = await admin.createManualGroup(use, actorOf(res), validBody(req, GroupNameRequest).displayName);
    res.status(201).json({ id: group.id, displayName: group.displayName, source: group.source, memberCount: 0, created: group.created });
  }));
  router.get("/groups/:id", route(async (req, res) => {
    res.json(await admin.readGroup(use, actorOf(res), req.params.id ?? ""));
  }));
  router.patch("/groups/:id", route(async (req, res) => {
    const group = await admin.renameManualGroup(use, actorOf(res), req.params.id ?? "", validBody(req, GroupNameRequest).displayName);
    res.json({ id: group.id, displayName: group.displayName, source: group.source, created: group.created });
  }));
  router.delete("/groups/:id", route(async (req, res) => {
    await admin.deleteManualGroup(use, actorOf(res), req.params.id ?? "");
    res.status(204).end();
  }));
  router.get("/groups/:id/members", route(async (req, res) => {
    res.json(await admin.listMemberPage(use, actorOf(res), { ...memberQuery(req), groupId: req.params.id ?? "" }));
  }));
  router.put("/groups/:id/members/:userId", route(async (req, res) => {
    res.json(await admin.addGroupMember(use, actorOf(res), req.params.id ?? "", req.params.userId ?? ""));
  }));
  router.delete("/groups/:id/members/:userId", route(async (req, res) => {
    res.json(await admin.removeGroupMember(use, actorOf(res), req.params.id ?? "", req.params.userId ?? ""));
  }));

  // The SCIM connection's tokens (the plain token is in the answer once, never again).
  router.get("/scim-tokens", route(async (_req, res) => {
    res.json({ tokens: (await admin.listScimConnections(use, actorOf(res))).map((t) => ({ ...tokenBody(t), lastRequest: t.lastRequest, recentErrors: t.recentErrors })) });
  }));
  router.post("/scim-tokens", route(async (req, res) => {
    const created = await admin.createScimToken(use, actorOf(res), newToken(validBody(req, NewScimTokenRequest)));
    res.status(201).json({ token: created.token, ...tokenBody(created.info) });
  }));
  router.post("/scim-tokens/:id/rotate", route(async (req, res) => {
    const input = validBody(req, RotationRequest);
    const rotated = await admin.rotateScimToken(use, actorOf(res), req.params.id ?? "", { ...newToken(input), overlapSeconds: input.overlapSeconds ?? null });
    res.status(201).json({ token: rotated.token, ...tokenBody(rotated.info), replaced: tokenBody(rotated.replaced) });
  }));
  router.delete("/scim-tokens/:id", route(async (req, res) => {
    await admin.revokeScimToken(use, actorOf(res), req.params.id ?? "");
    res.status(204).end();
  }));

  // Members and the logs.
  router.get("/members", route(async (req, res) => {
    res.json(await admin.listMemberPage(use, actorOf(res), memberQuery(req)));
  }));
  router.get("/members/:id", route(async (req, res) => {
    res.json(await admin.memberDetail(use, actorOf(res), req.params.id ?? ""));
  }));
  router.get("/audit", route(async (req, res) => {
    const [member, actor, cursor] = [query(req, "member"), query(req, "actor"), query(req, "cursor")];
    res.json(decodeAuditPage(await admin.readAuditPage(use, actorOf(res), {
      limit: pageLimit(req),
      ...(member === undefined ? {} : { member }),
      ...(actor === undefined ? {} : { actor }),
      ...(cursor === undefined ? {} : { cursor }),
    })));
  }));
  router.get("/actions", route(async (req, res) => {
    const [actor, cursor] = [query(req, "actor"), query(req, "cursor")];
    res.json(await admin.readAdminLog(use, actorOf(res), { limit: pageLimit(req), ...(actor === undefined ? {} : { actor }), ...(cursor === undefined ? {} : { cursor }) }));
  }));

  addPrivacyRoutes(router, use, deps.privacyDefaults ?? DEFAULT_PRIVACY);
  addAccessRoutes(router, { use });
  identityRoutes(router, use, deps.identity ?? defaultIdentityOptions());
  addMemberRoutes(router, use);
  analyticsRoutes(router, use);

  router.use((_req, _res, next) => next(new ApiError("not_found", "No such admin endpoint")));
  router.use(apiErrorHandler(deps.logger));
  return router;
}

function memberQuery(req: Request): admin.MemberQuery {
  const [q, role, cursor, orgRole] = [query(req, "q"), query(req, "role"), query(req, "cursor"), queryOrgRole(req)];
  return {
    limit: pageLimit(req),
    ...(q === undefined ? {} : { q }),
    ...(role === undefined ? {} : { role }),
    ...(orgRole === undefined ? {} : { orgRole }),
    ...(cursor === undefined ? {} : { cursor }),
  };
}

/** A plan's proposal: `{ document }` (a whole mapping) or `{ change }` (one fine-grained edit). */
function proposedEdit(input: Record<string, unknown>): MappingEdit {
  if (isObject(input["document"])) return { kind: "replace", document: input["document"] };
  const change = input["change"];
  if (!isObject(change)) throw new ApiError("invalid_request", "Propose { document } or { change: { kind, … } }");
  const text = (name: string): string => textField(change, name);
  switch (change["kind"]) {
    case "put_role":
      return { kind: "put_role", name: text("name"), role: change["role"] };
    case "delete_role":
      return { kind: "delete_role", name: text("name") };
    case "add_rule":
      return { kind: "add_rule", rule: change["rule"] };
    case "delete_rule":
      return { kind: "delete_rule", ruleId: text("ruleId") };
    case "set_org":
      return { kind: "set_org", org: change["org"] };
    case "set_standard_role": {
      const role = change["role"];
      if (role !== "admin" && role !== "user") throw new ApiError("invalid_request", "change.role must be admin or user");
      return { kind: "set_standard_role", role, levels: change["levels"] };
    }
    case "set_primary_owner":
      return { kind: "set_primary_owner", userName: text("userName") };
    default:
      throw new ApiError("invalid_request", "change.kind must be put_role, delete_role, add_rule, delete_rule, set_org, set_standard_role or set_primary_owner");
  }
}

function tokenBody(token: TokenInfo): Record<string, unknown> {
  return { id: token.id, label: token.label, createdBy: token.createdBy, createdAt: token.createdAt, revokedAt: token.revokedAt, expiresAt: token.expiresAt };
}

function newToken(input: Static<typeof NewScimTokenRequest>): admin.NewToken {
  return { label: input.label ?? null, expiresAt: input.expiresAt ?? null };
}

function roleOf(outcome: admin.EditOutcome, name: string): Record<string, unknown> | null {
  const role = outcome.mapping.roles.find((r) => r.name === name);
  return role === undefined ? null : { name: role.name, ...roleDocument(role) };
}

/**
 * Runs `check` every `everyMs` while the response is open and cuts it once the check refuses (401,
 * 403): the client reconnects, and is refused. Cut, not ended: the stream may still be writing, and
 * a write after `end` would throw. A check that fails otherwise (the database or the issuer not
 * answering) leaves the stream open: the next one asks again.
 */
function endWhenRefused(res: Response, everyMs: number, check: () => Promise<void>): void {
  if (res.writableEnded || res.destroyed) return;
  let checking = false;
  const timer = setInterval(() => {
    if (checking) return;
    checking = true;
    check()
      .catch((err: unknown) => {
        if (!isRefusal(err)) return;
        clearInterval(timer);
        res.destroy();
      })
      .finally(() => {
        checking = false;
      });
  }, everyMs);
  timer.unref();
  res.on("close", () => clearInterval(timer));
}

function isRefusal(err: unknown): boolean {
  return err instanceof admin.AdminError || (err instanceof ApiError && (err.status === 401 || err.status === 403));
}
