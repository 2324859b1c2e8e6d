/**
 * Entra ID-issued bearer tokens (docs/idp-clients.md#entra-issued-bearer-tokens). The audience is the
 * same for every tenant, so the token is pinned to ONE organisation by its issuer and `tid`:
 * otherwise one tenant's token would open another organisation.
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors as joseErrors, jwtVerify, type JWTVerifyGetKey } from "jose";
import type { Executor } from "../db/connection";
import { type Org, findOrgByTenant } from "../db/orgs";
import { isJsonWebKeySet } from "./jwks";

export const ENTRA_AUDIENCES = ["8adf8e6e-67b2-4cf2-a259-e3dc5476c621", "00000002-0000-0000-c000-000000000000"];
const CLOCK_TOLERANCE_SECONDS = 120;

export function looksLikeJwt(token: string): boolean {
  if (!/^[\w-]+\.[\w-]+\.[\w-]*$/.test(token)) return false;
  try {
    decodeProtectedHeader(token);
    return true;
  } catch {
    return false;
  }
}

export class EntraVerifier {
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  private keySetFor(org: Org): JWTVerifyGetKey | null {
    if (!org.entra) return null;
    const cacheKey = `${org.id}:${org.entra.jwksUrl ?? ""}:${JSON.stringify(org.entra.jwks)}`;
    let keySet = this.keySets.get(cacheKey);
    if (!keySet) {
      if (isJsonWebKeySet(org.entra.jwks)) keySet = createLocalJWKSet(org.entra.jwks);
      else if (org.entra.jwksUrl) keySet = createRemoteJWKSet(new URL(org.entra.jwksUrl), { timeoutDuration: 5000, cooldownDuration: 30000 });
      else return null;
      this.keySets.set(cacheKey, keySet);
    }
    return keySet;
  }

  /** Returns the organisation the token authenticates, or null (never throws for a bad token). */
  async verify(tx: Executor, token: string): Promise<Org | null> {
    let tenantId: unknown;
    try {
      tenantId = decodeJwt(token).tid;
    } catch {
      return null;
    }
    if (typeof tenantId !== "string" || tenantId === "") return null;
    const org = await findOrgByTenant(tx, tenantId);
    if (!org?.entra) return null;
    const keySet = this.keySetFor(org);
    if (!keySet) return null;
    try {
      const { payload } = await jwtVerify(token, keySet, {
        algorithms: ["RS256"],
        issuer: `https://sts.windows.net/${org.entra.tenantId}/`,
        audience: ENTRA_AUDIENCES,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp", "tid"],
      });
      if (typeof payload.tid !== "string" || payload.tid.toLowerCase() !== org.entra.tenantId) return null;
      return org;
    } catch (err) {
      if (err instanceof joseErrors.JOSEError) return null;
      throw err;
    }
  }
}
