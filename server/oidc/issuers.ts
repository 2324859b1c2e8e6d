/**
 * The OIDC issuers organisations trust for their members' sign-in. Discovery (openid-client v6) runs
 * lazily, at the first sign-in or token that needs it, and is retried after a failure: the server
 * starts, and everything but member sign-in works, while an issuer is unreachable. An `http://`
 * issuer is accepted only on a loopback address.
 *
 * The console's authorization-code flow reuses `configuration()` as it is (buildAuthorizationUrl,
 * authorizationCodeGrant); bearer tokens are verified with `keySet()` (member-tokens.ts).
 */
import * as client from "openid-client";
import { type JWTVerifyGetKey, createLocalJWKSet, createRemoteJWKSet } from "jose";
import { issuerProblem } from "../config";
import { isJsonWebKeySet } from "../jwks";

export interface IssuerSettings {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string | null;
  /** A fixed key set (OIDC_JWKS_FILE), or null to use the one the issuer's discovery document names. */
  readonly jwks: unknown;
  readonly usernameClaim: string;
}

/** The issuer did not answer (discovery or its keys): a 503, worth retrying; never a 401. */
export class IssuerUnavailableError extends Error {
  override readonly name = "IssuerUnavailableError";
}

/** How long discovery may take before sign-in is answered 503. */
const DISCOVERY_TIMEOUT_SECONDS = 5;

export class OidcIssuers {
  private readonly configurations = new Map<string, Promise<client.Configuration>>();
  private readonly keySets = new Map<string, JWTVerifyGetKey>();

  /** The issuer's discovered configuration for this client (cached; a failed discovery is retried next time). */
  async configuration(settings: IssuerSettings): Promise<client.Configuration> {
    const key = `${settings.issuer}\u0000${settings.clientId}\u0000${settings.clientSecret ?? ""}`;
    let pending = this.configurations.get(key);
    if (pending === undefined) {
      pending = discover(settings);
      this.configurations.set(key, pending);
      pending.catch(() => this.configurations.delete(key));
    }
    return pending;
  }

  /** The keys members' tokens are signed with: the fixed set, or the issuer's jwks_uri (fetched and cached by jose). */
  async keySet(settings: IssuerSettings): Promise<JWTVerifyGetKey> {
    if (isJsonWebKeySet(settings.jwks)) {
      const key = `local\u0000${JSON.stringify(settings.jwks)}`;
      let local = this.keySets.get(key);
      if (local === undefined) {
        local = createLocalJWKSet(settings.jwks);
        this.keySets.set(key, local);
      }
      return local;
    }
    const metadata = (await this.configuration(settings)).serverMetadata();
    const uri = metadata.jwks_uri;
    if (uri === undefined) throw new IssuerUnavailableError(`${settings.issuer} publishes no jwks_uri`);
    const problem = issuerProblem(uri);
    if (problem !== null) throw new IssuerUnavailableError(`${settings.issuer}'s jwks_uri ${problem}`);
    let remote = this.keySets.get(uri);
    if (remote === undefined) {
      remote = createRemoteJWKSet(new URL(uri), { timeoutDuration: 5000, cooldownDuration: 30000 });
      this.keySets.set(uri, remote);
    }
    return remote;
  }
}

async function discover(settings: IssuerSettings): Promise<client.Configuration> {
  const problem = issuerProblem(settings.issuer);
  if (problem !== null) throw new IssuerUnavailableError(`OIDC issuer ${problem}`);
  const insecure = new URL(settings.issuer).protocol === "http:";
  try {
    // A client registered without saying otherwise authenticates with HTTP Basic (OpenID Connect
    // Dynamic Client Registration §2, `token_endpoint_auth_method`; RFC 6749 §2.3.1), which Okta's
    // web apps use by default and Entra accepts; openid-client would otherwise post the secret.
    const auth = settings.clientSecret === null ? undefined : client.ClientSecretBasic(settings.clientSecret);
    return await client.discovery(new URL(settings.issuer), settings.clientId, settings.clientSecret ?? undefined, auth, {
      timeout: DISCOVERY_TIMEOUT_SECONDS,
      ...(insecure ? { execute: [client.allowInsecureRequests] } : {}),
    });
  } catch (err) {
    throw new IssuerUnavailableError(`OIDC discovery of ${settings.issuer} failed: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}
