/**
 * /api/v1/admin Identity & Access routes: single sign-on (`/sso`), the SCIM connections' activity
 * (`/scim-tokens/{id}/errors`; the token list itself is in router.ts) and the console's session
 * limits (`/authentication`). Each reads its input, calls one use case of roles/admin, answers JSON.
 */
import type { Router } from "express";
import { findOrgByName } from "../../db/orgs";
import * as admin from "../../roles/admin";
import { ApiError } from "../api-errors";
import { SessionLimitsRequest, SsoRequest } from "../openapi/requests";
import { validBody } from "../openapi/validate";
import { DEFAULT_CONSOLE } from "../config";
import { IssuerDiscovery } from "../oidc/discovery-check";
import { actorOf } from "./auth";
import { asyncRoute } from "../../http/route";

export interface IdentityRouteOptions {
  /** The organisation (by name) whose sign-in OIDC_* set: DEFAULT_ORG when OIDC_ISSUER is set, else null. */
  readonly environmentSignInOrg: string | null;
  /** The issuer check every SSO change passes (server/oidc/discovery-check.ts). */
  readonly discovery: IssuerDiscovery;
  /** The console's public URL, whose /console/callback the issuer must know; null without a console. */
  readonly consoleUrl: string | null;
  /** CONSOLE_IDLE_MINUTES and CONSOLE_SESSION_HOURS: the defaults, and the most an organisation may set. */
  readonly sessionDefaults: { readonly idleMinutes: number; readonly sessionHours: number };
}

export function defaultIdentityOptions(): IdentityRouteOptions {
  return { environmentSignInOrg: null, discovery: new IssuerDiscovery({ allowPrivate: [] }), consoleUrl: null, sessionDefaults: DEFAULT_CONSOLE };
}

export function identityRoutes(router: Router, use: admin.AdminDeps, options: IdentityRouteOptions): void {
  const route = asyncRoute;
  const context = async (): Promise<admin.SignInContext> => {
    if (options.environmentSignInOrg === null) return { environmentOrgId: null };
    return { environmentOrgId: (await findOrgByName(use.db.knex, options.environmentSignInOrg))?.id ?? null };
  };
  const ssoBody = (view: admin.SignInView): Record<string, unknown> => ({
    ...view,
    callbackUrl: options.consoleUrl === null ? null : `${options.consoleUrl}/console/callback`,
  });

  router.get("/sso", route(async (_req, res) => {
    res.json(ssoBody(await admin.readSignIn(use, actorOf(res), await context())));
  }));
  router.put("/sso", route(async (req, res) => {
    const input = validBody(req, SsoRequest);
    const change: admin.SignInChange = { issuer: input.issuer.trim(), clientId: input.clientId.trim(), clientSecret: input.clientSecret, usernameClaim: input.usernameClaim ?? "email" };
    const outcome = await admin.changeSignIn(use, actorOf(res), change, { ...(await context()), checkIssuer: (issuer) => options.discovery.check(issuer) });
    res.json({ ...ssoBody(outcome.view), sessionsEnded: outcome.sessionsEnded });
  }));

  router.get("/scim-tokens/:id/errors", route(async (req, res) => {
    res.json({ errors: await admin.readTokenErrors(use, actorOf(res), req.params.id ?? "") });
  }));

  router.get("/authentication", route(async (_req, res) => {
    res.json(await admin.readSessionLimits(use, actorOf(res), options.sessionDefaults));
  }));
  router.put("/authentication", route(async (req, res) => {
    const BOTH = "Send idleMinutes and sessionHours as whole numbers, or both null to go back to the defaults";
    const { idleMinutes, sessionHours } = validBody(req, SessionLimitsRequest, BOTH);
    if ((idleMinutes === null) !== (sessionHours === null)) throw new ApiError("invalid_request", BOTH);
    const limits = idleMinutes === null || sessionHours === null ? null : { idleMinutes, sessionHours };
    res.json(await admin.changeSessionLimits(use, actorOf(res), limits, options.sessionDefaults));
  }));
}
