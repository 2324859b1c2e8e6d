import { randomUUID } from "node:crypto";
import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from "express";
import type { Database } from "../db/connection";
import type { PermissionSync, ScimContext, ScimLimits } from "./context";
import { discoveryRouter } from "./discovery";
import { runBulk } from "./bulk";
import { methodNotAllowed, notFound, notImplemented } from "./errors";
import { etagOf, matchesIfNoneMatch } from "./etag";
import * as groups from "./groups";
import { writeGroupJson } from "./group-stream";
import { applyProjection, parseProjection, wantsAttribute } from "./projection";
import { type Logger, SCIM_CONTENT_TYPE, send, sendError, toScimError, write } from "./respond";
import { isObject } from "./json";
import { LIST_RESPONSE } from "./schemas";
import type { ListRequest } from "./list-params";
import * as users from "./users";
import { type RootSearchPage, searchAll } from "./search";

export interface ScimRouterDeps {
  readonly db: Database;
  readonly sync: PermissionSync;
  readonly limits: ScimLimits;
  readonly logger: Logger;
  /** Resolves the organisation of an authenticated request (set by the server's auth middleware). */
  readonly orgIdOf: (req: Request) => string;
}

type Handler = (req: Request, res: Response, ctx: ScimContext) => Promise<void>;

/** Request bodies are JSON whatever the Content-Type says (IDP-CLIENTS.md quirk 14: Okta's spec test sends none). */
export function scimJsonBody(limitBytes: number): RequestHandler {
  return express.json({ type: () => true, limit: limitBytes, strict: false });
}

