/**
 * A member's OIDC token as `Authorization: Bearer` on the admin API, verified with jose: signed by
 * its organisation's issuer (RS256 or ES256 only, keys from the issuer's JWKS or a fixed file), `iss`
 * exactly the configured issuer, `aud` the organisation's client id, not expired (a minute of clock
 * tolerance). The organisation is the one whose issuer and client id the token names; the member is
 * the claim `usernameClaim` (default `email`; Entra: `preferred_username`).
 *
 * It must be an ID token: a JWT typed `at+jwt` is an access token (RFC 9068 §2.1), issued for a
 * resource server, and is refused even when the issuer signed it for this client. When members are
 * found by `email`, an issuer that says the address is unverified (`email_verified: false`, or the
 * string "false") does not vouch for it (OpenID Connect Core §5.1), so the token opens nothing; an
 * absent claim is not a "no" (Entra sends none).
 */
import { decodeJwt, errors as joseErrors, jwtVerify } from "jose";
import type { Executor } from "../../db/connection";
import { type Org, findOrgsByIssuer } from "../../db/orgs";
import { IssuerUnavailableError, type OidcIssuers } from "./issuers";

const ALGORITHMS = ["RS256", "ES256"];
const CLOCK_TOLERANCE_SECONDS = 60;

export type MemberToken =
  | { readonly ok: true; readonly orgId: string; readonly userName: string }
  | { readonly ok: false; readonly reason: "invalid"; readonly detail: string }
  | { readonly ok: false; readonly reason: "no_username_claim"; readonly claim: string }
  | { readonly ok: false; readonly reason: "email_unverified"; readonly email: string };

export class MemberTokens {
  constructor(private readonly issuers: OidcIssuers) {}

  /** What the token proves; throws IssuerUnavailableError when the issuer's keys cannot be had. */
  async verify(tx: Executor, token: string): Promise<MemberToken> {
    let issuer: unknown;
    let audience: unknown;
    try {
      ({ iss: issuer, aud: audience } = decodeJwt(token));
    } catch {
      return invalid("the bearer token is not a JWT");
    }
    if (typeof issuer !== "string") return invalid("the token names no issuer");
    const audiences = typeof audience === "string" ? [audience] : Array.isArray(audience) ? audience : [];
    const candidates = (await findOrgsByIssuer(tx, issuer)).filter((org) => org.oidc !== null && audiences.includes(org.oidc.clientId));
    if (candidates.length === 0) return invalid("no organisation trusts this token's issuer and audience");
    let last: MemberToken = invalid("the token's signature or claims are not valid");
    for (const org of candidates) {
      last = await this.verifyFor(org, token);
      if (last.ok) return last;
    }
    return last;
  }

  /** What the token proves for this organisation (the console's sign-in knows which one it started). */
  async verifyFor(org: Org, token: string): Promise<MemberToken> {
    const oidc = org.oidc;
    if (oidc === null) return invalid("no issuer");
    const keys = await this.issuers.keySet(oidc);
    try {
      const { payload, protectedHeader } = await jwtVerify(token, keys, {
        issuer: oidc.issuer,
        audience: oidc.clientId,
        algorithms: ALGORITHMS,
        clockTolerance: CLOCK_TOLERANCE_SECONDS,
        requiredClaims: ["exp"],
      });
      if (isAccessTokenType(protectedHeader.typ)) return invalid(`the token is an access token (typ ${protectedHeader.typ ?? ""}), not an ID token`);
      const userName = payload[oidc.usernameClaim];
      if (typeof userName !== "string" || userName === "") return { ok: false, reason: "no_username_claim", claim: oidc.usernameClaim };
      if (oidc.usernameClaim === "email" && saysUnverified(payload["email_verified"])) return { ok: false, reason: "email_unverified", email: userName };
      return { ok: true, orgId: org.id, userName };
    } catch (err) {
      if (err instanceof joseErrors.JWKSTimeout) throw new IssuerUnavailableError(`the keys of ${oidc.issuer} could not be fetched in time`, { cause: err });
      if (err instanceof joseErrors.JOSEError) return invalid(err.message);
      if (err instanceof TypeError) throw new IssuerUnavailableError(`the keys of ${oidc.issuer} could not be fetched`, { cause: err });
      throw err;
    }
  }
}

/** `at+jwt`, or `application/at+jwt`: RFC 7515 §4.1.9 lets `typ` omit the `application/` prefix, case-insensitively. */
function isAccessTokenType(typ: string | undefined): boolean {
  return typ !== undefined && typ.toLowerCase().replace(/^application\//, "") === "at+jwt";
}

/** `email_verified` saying no: `false`, or the string some issuers send. Absent is not no. */
function saysUnverified(claim: unknown): boolean {
  return claim === false || (typeof claim === "string" && claim.trim().toLowerCase() === "false");
}

function invalid(detail: string): MemberToken {
  return { ok: false, reason: "invalid", detail };
}

/**
 * The organisation that already trusts this issuer with this client, if another does: a member's
 * token names its issuer and client only, so one pair must name one organisation.
 */
export async function issuerClientTakenBy(tx: Executor, orgId: string, issuer: string, clientId: string): Promise<string | null> {
  const other = (await findOrgsByIssuer(tx, issuer)).find((org) => org.id !== orgId && org.oidc?.clientId === clientId);
  return other?.name ?? null;
}
