/**
 * Discovery (RFC 7644 §4) is served by scimmy-routers from scimmy's schema registry: it renders
 * /Schemas, /ResourceTypes and /ServiceProviderConfig correctly and with no nulls (Entra rejects
 * nulls there, fixtures/entra/schemas.json). Only those paths reach it; our own routes handle
 * everything else, and the request is already authenticated when it gets here. The documents hold
 * RFC 7643's attributes and nothing else (§5, §6, §7): strict clients refuse an undeclared
 * extension, so the limits RFC 7643 has no attribute for are published at /api/v1/limits.
 */
import { type Request, type RequestHandler, type Router } from "express";
import SCIMMYRouters from "scimmy-routers";
import SCIMMY from "scimmy";
import { declareScimmyResources } from "./schemas";

export interface DiscoveryOptions {
  readonly maxResults: number;
  readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
  readonly documentationUri?: string;
}

const DISCOVERY_PATH = /^\/(Schemas|ResourceTypes|ServiceProviderConfig)(\/|$)/;

let scimmyRouter: Router | null = null;

/**
 * scimmy-routers is built once per process, and asks for the base of `meta.location` through the
 * request: each request's origin is handed over here before it is routed.
 */
const origins = new WeakMap<Request, string>();

export function configureDiscovery(options: DiscoveryOptions): void {
  declareScimmyResources();
  if (!scimmyRouter) {
    scimmyRouter = new SCIMMYRouters({
      type: "bearer",
      docUri: options.documentationUri ?? "https://datatracker.ietf.org/doc/html/rfc7644#section-2",
      handler: () => "authenticated",
      baseUri: (req: Request) => origins.get(req) ?? "",
    }) as unknown as Router;
  }
  // scimmy-routers sets its own defaults when constructed; state what this server really does.
  // An empty list resets scimmy's accumulated authentication schemes (scimmy lib/config.js).
  SCIMMY.Config.set({ authenticationSchemes: [] });
  SCIMMY.Config.set({
    documentationUri: options.documentationUri ?? "https://datatracker.ietf.org/doc/html/rfc7644",
    patch: { supported: true },
    bulk: { supported: true, maxOperations: options.bulk.maxOperations, maxPayloadSize: options.bulk.maxPayloadSize },
    filter: { supported: true, maxResults: options.maxResults },
    changePassword: { supported: false },
    sort: { supported: true },
    etag: { supported: true },
    authenticationSchemes: [
      {
        type: "oauthbearertoken",
        name: "OAuth Bearer Token",
        description: "A bearer token issued for the organisation (secret token), or an Entra ID-issued JWT where configured",
        specUri: "https://www.rfc-editor.org/info/rfc6750",
        documentationUri: options.documentationUri ?? "https://datatracker.ietf.org/doc/html/rfc7644#section-2",
        primary: true,
      },
    ],
  });
}

export function discoveryRouter(originOf: (req: Request) => string): RequestHandler {
  return (req: Request, res, next) => {
    if (!DISCOVERY_PATH.test(req.path) || req.method !== "GET" || !scimmyRouter) {
      next();
      return;
    }
    origins.set(req, originOf(req));
    scimmyRouter(req, res, next);
  };
}