export function scimRouter(deps: ScimRouterDeps): Router {
  const router = Router();

  const contextOf = (req: Request): ScimContext => ({
    db: deps.db,
    orgId: deps.orgIdOf(req),
    requestId: requestIdOf(req),
    method: req.method,
    path: req.originalUrl.split("?")[0] ?? req.originalUrl,
    baseUrl: `${req.protocol}://${req.get("host") ?? "localhost"}${req.baseUrl}`,
    sync: deps.sync,
    limits: deps.limits,
  });

  const route = (handler: Handler): RequestHandler => (req, res, next) => {
    handler(req, res, contextOf(req)).catch(next);
  };

  const query = (req: Request): ListRequest => req.query as ListRequest;
  const searchBody = (req: Request): ListRequest => (isObject(req.body) ? (req.body as ListRequest) : {});
  const ifMatch = (req: Request): string | undefined => req.get("if-match");
  const idOf = (req: Request): string => req.params.id ?? "";

  // Users (RFC 7644 §3.3–3.6)
  router.get("/Users", route(async (req, res, ctx) => send(res, 200, listResponse(await users.listUsers(ctx, query(req))))));
  router.post("/Users/.search", route(async (req, res, ctx) => send(res, 200, listResponse(await users.listUsers(ctx, searchBody(req))))));
  router.post("/Users", route(async (req, res, ctx) => {
    const user = await users.createUser(ctx, req.body);
    send(res, 201, user.resource, { version: user.version, location: `${ctx.baseUrl}/Users/${user.id}` });
  }));
  router.get("/Users/:id", route(async (req, res, ctx) => {
    const user = await users.getUser(ctx, idOf(req), parseProjection("User", req.query.attributes, req.query.excludedAttributes));
    if (notModified(req, res, user.version)) return;
    send(res, 200, user.resource, { version: user.version, location: `${ctx.baseUrl}/Users/${user.id}` });
  }));
  router.put("/Users/:id", route(async (req, res, ctx) => {
    const user = await users.replaceUser(ctx, idOf(req), req.body, ifMatch(req));
    send(res, 200, user.resource, { version: user.version, location: `${ctx.baseUrl}/Users/${user.id}` });
  }));
  router.patch("/Users/:id", route(async (req, res, ctx) => {
    const user = await users.patchUser(ctx, idOf(req), req.body, ifMatch(req));
    const projection = parseProjection("User", req.query.attributes, req.query.excludedAttributes);
    send(res, 200, applyProjection(user.resource, projection), { version: user.version, location: `${ctx.baseUrl}/Users/${user.id}` });
  }));
  router.delete("/Users/:id", route(async (req, res, ctx) => {
    await users.deleteUser(ctx, idOf(req), ifMatch(req));
    res.status(204).end();
  }));

  // Groups
  router.get("/Groups", route(async (req, res, ctx) => streamGroupList(res, ctx, await groups.listGroups(ctx, query(req)))));
  router.post("/Groups/.search", route(async (req, res, ctx) => streamGroupList(res, ctx, await groups.listGroups(ctx, searchBody(req)))));
  router.post("/Groups", route(async (req, res, ctx) => {
    const group = await groups.createGroup(ctx, req.body);
    await streamGroup(res, ctx, 201, group);
  }));
  router.get("/Groups/:id", route(async (req, res, ctx) => {
    const group = await groups.getGroup(ctx, idOf(req), parseProjection("Group", req.query.attributes, req.query.excludedAttributes));
    if (notModified(req, res, group.version)) return;
    await streamGroup(res, ctx, 200, group);
  }));
  router.put("/Groups/:id", route(async (req, res, ctx) => {
    const group = await groups.replaceGroup(ctx, idOf(req), req.body, ifMatch(req));
    await streamGroup(res, ctx, 200, { ...group, ...projected(req, group) });
  }));
  router.patch("/Groups/:id", route(async (req, res, ctx) => {
    const group = await groups.patchGroup(ctx, idOf(req), req.body, ifMatch(req));
    // RFC 7644 §3.5.2 allows 204; Entra recommends it, Okta accepts it, and it spares
    // serialising a large member list that the client did not ask for.
    if (req.query.attributes === undefined) {
      res.status(204).setHeader("ETag", etagOf(group.version));
      res.end();
      return;
    }
    await streamGroup(res, ctx, 200, { ...group, ...projected(req, group) });
  }));
  router.delete("/Groups/:id", route(async (req, res, ctx) => {
    await groups.deleteGroup(ctx, idOf(req), ifMatch(req));
    res.status(204).end();
  }));

  router.post("/.search", route(async (req, res, ctx) => streamRootSearch(res, ctx, await searchAll(ctx, searchBody(req)))));
  router.post("/Bulk", route(async (req, res, ctx) => send(res, 200, await runBulk(ctx, req.body, deps.logger))));
  router.get("/Me", route(async () => {
    throw notImplemented("/Me is not supported: tokens authenticate an identity provider, not a user");
  }));

  router.use(discoveryRouter());

  for (const path of ["/Users", "/Users/:id", "/Groups", "/Groups/:id", "/Bulk", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]) {
    router.all(path, (req, _res, next) => next(methodNotAllowed(`${req.method} is not supported on ${req.path}`)));
  }
  router.use((req, _res, next) => next(notFound(`No SCIM endpoint at ${req.path}`)));
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toScimError(err, deps.logger, requestIdOf(req)));
  });
  return router;

  function projected(req: Request, group: groups.RenderedGroup): Partial<groups.RenderedGroup> {
    const projection = parseProjection("Group", req.query.attributes, req.query.excludedAttributes);
    return { head: applyProjection(group.head, projection), includeMembers: wantsAttribute(projection, "members") };
  }

  async function streamGroup(res: Response, ctx: ScimContext, status: number, group: groups.RenderedGroup): Promise<void> {
    res.status(status).type(SCIM_CONTENT_TYPE).setHeader("ETag", etagOf(group.version));
    res.setHeader("Location", `${ctx.baseUrl}/Groups/${group.id}`);
    await writeGroupJson(res, ctx.db.knex, group, ctx.baseUrl);
    res.end();
  }

  async function streamGroupList(res: Response, ctx: ScimContext, page: groups.GroupListPage): Promise<void> {
    await streamListResponse(res, ctx, { totalResults: page.totalResults, startIndex: page.startIndex, resources: [], groups: page.groups });
  }

  async function streamRootSearch(res: Response, ctx: ScimContext, page: RootSearchPage): Promise<void> {
    await streamListResponse(res, ctx, { totalResults: page.totalResults, startIndex: page.startIndex, resources: page.users, groups: page.groups });
  }

  /** A ListResponse whose Groups stream their members (see scim/group-stream.ts). */
  async function streamListResponse(
    res: Response,
    ctx: ScimContext,
    page: { totalResults: number; startIndex: number; resources: readonly object[]; groups: readonly groups.RenderedGroup[] },
  ): Promise<void> {
    res.status(200).type(SCIM_CONTENT_TYPE);
    const head = { schemas: [LIST_RESPONSE], totalResults: page.totalResults, startIndex: page.startIndex, itemsPerPage: page.resources.length + page.groups.length };
    await write(res, `${JSON.stringify(head).slice(0, -1)},"Resources":[`);
    let first = true;
    for (const resource of page.resources) {
      await write(res, (first ? "" : ",") + JSON.stringify(resource));
      first = false;
    }
    for (const group of page.groups) {
      if (!first) await write(res, ",");
      first = false;
      await writeGroupJson(res, ctx.db.knex, group, ctx.baseUrl);
    }
    await write(res, "]}");
    res.end();
  }
}

/** `If-None-Match` naming the current version → 304 with no body (RFC 7644 §3.14). */
function notModified(req: Request, res: Response, version: number): boolean {
  if (!matchesIfNoneMatch(req.get("if-none-match"), version)) return false;
  res.status(304).setHeader("ETag", etagOf(version));
  res.end();
  return true;
}

export function listResponse(page: { totalResults: number; startIndex: number; Resources: unknown[] }): Record<string, unknown> {
  return {
    schemas: [LIST_RESPONSE],
    totalResults: page.totalResults,
    startIndex: page.startIndex,
    itemsPerPage: page.Resources.length,
    Resources: page.Resources,
  };
}

const requestIds = new WeakMap<Request, string>();

export function requestIdOf(req: Request): string {
  let id = requestIds.get(req);
  if (id === undefined) {
    const header = req.get("x-request-id");
    id = header && /^[\w.:-]{1,100}$/.test(header) ? header : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}
