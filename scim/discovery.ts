/**
 * Discovery (RFC 7644 §4) is served by scimmy-routers from scimmy's schema registry: it renders
 * /Schemas, /ResourceTypes and /ServiceProviderConfig correctly and with no nulls (Entra rejects
 * nulls there, fixtures/entra/schemas.json). Only those paths reach it; our own routes handle
 * everything else, and the request is already authenticated when it gets here.
 */
import { type Request, type RequestHandler, type Router } from "express";
import SCIMMYRouters from "scimmy-routers";
import SCIMMY from "scimmy";
import { declareScimmyResources } from "./schemas";

export interface DiscoveryOptions {
  readonly maxResults: number;
  readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
  /** Limits RFC 7643 §5 has no attribute for, advertised in LIMITS_EXTENSION. */
  readonly patch: { readonly maxOperations: number };
  readonly attributes: { readonly maxPaths: number };
  readonly documentationUri?: string;
}

/**
 * RFC 7643 §5's `patch` is only `supported`, and nothing describes the `attributes` parameter, so
 * the limits this server holds requests to beyond Bulk's are stated in an extension of the
 * ServiceProviderConfig (RFC 7643 §3.3: clients ignore extensions they do not know), documented in
 * docs/conformance.md: `{"patch": {"maxOperations"}, "attributes": {"maxPaths"}}`.
 */
export const LIMITS_EXTENSION = "urn:scim-role-mapping:schemas:extension:limits:1.0:ServiceProviderConfig";

let limits: { patch: { maxOperations: number }; attributes: { maxPaths: number } } = { patch: { maxOperations: 0 }, attributes: { maxPaths: 0 } };

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
  limits = { patch: { maxOperations: options.patch.maxOperations }, attributes: { maxPaths: options.attributes.maxPaths } };
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

function withLimits(body: unknown): unknown {
  const plain: unknown = JSON.parse(JSON.stringify(body));
  if (typeof plain !== "object" || plain === null || Array.isArray(plain)) return plain;
  const schemas: unknown = Reflect.get(plain, "schemas");
  return { ...plain, schemas: [...(Array.isArray(schemas) ? schemas : []), LIMITS_EXTENSION], [LIMITS_EXTENSION]: limits };
}

export function discoveryRouter(originOf: (req: Request) => string): RequestHandler {
  return (req: Request, res, next) => {
    if (!DISCOVERY_PATH.test(req.path) || req.method !== "GET" || !scimmyRouter) {
      next();
      return;
    }
    origins.set(req, originOf(req));
    if (/^\/ServiceProviderConfig\/?$/.test(req.path)) {
      const json = res.json.bind(res);
      res.json = (body: unknown) => json(withLimits(body));
    }
    scimmyRouter(req, res, next);
  };
}
