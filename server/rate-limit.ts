/**
 * Rate limiting with token buckets, per bearer token and per client address, before
 * authentication (a flood of bad tokens costs a hash and a map lookup, not a database query).
 * The per-token buckets protect the service from one tenant; the per-address bucket only from a
 * flood, and is generous: Okta and Entra send every tenant's traffic from shared address pools.
 * Each replica keeps its own buckets: behind a load balancer of N replicas the effective limit is
 * up to N times the configured one (docs/operations.md).
 */
import { createHash } from "node:crypto";
import type { NextFunction, Request, RequestHandler, Response } from "express";
import { bearerToken } from "./auth";

export interface BucketLimit {
  /** Sustained requests per second; 0 switches the limit off. */
  readonly perSecond: number;
  /** How many requests may come at once after a quiet spell. */
  readonly burst: number;
}

/** Token buckets by key, bounded in number: when full, the least recently used bucket goes. */
export class TokenBuckets {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly limit: BucketLimit,
    private readonly maxKeys = 100_000,
  ) {}

  /** Takes one token for `key`: 0 when allowed, otherwise the seconds until one is available. */
  take(key: string, now = Date.now()): number {
    if (this.limit.perSecond <= 0) return 0;
    const bucket = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    this.buckets.delete(key);
    bucket.tokens = Math.min(this.limit.burst, bucket.tokens + ((now - bucket.at) / 1000) * this.limit.perSecond);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (this.buckets.size > this.maxKeys) {
      const oldest = this.buckets.keys().next().value;
      if (oldest !== undefined) this.buckets.delete(oldest);
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.limit.perSecond));
  }
}

export interface RateLimits {
  /** A SCIM token, or a member's token on the admin API: one IdP connection or one administrator. */
  readonly perToken: BucketLimit;
  /** A product service's API token on /api/v1 (authorize, permissions, events); `perToken` when not given. */
  readonly perApiToken?: BucketLimit;
  /** One client address, whatever it calls (SCIM, /api/v1, /console), before authentication. */
  readonly perAddress: BucketLimit;
}

/** Where a request arrived: which token bucket its bearer token draws from. */
export type RateLimitedSurface = "scim" | "api" | "console";

export type RateLimitScope = "token" | "address";

export type RateLimitReject = (req: Request, res: Response, retryAfterSeconds: number, scope: RateLimitScope) => void;

/**
 * The buckets of one app. One bucket per address across SCIM, /api/v1 and /console: an address
 * cannot multiply its allowance by spreading its requests over them. Tokens draw from the bucket of
 * their kind, known from where they arrive (a bearer token is not looked up before this runs): SCIM
 * tokens and members' tokens from `perToken`, product services' API tokens from `perApiToken`.
 */
export class RateLimiter {
  private readonly byAddress: TokenBuckets;
  private readonly byToken: TokenBuckets;
  private readonly byApiToken: TokenBuckets;

  constructor(limits: RateLimits) {
    this.byAddress = new TokenBuckets(limits.perAddress);
    this.byToken = new TokenBuckets(limits.perToken);
    this.byApiToken = new TokenBuckets(limits.perApiToken ?? limits.perToken);
  }

  /** Answers over-limit requests on `surface` with `reject` (429 with Retry-After, in the route's error format). */
  middleware(surface: RateLimitedSurface, reject: RateLimitReject): RequestHandler {
    return (req: Request, res: Response, next: NextFunction) => {
      const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
      const waitAddress = this.byAddress.take(address);
      if (waitAddress > 0) return reject(req, res, waitAddress, "address");
      const token = bearerToken(req);
      if (token !== null) {
        const waitToken = this.tokenBuckets(surface, req).take(createHash("sha256").update(token).digest("base64url"));
        if (waitToken > 0) return reject(req, res, waitToken, "token");
      }
      next();
    };
  }

  /** /api/v1/admin takes members' tokens, the rest of /api/v1 product services' API tokens. */
  private tokenBuckets(surface: RateLimitedSurface, req: Request): TokenBuckets {
    if (surface !== "api") return this.byToken;
    return req.path === "/admin" || req.path.startsWith("/admin/") ? this.byToken : this.byApiToken;
  }
}
