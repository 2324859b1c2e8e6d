/**
 * The SCIM routes (RFC 7644 §3): each reads the request, calls one handler, and hands what the
 * handler returns to the one response step (`reply.ts`); errors go to the one error renderer.
 */
import type { IncomingMessage } from "node:http";
import express, { type NextFunction, type Request, type RequestHandler, type Response, Router } from "express";
import type { Database } from "../db/connection";
import { jsonBody, refuseNulInUrl, refuseRawProblem } from "../http/body";
import type { Logger } from "../http/logger";
import { HttpProblemError } from "../http/problem";
import { inspectJsonBody, inspectJsonBytesStepwise } from "../http/raw-input";
import { requestIdOf } from "../http/request-id";
import { asyncRoute } from "../http/route";
import { runInTurns } from "../http/turns";
import { runBulk } from "./bulk";
import type { PermissionSync, ScimContext, ScimLimits } from "./context";
import { discoveryRouter } from "./discovery";
import { invalidSyntax, methodNotAllowed, notFound, notImplemented } from "./errors";
import * as groups from "./groups";
import { isObject } from "../mapping/json";
import type { ListRequest } from "./list-params";
import { type Projection, parseProjection } from "./projection";
import { type Reply, listReply, messageReply, noContent, resourceReply, sendReply } from "./reply";
import { sendError, toScimError } from "./respond";
import { parseJsonStepwise } from "./json-in-turns";
import type { ResourceKind } from "./schemas";
import { searchAll } from "./search";
import * as users from "./users";

export interface ScimRouterDeps {
  readonly db: Database;
  readonly sync: PermissionSync;
  readonly limits: ScimLimits;
  readonly logger: Logger;
  /** Resolves the organisation of an authenticated request (set by the server's auth middleware). */
  readonly orgIdOf: (req: Request) => string;
  /** Whether the request was authenticated with a token Entra issued. */
  readonly viaEntraToken: (req: Request) => boolean;
  /** The scheme, host and any path prefix every rendered URL starts with (PUBLIC_URL, or the request's own). */
  readonly originOf: (req: Request) => string;
}

type Handler = (req: Request, ctx: ScimContext) => Promise<Reply>;

/**
 * Request bodies are JSON whatever the Content-Type says: Okta's spec test sends none
 * (docs/idp-clients.md#quirk-14-bodies-are-json-whatever-the-content-type,
 * fixtures/okta/spec-create-no-content-type.json). Before they are parsed, bodies nested deeper
 * than `maxDepth` are refused, and so is a NUL character anywhere (http/raw-input.ts).
 */
export function scimJsonBody(limitBytes: number, maxDepth: number): RequestHandler {
  return jsonBody({ limit: limitBytes, maxDepth, strict: false });
}

/**
 * scimJsonBody for bodies up to `limitBytes` of tens of MB (a Group's whole member list): the text
 * is read and checked as there, then parsed in turns (scim/json-in-turns.ts) rather than in one
 * `JSON.parse`, which held the event loop for a quarter of a second on a 29 MB member list. What
 * is accepted and refused is the same: JSON in a UTF-* charset, an empty body read as `{}`.
 */
export function scimJsonBodyInTurns(limitBytes: number, maxDepth: number): RequestHandler {
  const raws = new WeakMap<IncomingMessage, { raw: Buffer; encoding: string }>();
  const readText = express.text({
    type: () => true,
    limit: limitBytes,
    verify: (req, _res, raw, encoding) => {
      // body-parser's JSON reader accepts only the UTF encodings (RFC 8259 §8.1); so does this one.
      if (!encoding.toLowerCase().startsWith("utf-")) throw new HttpProblemError({ kind: "undecodable_charset" });
      raws.set(req, { raw, encoding });
    },
  });
  return (req, res, next) => {
    readText(req, res, (err?: unknown) => {
      if (err !== undefined) return next(err);
      const text: unknown = req.body;
      const read = raws.get(req);
      raws.delete(req);
      if (typeof text !== "string" || read === undefined) return next();
      parseInTurns(text, read, maxDepth).then(
        (parsed) => {
          req.body = parsed;
          next();
        },
        (failure: unknown) => next(failure),
      );
    });
  };
}

/** Checked as scimJsonBody's `verify` does, then parsed; an empty body is `{}`, as there. */
async function parseInTurns(text: string, read: { raw: Buffer; encoding: string }, maxDepth: number): Promise<unknown> {
  const utf8 = ["utf-8", "utf8"].includes(read.encoding.toLowerCase());
  refuseRawProblem(utf8 ? await runInTurns(inspectJsonBytesStepwise(read.raw, maxDepth)) : inspectJsonBody(read.raw, read.encoding, maxDepth));
  if (text.length === 0) return {};
  try {
    return await runInTurns(parseJsonStepwise(text));
  } catch (cause) {
    throw Object.assign(new SyntaxError("The request body is not valid JSON", { cause }), { type: "entity.parse.failed", status: 400 });
  }
}

