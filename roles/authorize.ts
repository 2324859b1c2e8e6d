/**
 * Authorize as a use case: find each member asked about at the consistency asked (as SpiceDB's,
 * after Zanzibar's zookies), learn a name's place in the vocabulary only when an answer hangs on it,
 * and let the pure `decide` (mapping/authorize.ts) answer.
 * - `full` (the default): never older than any write acknowledged before the request arrived.
 *   A member held in memory is served only if it was read at the organisation's revision
 *   (db/revisions.ts), read first; a member not held is read with the revision folded into the same
 *   statement (db/permissions.ts `findMemberPermissionsAt`), so every answer costs one statement.
 * - `at_least`: from a state at least that revision (the `X-Revision` of a write's response):
 *   memory serves when what it holds was read at that revision or later.
 * - `minimize_latency`: memory serves whatever it still holds, which is never older than a change
 *   this server heard of (server/read-cache.ts).
 * A batch is answered under one consistency and one revision; each distinct member is looked up once.
 */
import type { Database } from "../db/connection";
import { organisationRevision } from "../db/outbox";
import { type MemberLookup, findMemberPermissionsAt } from "../db/permissions";
import {
  type AskedName, type AuthorizeAnswer, type AuthorizeMember, type AuthorizeQuestion, type EffectivePermissions, NO_ACCESS, decide, nameToConfirm, permissionsFromJSON,
} from "../mapping";
import type { MappingPermissionSync } from "./sync";
import { isKnownGrant } from "./vocabulary";

export type Consistency = { readonly mode: "full" } | { readonly mode: "minimize_latency" } | { readonly mode: "at_least"; readonly revision: number };

/** A member as authorize reads it, with the revision of the state it was read from. */
export interface FoundMember {
  readonly member: AuthorizeMember;
  readonly permissions: EffectivePermissions;
  readonly revision: number;
}

/** Where a member's answer came from, for the counter `scim_authorize_member_reads_total`. */
export type MemberSource = "cache" | "database";

/** Members kept in memory while nothing they were read from changed (server/read-cache.ts is one). */
export interface MemberCache {
  /** The member held for `key` while still known to be current; null when it must be read. */
  peek(key: string): FoundMember | null;
  /** Reads `key` with `load`, keeping what it found unless a change may have raced the read. */
  load(key: string, load: () => Promise<FoundMember | null>): Promise<FoundMember | null>;
}

export interface AuthorizeDeps {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  readonly members: MemberCache;
  /** Revision reads shared by concurrent requests (without it, each request reads its own). */
  readonly revisions?: SharedRevisionReads;
  readonly counted?: (source: MemberSource) => void;
  /** One call per decision (usage analytics). */
  readonly decided?: (orgId: string, question: AuthorizeQuestion, allowed: boolean) => void;
}

export type AuthorizeErrorCode = "invalid_request" | "member_not_found" | "unknown_capability" | "unknown_connector";

