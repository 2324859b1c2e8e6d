/**
 * Which identity provider sent a request, from what it reliably shows, for recording on the groups
 * it creates (the mapping plan's advice on stable matchers depends on it):
 * - Okta names itself in the User-Agent, "Okta SCIM Client 1.0.0" (fixtures/okta/*.json).
 * - Entra sends no fixed User-Agent (docs/idp-clients.md#microsoft-entra-id: sometimes none at all), so it is recognised by
 *   what only it sends: the ADSCIM Group schema URN in a group POST (fixtures/entra/create-group.json,
 *   Microsoft's "Develop and plan provisioning for a SCIM endpoint"), the ?aadOptscim062020 flag on
 *   the tenant URL (fixtures/entra/*-flag.json), or a token Entra issued (fixtures/entra/jwt-bearer-token.json).
 * Anything else is not guessed at: null.
 */
import type { IdentityProvider } from "../db/resources";

export const ENTRA_GROUP_SCHEMA = "http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group";

/** What a request says about its client, independent of its body. */
export interface ClientSignals {
  readonly userAgent: string | null;
  /** The tenant URL carries Entra's `aadOptscim062020` flag. */
  readonly aadOptscim062020: boolean;
  /** The bearer token was issued by Entra (server/entra.ts verified it). */
  readonly entraToken: boolean;
}

export function detectProvisioner(client: ClientSignals, bodySchemas: unknown): IdentityProvider | null {
  if (client.userAgent !== null && /^Okta SCIM Client\b/i.test(client.userAgent)) return "okta";
  if (client.entraToken || client.aadOptscim062020) return "entra";
  if (Array.isArray(bodySchemas) && bodySchemas.some((urn) => typeof urn === "string" && urn.toLowerCase() === ENTRA_GROUP_SCHEMA.toLowerCase())) return "entra";
  return null;
}
