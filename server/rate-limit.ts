/**
 * Rate limiting with token buckets, per bearer token and per client address, before
 * authentication (a flood of bad tokens costs a hash and a map lookup, not a database query).
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
  readonly perToken: BucketLimit;
  readonly perAddress: BucketLimit;
}

/** Answers over-limit requests with `reject` (429 with Retry-After, in the route's error format). */
export function rateLimit(limits: RateLimits, reject: (req: Request, res: Response, retryAfterSeconds: number, scope: "token" | "address") => void): RequestHandler {
  const byAddress = new TokenBuckets(limits.perAddress);
  const byToken = new TokenBuckets(limits.perToken);
  return (req: Request, res: Response, next: NextFunction) => {
    const address = req.ip ?? req.socket.remoteAddress ?? "unknown";
    const waitAddress = byAddress.take(address);
    if (waitAddress > 0) return reject(req, res, waitAddress, "address");
    const token = bearerToken(req);
    if (token !== null) {
      const waitToken = byToken.take(createHash("sha256").update(token).digest("base64url"));
      if (waitToken > 0) return reject(req, res, waitToken, "token");
    }
    next();
  };
}
