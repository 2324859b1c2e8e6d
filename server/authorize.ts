/**
 * `POST /api/v1/authorize`: one question, or a batch of up to 100, answered at a stated
 * consistency (as SpiceDB's, after Zanzibar's zookies):
 * - `"full"` (the default): never older than any write acknowledged before the request arrived.
 *   The organisation's revision (db/revisions.ts) is read first; a member held in memory is served
 *   only if it was read at that revision, else it is read again, with the revision folded into the
 *   same statement (db/permissions.ts `findMemberPermissionsAt`).
 * - `{ "atLeast": "<revision>" }`: from a state at least that revision (the `X-Revision` of a
 *   write's response): memory serves when what it holds was read at that revision or later.
 * - `"minimize_latency"`: memory serves whatever server/read-cache.ts still holds, which is never
 *   older than a change this server heard of, nor than `CACHE_MAX_AGE_MS`.
 * Every answer says the revision it was read at and the consistency it was asked with.
 */
import type { Database } from "../db/connection";
import { organisationRevision } from "../db/outbox";
import { type MemberLookup, findMemberPermissionsAt } from "../db/permissions";
import {
  AREAS, BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, type EffectivePermissions, LEVELS, NO_ACCESS, closestMatch, isArea, isLevel, isObject, levelRank,
  permissionsFromJSON,
} from "../mapping";
import { type MappingPermissionSync, isKnownGrant } from "../roles";
import { ApiError } from "./api-errors";
import type { UsageCounter } from "./analytics";
import type { ReadCache } from "./read-cache";

export const CONSISTENCY_MODES = ["full", "at_least", "minimize_latency"] as const;
export type ConsistencyMode = (typeof CONSISTENCY_MODES)[number];

export type Consistency = { readonly mode: "full" } | { readonly mode: "minimize_latency" } | { readonly mode: "at_least"; readonly revision: number };

/** The most questions one batch may ask. */
export const MAX_BATCH_CHECKS = 100;

export interface MemberRef {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
}

/** A member as authorize reads it, with the revision of the state it was read from. */
export interface FoundMember {
  readonly member: MemberRef;
  readonly permissions: EffectivePermissions;
  readonly revision: number;
}

/** Where a member's answer came from, for the counter `scim_authorize_member_reads_total`. */
export type MemberSource = "cache" | "database";

export interface AuthorizeDeps {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  readonly members: ReadCache<FoundMember>;
  readonly counted?: (source: MemberSource) => void;
  /** Usage analytics (server/analytics.ts): one in-memory increment per decision. */
  readonly usage?: UsageCounter;
}

const REVISION = /^\d{1,15}$/;

/** The request's `consistency`, or a 400 that says what is accepted. */
export function parseConsistency(value: unknown): Consistency {
  if (value === undefined || value === "full") return { mode: "full" };
  if (value === "minimize_latency") return { mode: "minimize_latency" };
  if (isObject(value) && Object.keys(value).length === 1 && "atLeast" in value) {
    const raw = value.atLeast;
    const text = typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0 ? String(raw) : raw;
    if (typeof text === "string" && REVISION.test(text)) return { mode: "at_least", revision: Number(text) };
    throw new ApiError("invalid_request", "consistency.atLeast must be a revision: the decimal string of an X-Revision header or an answer's revision");
  }
  throw new ApiError("invalid_request", 'consistency must be "full" (the default), "minimize_latency", or { "atLeast": "<revision>" }');
}

/**
 * The members one request reads, at one consistency: a member named twice in a batch is looked up
 * once, and under "full" the organisation's revision is read at most once.
 */
export class MemberReader {
  private required: Promise<number> | null = null;
  private readonly looked = new Map<string, Promise<FoundMember>>();
  /** The revisions the answers were read at. */
  readonly revisions: number[] = [];

  constructor(
    private readonly deps: AuthorizeDeps,
    private readonly orgId: string,
    readonly consistency: Consistency,
  ) {}