/** A question this organisation cannot answer as asked; the API renders it with its code. */
export class AuthorizeError extends Error {
  override readonly name = "AuthorizeError";
  constructor(
    readonly code: AuthorizeErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** One question: a member (id or userName) and what is asked about them. */
export interface Check {
  readonly member: string;
  readonly question: AuthorizeQuestion;
}

export interface Answered {
  readonly answer: AuthorizeAnswer;
  /** The revision the member was read at. */
  readonly revision: number;
}

export type CheckOutcome = ({ readonly ok: true } & Answered) | { readonly ok: false; readonly error: AuthorizeError };

/** One question's answer; an AuthorizeError when it has none. */
export async function authorizeCheck(deps: AuthorizeDeps, orgId: string, consistency: Consistency, check: Check): Promise<Answered> {
  return answer(new MemberReader(deps, orgId, consistency), check);
}

/**
 * Up to a batch of questions, answered in order at one consistency: a question that has no answer
 * gets its error in its place, and `revision` is the oldest state any answer was read from, so
 * every answer reflects at least that revision.
 */
export async function authorizeChecks(deps: AuthorizeDeps, orgId: string, consistency: Consistency, checks: readonly Check[]): Promise<{ outcomes: CheckOutcome[]; revision: number }> {
  const reader = new MemberReader(deps, orgId, consistency);
  const outcomes = await Promise.all(
    checks.map(async (check): Promise<CheckOutcome> => {
      try {
        return { ok: true, ...(await answer(reader, check)) };
      } catch (err) {
        if (err instanceof AuthorizeError) return { ok: false, error: err };
        throw err;
      }
    }),
  );
  return { outcomes, revision: await reader.revision() };
}

async function answer(reader: MemberReader, check: Check): Promise<Answered> {
  const found = await reader.find({ idOrUserName: check.member });
  const asked = nameToConfirm(found.permissions, check.question);
  const known = asked === null || (await reader.isKnown(asked));
  const verdict = decide(found.member, found.permissions, check.question, () => known);
  if (!verdict.ok) throw new AuthorizeError(verdict.refusal.code, verdict.refusal.message);
  reader.decided(check.question, verdict.answer.allowed);
  return { answer: verdict.answer, revision: found.revision };
}

/**
 * An organisation's revision read once for every request that asked for it before the read began.
 * `full` needs a revision read after the request arrived: a read that has not begun yet is one,
 * for every request already waiting on it, so the requests that arrive in one turn of the event
 * loop share one statement, started at the end of that turn. A request that asks once the read
 * has begun waits for the next.
 */
export class SharedRevisionReads {
  private readonly waiting = new Map<string, Promise<number>>();

  constructor(private readonly db: Database) {}

  read(orgId: string): Promise<number> {
    let next = this.waiting.get(orgId);
    if (next === undefined) {
      next = new Promise<number>((resolve, reject) => {
        setImmediate(() => {
          // Begun: whoever asks from now on may have arrived after this read's snapshot was chosen.
          this.waiting.delete(orgId);
          organisationRevision(this.db.knex, orgId).then(resolve, reject);
        });
      });
      this.waiting.set(orgId, next);
    }
    return next;
  }
}

/**
 * The members one request reads, at one consistency: a member named twice is looked up once, the
 * organisation's revision is read at most once, and each name's place in the vocabulary asked once.
 */
export class MemberReader {
  private required: Promise<number> | null = null;
  private readonly looked = new Map<string, Promise<FoundMember>>();
  private readonly vocabulary = new Map<string, Promise<boolean>>();
  /** The oldest revision an answer was read at. */
  private oldest = Number.POSITIVE_INFINITY;

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

  /** The revision every answer of the request reflects (the oldest one read). */
  async revision(): Promise<number> {
    return Number.isFinite(this.oldest) ? this.oldest : this.requiredRevision();
  }

  isKnown(asked: AskedName): Promise<boolean> {
    const key = `${asked.kind}\n${asked.name}`;
    let known = this.vocabulary.get(key);
    if (known === undefined) {
      known = isKnownGrant(this.deps.db.knex, this.deps.sync, this.orgId, asked.kind, asked.name);
      this.vocabulary.set(key, known);
    }
    return known;
  }

  decided(question: AuthorizeQuestion, allowed: boolean): void {
    this.deps.decided?.(this.orgId, question, allowed);
  }

  private async lookUp(key: string, by: MemberLookup): Promise<FoundMember> {
    const held = this.deps.members.peek(key);
    if (held !== null && (await this.fresh(held))) {
      this.deps.counted?.("cache");
      this.read(held.revision);
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
      throw new AuthorizeError("invalid_request", `consistency.atLeast names revision ${this.consistency.revision}, which this organisation has not reached (it is at ${revision})`);
    }
    this.read(revision);
    if (found === null) throw new AuthorizeError("member_not_found", `No member with ${"id" in by ? `id ${by.id}` : "userName" in by ? `userName ${by.userName}` : `id or userName ${by.idOrUserName}`}`);
    return found;
  }

  private read(revision: number): void {
    if (revision < this.oldest) this.oldest = revision;
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
    this.required ??= this.deps.revisions?.read(this.orgId) ?? organisationRevision(this.deps.db.knex, this.orgId);
    return this.required;
  }
}
