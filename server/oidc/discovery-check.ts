/**
 * The check an organisation's OIDC issuer passes before the console stores it: its discovery
 * document (OpenID Connect Discovery 1.0 §4) is fetched and must name the same issuer (§4.3), the
 * endpoints a sign-in uses, and the authorization-code flow. The fetch is an outbound request to a
 * URL a member typed, so it follows the webhooks' rule (server/webhook-targets.ts): public
 * addresses only unless OIDC_ALLOW_PRIVATE lists the range or host, every resolved address judged
 * and the connection pinned to the one checked; no redirect followed; at most
 * DISCOVERY_MAX_BYTES read, within DISCOVERY_TIMEOUT_MS from resolving to the last byte.
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { ApiError } from "../api-errors";
import { issuerProblem } from "../config";
import { type ResolvedAddress, type Resolve, WebhookTargets, systemResolve, untilAborted } from "../webhook-targets";

/** A discovery document is a few kilobytes; Entra's and Okta's are under 8 KiB. */
export const DISCOVERY_MAX_BYTES = 65_536;
export const DISCOVERY_TIMEOUT_MS = 5_000;

export interface DiscoveredIssuer {
  readonly issuer: string;
  readonly authorizationEndpoint: string;
  readonly tokenEndpoint: string;
  readonly jwksUri: string;
}

export interface DiscoveryCheckOptions {
  /** OIDC_ALLOW_PRIVATE: private ranges (CIDRs) and host names an issuer may be at. */
  readonly allowPrivate: readonly string[];
  readonly resolve?: Resolve;
  readonly timeoutMs?: number;
  readonly maxBytes?: number;
}

export class IssuerDiscovery {
  private readonly targets: WebhookTargets;
  private readonly timeoutMs: number;
  private readonly maxBytes: number;

  constructor(options: DiscoveryCheckOptions) {
    this.targets = new WebhookTargets(options.allowPrivate, options.resolve ?? systemResolve, "issuers are reached only at public addresses unless OIDC_ALLOW_PRIVATE lists it");
    this.timeoutMs = options.timeoutMs ?? DISCOVERY_TIMEOUT_MS;
    this.maxBytes = options.maxBytes ?? DISCOVERY_MAX_BYTES;
  }

  /** The issuer's endpoints, or an ApiError naming exactly what is wrong (400 for the URL itself, 422 for the issuer). */
  async check(issuer: string): Promise<DiscoveredIssuer> {
    const problem = issuerProblem(issuer);
    if (problem !== null) throw new ApiError("invalid_request", `issuer ${problem}`);
    // §4.1: the path is appended to the issuer, whose trailing slash goes first.
    const url = new URL(`${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`);
    const deadline = AbortSignal.timeout(this.timeoutMs);
    const target = await untilAborted(this.targets.check(url), deadline).catch(() => null);
    if (target === null) throw new ApiError("issuer_unreachable", `${url.host} could not be resolved within ${this.timeoutMs} ms`);
    if (target.kind === "refused") throw new ApiError("issuer_not_allowed", target.reason);
    if (target.kind === "unresolved") throw new ApiError("issuer_unreachable", target.error);
    let answer: { status: number; body: string };
    try {
      answer = await fetchText(url, target.pinned, deadline, this.maxBytes);
    } catch (err) {
      if (err instanceof TooLarge) throw new ApiError("discovery_invalid", `${url.href} is larger than ${this.maxBytes} bytes; a discovery document is a few kilobytes`);
      const why = deadline.aborted ? `no answer within ${this.timeoutMs} ms` : err instanceof Error ? err.message : String(err);
      throw new ApiError("issuer_unreachable", `${url.href} could not be fetched: ${why}`);
    }
    if (answer.status !== 200) throw new ApiError("discovery_invalid", `${url.href} answered HTTP ${answer.status}, not a discovery document (redirects are not followed)`);
    return judge(issuer, url, answer.body);
  }
}

/** What the document must say for a sign-in to work (Discovery §3, §4.3; OIDC Core §3.1). */
function judge(issuer: string, url: URL, text: string): DiscoveredIssuer {
  let document: unknown;
  try {
    document = JSON.parse(text);
  } catch {
    throw new ApiError("discovery_invalid", `${url.href} is not JSON`);
  }
  if (typeof document !== "object" || document === null || Array.isArray(document)) throw new ApiError("discovery_invalid", `${url.href} is not a JSON object`);
  const field = (name: string): unknown => (document as Record<string, unknown>)[name];
  const named = field("issuer");
  if (named !== issuer) {
    throw new ApiError("issuer_mismatch", `The discovery document names the issuer ${JSON.stringify(named ?? null)}, not ${JSON.stringify(issuer)}; enter the issuer exactly as it names itself`);
  }
  const endpoints = ["authorization_endpoint", "token_endpoint", "jwks_uri"] as const;
  const missing = endpoints.filter((name) => !isHttpUrl(field(name)));
  if (missing.length > 0) throw new ApiError("discovery_incomplete", `The discovery document has no valid ${missing.join(", ")}`, { details: { missing } });
  const responseTypes = field("response_types_supported");
  // Absent, grant_types_supported means ["authorization_code", "implicit"] (Discovery §3).
  const grantTypes = field("grant_types_supported") ?? ["authorization_code", "implicit"];
  const codeResponse = Array.isArray(responseTypes) && responseTypes.includes("code");
  const codeGrant = Array.isArray(grantTypes) && grantTypes.includes("authorization_code");
  if (!codeResponse || !codeGrant) {
    throw new ApiError("authorization_code_unsupported", "The issuer does not offer the authorization-code flow (response type code, grant type authorization_code), which the console signs in with");
  }
  return { issuer, authorizationEndpoint: String(field("authorization_endpoint")), tokenEndpoint: String(field("token_endpoint")), jwksUri: String(field("jwks_uri")) };
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== "string") return false;
  try {
    const url = new URL(value);
    return url.protocol === "https:" || url.protocol === "http:";
  } catch {
    return false;
  }
}

class TooLarge extends Error {}

/** A GET over a connection of its own, to `pinned` when given, reading at most `maxBytes`. */
function fetchText(url: URL, pinned: ResolvedAddress | null, signal: AbortSignal, maxBytes: number): Promise<{ status: number; body: string }> {
  const lookup: LookupFunction | undefined = pinned
    ? (_hostname, options, callback) => {
        if (options.all) callback(null, [{ address: pinned.address, family: pinned.family }]);
        else callback(null, pinned.address, pinned.family);
      }
    : undefined;
  return new Promise((resolve, reject) => {
    const request = (url.protocol === "https:" ? httpsRequest : httpRequest)(
      url,
      // agent: false: a pooled connection could outlive the check that allowed its address.
      { method: "GET", headers: { accept: "application/json", "user-agent": "scim-role-mapping-sso-check" }, signal, agent: false, ...(lookup ? { lookup } : {}) },
      (res) => {
        const status = res.statusCode ?? 0;
        if (status !== 200) {
          res.destroy();
          resolve({ status, body: "" });
          return;
        }
        const chunks: Buffer[] = [];
        let size = 0;
        res.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            res.destroy();
            reject(new TooLarge());
            return;
          }
          chunks.push(chunk);
        });
        res.on("end", () => resolve({ status, body: Buffer.concat(chunks).toString("utf8") }));
        res.on("error", reject);
      },
    );
    request.on("error", reject);
    request.end();
  });
}