  find(by: MemberLookup): Promise<FoundMember> {
    const key = "id" in by ? `${this.orgId}\nid\n${by.id}` : "userName" in by ? `${this.orgId}\nuserName\n${by.userName}` : `${this.orgId}\neither\n${by.idOrUserName}`;
    let found = this.looked.get(key);
    if (found === undefined) {
      found = this.lookUp(key, by);
      this.looked.set(key, found);
    }
    return found;
  }

  /** The revision every answer of the request reflects (the oldest one read), for a batch's answer. */
  async revision(): Promise<number> {
    if (this.revisions.length > 0) return Math.min(...this.revisions);
    return this.requiredRevision();
  }

  private async lookUp(key: string, by: MemberLookup): Promise<FoundMember> {
    const held = this.deps.members.peek(key);
    if (held !== null && (await this.fresh(held))) {
      this.deps.counted?.("cache");
      this.revisions.push(held.revision);
      return held;
    }
    this.deps.counted?.("database");
    let revision = 0;
    const found = await this.deps.members.load(key, async () => {
      const read = await findMemberPermissionsAt(this.deps.db.knex, this.orgId, by);
      revision = read.revision;
      if (read.member === null) return null;
      const permissions = read.member.permissions === null ? NO_ACCESS : permissionsFromJSON(read.member.permissions);
      // `active` as the role mapping reads it: a member the organisation suspended is not, whatever the IdP sent.
      const active = read.member.active && !read.member.suspended;
      return { member: { id: read.member.id, userName: read.member.userName, active }, permissions, revision: read.revision };
    });
    if (this.consistency.mode === "at_least" && revision < this.consistency.revision) {
      // One database: a revision a write acknowledged is already committed. A later one was never given out here.
      throw new ApiError("invalid_request", `consistency.atLeast names revision ${this.consistency.revision}, which this organisation has not reached (it is at ${revision})`);
    }
    this.revisions.push(revision);
    if (found === null) throw new ApiError("member_not_found", `No member with ${"id" in by ? `id ${by.id}` : "userName" in by ? `userName ${by.userName}` : `id or userName ${by.idOrUserName}`}`);
    return found;
  }

  /** Whether what memory holds may answer at this consistency. */
  private async fresh(held: FoundMember): Promise<boolean> {
    switch (this.consistency.mode) {
      case "minimize_latency":
        return true;
      case "at_least":
        return held.revision >= this.consistency.revision;
      case "full":
        return held.revision >= (await this.requiredRevision());
    }
  }

  private requiredRevision(): Promise<number> {
    this.required ??= organisationRevision(this.deps.db.knex, this.orgId);
    return this.required;
  }
}

/** One question's answer (or its ApiError, thrown). */
export async function answerOne(deps: AuthorizeDeps, reader: MemberReader, orgId: string, input: Record<string, unknown>, vocabulary: Vocabulary): Promise<Record<string, unknown>> {
  if (typeof input.member !== "string" || input.member === "") throw new ApiError("invalid_request", "member must be a member id or userName");
  const found = await reader.find({ idOrUserName: input.member });
  await checkVocabulary(deps, orgId, input, vocabulary);
  const answer = decide(found.member, found.permissions, input);
  if (deps.usage !== undefined) countDecision(deps.usage, orgId, input, answer.allowed === true);
  return { ...answer, revision: String(found.revision) };
}

/** A decision as analytics counts it: by the area, capability or connector asked about (a decided question names one). */
function countDecision(usage: UsageCounter, orgId: string, input: Record<string, unknown>, allowed: boolean): void {
  if (typeof input.area === "string") usage.decided(orgId, "area", input.area, allowed);
  else if (typeof input.capability === "string") usage.decided(orgId, "capability", input.capability, allowed);
  else if (typeof input.connector === "string") usage.decided(orgId, "connector", input.connector, allowed);
}

/** Known-name answers of one request, so that a batch asks each name once. */
export type Vocabulary = Map<string, Promise<boolean>>;

