/**
 * Applying a mapping file: validate it, record a refusal or store it as the next version, and
 * recompute every member under it, all in one transaction. Shared by the file watcher, the CLI
 * and the tests; the admin API edits through roles/admin (same storage, same recompute).
 */
import { createHash } from "node:crypto";
import type { Database, Executor } from "../db/connection";
import { lockOrgPermissions } from "../db/locks";
import { insertMappingRefusal, resolveMappingRefusals } from "../db/mapping-refusals";
import { currentMappingVersion, insertMapping } from "../db/mappings";
import { anyRoleEditor } from "../db/permissions";
import { withAfterCommit } from "../db/transaction";
import { type Lockout, type Mapping, type MappingIssue, type ParseResult, type SourceLimits, lockoutOf, parseMapping } from "../mapping";
import type { ChangeCause } from "../db/change-cause";
import type { MappingPermissionSync, Recomputed } from "./sync";

export type ApplyResult =
  | { readonly ok: true; readonly version: number; readonly changed: number; readonly unchanged: boolean }
  | { readonly ok: false; readonly reason: "invalid"; readonly errors: readonly MappingIssue[] }
  | { readonly ok: false; readonly reason: "would_lock_out"; readonly lockout: Lockout };

/** A refusal as lines a person reads: every located issue, or the lock-out. */
export function refusalLines(result: Extract<ApplyResult, { ok: false }>): string[] {
  return result.reason === "invalid" ? result.errors.map((e) => `${e.file}:${e.line}:${e.column} ${e.code}: ${e.message}`) : [result.lockout.message];
}

export interface ApplyOptions {
  orgId: string;
  text: string;
  sourceName: string;
  /** Who applies it: `cli:<os user>`, `file:<path>`. */
  actor: string;
  /** Refuse (and write nothing) when no active member could edit roles afterwards although someone could before. */
  refuseLockout?: boolean;
  /** MAPPING_MAX_BYTES and MAPPING_MAX_ALIASES (mapping/'s defaults when absent). */
  limits?: SourceLimits;
  /** Parses the text elsewhere (the server's worker thread, server/mapping-parser.ts); in this thread when absent. */
  parse?: (text: string, sourceName: string) => Promise<ParseResult>;
}

export async function applyMappingText(db: Database, sync: MappingPermissionSync, options: ApplyOptions): Promise<ApplyResult> {
  const parsed = options.parse ? await options.parse(options.text, options.sourceName) : parseMapping(options.text, options.sourceName, options.limits);
  if (!parsed.ok) {
    await insertMappingRefusal(db.knex, options.orgId, { sourceName: options.sourceName, hash: hashText(options.text), errors: parsed.errors });
    return { ok: false, reason: "invalid", errors: parsed.errors };
  }
  try {
    return await withAfterCommit(db, async (tx, after) => {
      // Mapping changes of one organisation take turns: the version read here is still the latest
      // when the next one is written.
      await lockOrgPermissions(tx, options.orgId, "exclusive");
      await resolveMappingRefusals(tx, options.orgId);
      const current = await currentMappingVersion(tx, options.orgId);
      if (current && current.hash === parsed.hash) return { ok: true as const, version: current.version, changed: 0, unchanged: true };
      const stored = await storeAndRecompute(tx, sync, {
        orgId: options.orgId,
        mapping: parsed.mapping,
        hash: parsed.hash,
        sourceName: options.sourceName,
        sourceText: options.text,
        actor: options.actor,
        cause: (version) => ({ kind: "mapping", version, source: options.sourceName, actor: options.actor }),
      });
      if (options.refuseLockout === true) await refuseLockout(tx, options.orgId, stored.recomputed);
      after(stored.recomputed);
      return { ok: true as const, version: stored.version, changed: stored.recomputed.changed, unchanged: false };
    });
  } catch (err) {
    if (err instanceof LockoutError) return { ok: false, reason: "would_lock_out", lockout: err.lockout };
    throw err;
  }
}

/**
 * A mapping source that cannot even be read as a file — a directory, or a file past
 * MAPPING_MAX_BYTES — is refused like an invalid file: recorded (GET /api/v1/mapping shows it as
 * `lastRefused`) with one located issue that says why; the mapping in force stays.
 */
export async function refuseMappingSource(db: Database, options: { orgId: string; sourceName: string; fingerprint: string; message: string }): Promise<MappingIssue> {
  const issue: MappingIssue = { file: options.sourceName, line: 1, column: 1, code: "too_large", message: options.message };
  await insertMappingRefusal(db.knex, options.orgId, { sourceName: options.sourceName, hash: hashText(options.fingerprint), errors: [issue] });
  return issue;
}

/** Thrown inside the writing transaction so that it rolls back; callers turn it into their refusal. */
export class LockoutError extends Error {
  override readonly name = "LockoutError";
  constructor(readonly lockout: Lockout) {
    super(lockout.message);
  }
}

/**
 * After a recompute, in its transaction: if no member may edit roles any more but someone lost the
 * right in this change, the change is a lock-out and is rolled back.
 */
export async function refuseLockout(tx: Executor, orgId: string, recomputed: Recomputed): Promise<void> {
  if (recomputed.roleEditorChanges.length === 0 || (await anyRoleEditor(tx, orgId))) return;
  const lockout = lockoutOf(recomputed.roleEditorChanges, 0);
  if (lockout !== null) throw new LockoutError(lockout);
}

/** The next mapping version, stored and in force for every member, in the caller's locked transaction. */
export async function storeAndRecompute(
  tx: Executor,
  sync: MappingPermissionSync,
  input: {
    orgId: string;
    mapping: Mapping;
    hash: string;
    sourceName: string;
    sourceText: string;
    actor: string;
    cause: (version: number) => ChangeCause;
    /** Runs once the version is numbered, before members are recomputed (the admin log's row). */
    beforeRecompute?: (version: number) => Promise<void>;
  },
): Promise<{ version: number; recomputed: Recomputed }> {
  const version = await insertMapping(tx, input.orgId, {
    hash: input.hash,
    mapping: input.mapping,
    sourceName: input.sourceName,
    sourceText: input.sourceText,
    appliedBy: input.actor,
  });
  await input.beforeRecompute?.(version);
  const recomputed = await sync.recomputeAll(tx, input.orgId, input.cause(version), input.mapping);
  return { version, recomputed };
}

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