export function scimRouter(deps: ScimRouterDeps): Router {
  const router = Router();
  router.use(refuseNulInUrl);

  const contextOf = (req: Request): ScimContext => ({
    db: deps.db,
    orgId: deps.orgIdOf(req),
    requestId: requestIdOf(req),
    method: req.method,
    path: req.originalUrl.split("?")[0] ?? req.originalUrl,
    baseUrl: `${deps.originOf(req)}${req.baseUrl}`,
    client: {
      userAgent: req.get("user-agent") ?? null,
      aadOptscim062020: Object.prototype.hasOwnProperty.call(req.query, "aadOptscim062020"),
      entraToken: deps.viaEntraToken(req),
    },
    sync: deps.sync,
    limits: deps.limits,
  });

  const route = (handler: Handler): RequestHandler =>
    asyncRoute(async (req, res) => {
      const ctx = contextOf(req);
      await sendReply(req, res, ctx, await handler(req, ctx));
    });

  const query = (req: Request): ListRequest => req.query as ListRequest;
  // A SearchRequest is a JSON object (RFC 7644 §3.4.3); any other body is no query at all, not "list everything".
  const searchBody = (req: Request): ListRequest => {
    if (!isObject(req.body)) throw invalidSyntax("The request body must be a JSON object (a SearchRequest, RFC 7644 §3.4.3).");
    return req.body as ListRequest;
  };
  const ifMatch = (req: Request): string | undefined => req.get("if-match");
  const idOf = (req: Request): string => req.params.id ?? "";
  const projectionOf = (req: Request, kind: ResourceKind): Projection => parseProjection(kind, req.query.attributes, req.query.excludedAttributes, deps.limits.maxAttributePaths);

  // Users (RFC 7644 §3.3–3.6)
  router.get("/Users", route(async (req, ctx) => listReply(await users.listUsers(ctx, query(req)))));
  router.post("/Users/.search", route(async (req, ctx) => listReply(await users.listUsers(ctx, searchBody(req)))));
  router.post("/Users", route(async (req, ctx) => resourceReply(201, await users.createUser(ctx, req.body), projectionOf(req, "User"))));
  router.get("/Users/:id", route(async (req, ctx) => {
    const projection = projectionOf(req, "User");
    return resourceReply(200, await users.getUser(ctx, idOf(req), projection), projection);
  }));
  router.put("/Users/:id", route(async (req, ctx) => resourceReply(200, await users.replaceUser(ctx, idOf(req), req.body, ifMatch(req)), projectionOf(req, "User"))));
  router.patch("/Users/:id", route(async (req, ctx) => resourceReply(200, await users.patchUser(ctx, idOf(req), req.body, ifMatch(req)), projectionOf(req, "User"))));
  router.delete("/Users/:id", route(async (req, ctx) => {
    await users.deleteUser(ctx, idOf(req), ifMatch(req));
    return noContent();
  }));

  // Groups
  router.get("/Groups", route(async (req, ctx) => listReply(await groups.listGroups(ctx, query(req)))));
  router.post("/Groups/.search", route(async (req, ctx) => listReply(await groups.listGroups(ctx, searchBody(req)))));
  router.post("/Groups", route(async (req, ctx) => resourceReply(201, await groups.createGroup(ctx, req.body), projectionOf(req, "Group"))));
  router.get("/Groups/:id", route(async (req, ctx) => resourceReply(200, await groups.getGroup(ctx, idOf(req)), projectionOf(req, "Group"))));
  router.put("/Groups/:id", route(async (req, ctx) => resourceReply(200, await groups.replaceGroup(ctx, idOf(req), req.body, ifMatch(req)), projectionOf(req, "Group"))));
  router.patch("/Groups/:id", route(async (req, ctx) => {
    const group = await groups.patchGroup(ctx, idOf(req), req.body, ifMatch(req));
    // RFC 7644 §3.5.2 allows 204; Entra recommends it and Okta accepts it (docs/idp-clients.md#entra-table;
    // fixtures/entra/add-members.json, fixtures/okta/membership-oin-patch.json), and it spares
    // serialising a large member list that the client did not ask for.
    if (req.query.attributes === undefined) return noContent(group.version);
    return resourceReply(200, group, projectionOf(req, "Group"));
  }));
  router.delete("/Groups/:id", route(async (req, ctx) => {
    await groups.deleteGroup(ctx, idOf(req), ifMatch(req));
    return noContent();
  }));

  router.post("/.search", route(async (req, ctx) => listReply(await searchAll(ctx, searchBody(req)))));
  router.post("/Bulk", route(async (req, ctx) => messageReply(200, await runBulk(ctx, req.body, deps.logger))));
  router.get("/Me", route(async () => {
    throw notImplemented("/Me is not supported: tokens authenticate an identity provider, not a user");
  }));

  router.use(discoveryRouter(deps.originOf));

  for (const path of ["/Users", "/Users/:id", "/Groups", "/Groups/:id", "/Bulk", "/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]) {
    router.all(path, (req, _res, next) => next(methodNotAllowed(`${req.method} is not supported on ${req.path}`)));
  }
  router.use((req, _res, next) => next(notFound(`No SCIM endpoint at ${req.path}`)));
  router.use((err: unknown, req: Request, res: Response, _next: NextFunction) => {
    sendError(res, toScimError(err, deps.logger, requestIdOf(req)));
  });
  return router;
}