/** A capability or connector no role, toggle or override could ever grant is a mistake, not a "no". */
async function checkVocabulary(deps: AuthorizeDeps, orgId: string, input: Record<string, unknown>, known: Vocabulary): Promise<void> {
  if (typeof input.area === "string") return;
  const ask = (kind: "capability" | "connector", name: string) => {
    const key = `${kind}\n${name}`;
    let answer = known.get(key);
    if (answer === undefined) {
      answer = isKnownGrant(deps.db.knex, deps.sync, orgId, kind, name);
      known.set(key, answer);
    }
    return answer;
  };
  if (typeof input.capability === "string" && !(await ask("capability", input.capability))) {
    throw new ApiError("unknown_capability", `Unknown capability "${input.capability}": it is neither built in nor known to this organisation${didYouMean(input.capability, BUILTIN_CAPABILITIES)}`);
  }
  if (typeof input.connector === "string" && !(await ask("connector", input.connector))) {
    throw new ApiError("unknown_connector", `Unknown connector "${input.connector}": it is neither built in nor known to this organisation${didYouMean(input.connector, BUILTIN_CONNECTORS)}`);
  }
}

function didYouMean(input: string, candidates: readonly string[]): string {
  const suggestion = closestMatch(input, candidates);
  return suggestion === null ? "" : `; did you mean "${suggestion}"?`;
}

function decide(member: MemberRef, p: EffectivePermissions, input: Record<string, unknown>): Record<string, unknown> {
  const base = { member, orgRole: p.orgRole };
  if (typeof input.area === "string") {
    if (!isArea(input.area)) throw new ApiError("unknown_area", `Unknown area "${input.area}"; areas are ${AREAS.join(", ")}`);
    const level = input.level === undefined ? "view" : input.level;
    if (!isLevel(level)) throw new ApiError("unknown_level", `level must be one of ${LEVELS.join(", ")}`);
    const granted = p.admin[input.area];
    return { allowed: levelRank(granted) >= levelRank(level), ...base, area: input.area, level, granted };
  }
  if (typeof input.capability === "string") return { allowed: p.capabilities.includes(input.capability), ...base, capability: input.capability };
  if (typeof input.connector === "string") return { allowed: p.connectors.includes(input.connector), ...base, connector: input.connector };
  throw new ApiError("invalid_request", "Ask about one of: area (with level), capability, connector");
}

/** The body of `POST /api/v1/authorize`: one question, or `{ checks: [...] }`. */
export async function authorize(deps: AuthorizeDeps, orgId: string, body: unknown): Promise<Record<string, unknown>> {
  const input: Record<string, unknown> = isObject(body) ? body : {};
  const consistency = parseConsistency(input.consistency);
  const reader = new MemberReader(deps, orgId, consistency);
  const vocabulary: Vocabulary = new Map();
  if (input.checks === undefined) return { ...(await answerOne(deps, reader, orgId, input, vocabulary)), consistency: consistency.mode };
  const checks = input.checks;
  if (!Array.isArray(checks)) throw new ApiError("invalid_request", "checks must be an array of questions, each { member, area (with level) | capability | connector }");
  if (checks.length > MAX_BATCH_CHECKS) throw new ApiError("invalid_request", `checks holds ${checks.length} questions; a batch asks at most ${MAX_BATCH_CHECKS}`);
  if (input.member !== undefined) throw new ApiError("invalid_request", "Ask either one question (member, …) or a batch (checks), not both");
  const results = await Promise.all(
    checks.map(async (check: unknown) => {
      try {
        if (!isObject(check)) throw new ApiError("invalid_request", "Each check must be an object { member, area (with level) | capability | connector }");
        if (check.consistency !== undefined) throw new ApiError("invalid_request", "consistency applies to the whole batch: give it beside checks, not in a check");
        return { ...(await answerOne(deps, reader, orgId, check, vocabulary)), consistency: consistency.mode };
      } catch (err) {
        // A question that alone would be refused is answered in its place; anything else fails the batch.
        if (!(err instanceof ApiError)) throw err;
        return { status: err.status, error: { code: err.code, message: err.message } };
      }
    }),
  );
  return { results, revision: String(await reader.revision()), consistency: consistency.mode };
}
