/**
 * The mapping as the admin API reads and edits it. Every edit — a whole document, one role, one
 * rule, the toggles, a rollback — is one path: in the organisation's exclusive permission lock, the
 * actor's permissions re-read, If-Match checked against the version in force, the edited document
 * validated like a file, each changed part checked against the policy, then stored as the next
 * version and every member recomputed in the same transaction; a change that would leave no one able
 * to edit roles rolls back. Nothing is written unless all of it passes.
 */
import type { Database, Executor } from "../../db/connection";
import { lockOrgPermissions } from "../../db/locks";
import { type MappingVersionSummary, currentMapping, mappingVersion, mappingVersions } from "../../db/mappings";
import { findOrgById } from "../../db/orgs";
import { findMemberPermissions } from "../../db/permissions";
import { withAfterCommit } from "../../db/transaction";
import {
  type DescribedChange,
  type GrantRule,
  type Mapping,
  type MappingDocument,
  type MappingEdit,
  type MappingIssue,
  type MappingPlan,
  type ParseResult,
  type PlanPage,
  type PlanPlace,
  PLAN_LIMITS,
  isObject,
  applyEdit,
  emptyMapping,
  mappingChanges,
  mappingFromJSON,
  mappingToDocument,
  mappingToYaml,
  judgeGrant,
  newValidationWarnings,
  parseMapping,
} from "../../mapping";
import { refuseLockout, storeAndRecompute } from "../apply";
import { planMapping } from "../plan";
import type { MappingPermissionSync } from "../sync";
import { type Actor, actorName, loadActor, requestOf, requireAction, requireGrant } from "./actor";
import { decodeCursor, encodeCursor } from "./cursor";
import { guardLockout, refuse } from "./errors";
import { logAdminAction } from "./log";

export interface AdminDeps {
  readonly db: Database;
  readonly sync: MappingPermissionSync;
  /**
   * Parses and validates an edited document. The server's parses in a worker thread (a megabyte
   * takes about a second, which must not hold the event loop); without it, in this thread.
   */
  readonly parse?: (text: string, file: string) => Promise<ParseResult>;
}

/** The edited document as the admin API stores it, parsed and validated like a file. */
async function parseEdited(deps: AdminDeps, document: unknown): Promise<ParseResult> {
  const text = JSON.stringify(document, null, 2);
  return deps.parse ? deps.parse(text, ADMIN_SOURCE) : parseMapping(text, ADMIN_SOURCE);
}

const problems = (count: number): string => (count === 1 ? "1 problem" : `${count} problems`);

/** The If-Match of a write: `*`, the versions it names, or null when the request had none. */
export type IfMatch = { readonly any: true } | { readonly versions: readonly number[] } | null;

/** The name admin-API versions are stored under. */
export const ADMIN_SOURCE = "admin API";

export interface MappingView {
  /** 0 while no mapping was ever applied. */
  readonly version: number;
  readonly hash: string | null;
  readonly appliedAt: string | null;
  readonly appliedBy: string | null;
  readonly source: string | null;
  /** The file that manages the organisation's mapping: writes are refused while it is set. */
  readonly managedByFile: string | null;
  readonly document: MappingDocument | null;
}

export async function readMapping(deps: AdminDeps, actor: Actor): Promise<MappingView> {
  requireAction(actor, "read_roles");
  const current = await currentMapping(deps.db.knex, actor.orgId);
  const managedByFile = (await findOrgById(deps.db.knex, actor.orgId))?.mappingFile ?? null;
  if (current === null) return { version: 0, hash: null, appliedAt: null, appliedBy: null, source: null, managedByFile, document: null };
  return {
    version: current.version,
    hash: current.hash,
    appliedAt: current.appliedAt,
    appliedBy: current.appliedBy,
    source: current.sourceName,
    managedByFile,
    document: mappingToDocument(mappingFromJSON(current.mapping)),
  };
}

export interface EditOutcome {
  readonly version: number;
  readonly hash: string;
  readonly unchanged: boolean;
  /** Members whose permissions changed. */
  readonly changedMembers: number;
  readonly changes: readonly DescribedChange[];
  readonly warnings: readonly MappingIssue[];
  readonly mapping: Mapping;
}

export interface EditOptions {
  readonly ifMatch: IfMatch;
  /** The admin log's name for the write: `mapping.replace`, `role.put`, … */
  readonly action: string;
  readonly target: string | null;
}

export async function editMapping(deps: AdminDeps, signedIn: Actor, edit: MappingEdit, options: EditOptions): Promise<EditOutcome> {
  const org = await findOrgById(deps.db.knex, signedIn.orgId);
  if (org?.mappingFile) {
    refuse("managed_by_file", `The mapping of this organisation is managed by the file ${org.mappingFile}; change the file instead (reads and plans still work here).`, { file: org.mappingFile });
  }
  const ifMatch = options.ifMatch;
  if (ifMatch === null) refuse("precondition_required", "Send If-Match with the ETag of the mapping you edited (GET /api/v1/admin/mapping), so a concurrent edit is never overwritten.");
  return guardLockout(() =>
    withAfterCommit(deps.db, async (tx, after) => {
      await lockOrgPermissions(tx, signedIn.orgId, "exclusive");
      const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
      if (!actor.may.edit_custom_roles && !actor.may.edit_standard_roles && !actor.may.toggle_org && !actor.may.transfer_primary_owner) {
        requireAction(actor, "edit_custom_roles");
      }
      const { mapping: current, version } = await deps.sync.inForce.mapping(tx, actor.orgId);
      const inForce = version ?? 0;
      if (!("any" in ifMatch) && !ifMatch.versions.includes(inForce)) {
        refuse("precondition_failed", `The mapping changed since you read it: version ${inForce} is in force. Read it again, reapply your change and retry.`, { version: inForce });
      }
      const edited = applyEdit(version === null ? null : current, edit);
      if (!edited.ok) refuse(edited.missing === "role" ? "role_not_found" : "rule_not_found", edited.message);
      const parsed = await parseEdited(deps, edited.document);
      if (!parsed.ok) refuse("invalid_mapping", `The mapping is invalid: ${problems(parsed.errors.length)}; nothing was applied.`, { issues: parsed.errors });
      const before = version === null ? emptyMapping() : current;
      const changes = mappingChanges(before, parsed.mapping);
      requireGrant(actor, { kind: "mapping", before, after: parsed.mapping, successor: await successorOf(tx, actor.orgId, before, parsed.mapping) });
      if (changes.length === 0 && version !== null) {
        return { version, hash: parsed.hash, unchanged: true, changedMembers: 0, changes, warnings: parsed.warnings, mapping: current };
      }
      const name = actorName(actor);
      let actionSeq = 0;
      const stored = await storeAndRecompute(tx, deps.sync, {
        orgId: actor.orgId,
        mapping: parsed.mapping,
        hash: parsed.hash,
        sourceName: ADMIN_SOURCE,
        sourceText: mappingToYaml(parsed.mapping),
        actor: name,
        cause: (newVersion) => ({ kind: "admin", actor: name, action: options.action, target: options.target, actionSeq, version: newVersion, ...requestOf(signedIn) }),
        beforeRecompute: async (newVersion) => {
          actionSeq = await logAdminAction(deps, tx, after, actor.orgId, {
            actor: name,
            action: options.action,
            target: options.target,
            detail: { version: newVersion, changes: changes.map((change) => change.description) },
          });
        },
      });
      await refuseLockout(tx, actor.orgId, stored.recomputed);
      after(stored.recomputed);
      return { version: stored.version, hash: parsed.hash, unchanged: false, changedMembers: stored.recomputed.changed, changes, warnings: parsed.warnings, mapping: parsed.mapping };
    }),
  );
}

export interface PlanOutcome {
  readonly plan: MappingPlan;
  /** The changed parts of the mapping, the first PLAN_LIMITS.parts of them. */
  readonly changes: readonly DescribedChange[];
  readonly changesCount: number;
  /** What this actor would be refused, if they applied it (null: they may). */
  readonly refusal: { readonly rule: GrantRule; readonly message: string } | null;
  /** The document's own warnings, the first PLAN_LIMITS.validationWarnings of them. */
  readonly warnings: readonly MappingIssue[];
  readonly warningsCount: number;
  /** The next page of changed members (the same proposal, planned again from this cursor), or null. */
  readonly nextCursor: string | null;
}

const isPlace = (value: unknown): value is PlanPlace =>
  isObject(value) && typeof value["userName"] === "string" && typeof value["id"] === "string" && Object.keys(value).length === 2;

/**
 * Who would gain and lose what; nothing is written (file-managed organisations may plan too). Any
 * member who may read roles may ask, so the answer is bounded (PLAN_ANSWER_MAX_BYTES): counts for
 * everyone, a page of members (`page`), and at most so many parts and warnings — only the warnings
 * the edit touches or brings, so an edit of one role is not buried under every other role's.
 */
export async function planEdit(deps: AdminDeps, actor: Actor, edit: MappingEdit, query: { limit?: number; cursor?: string } = {}): Promise<PlanOutcome> {
  requireAction(actor, "read_roles");
  const page: PlanPage = {
    ...(query.limit === undefined ? {} : { limit: query.limit }),
    ...(query.cursor === undefined ? {} : { after: decodeCursor(query.cursor, isPlace) }),
  };
  const { mapping: current, version } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const edited = applyEdit(version === null ? null : current, edit);
  if (!edited.ok) refuse(edited.missing === "role" ? "role_not_found" : "rule_not_found", edited.message);
  const parsed = await parseEdited(deps, edited.document);
  if (!parsed.ok) refuse("invalid_mapping", `The mapping is invalid: ${problems(parsed.errors.length)}.`, { issues: parsed.errors });
  const before = version === null ? emptyMapping() : current;
  const changes = mappingChanges(before, parsed.mapping);
  const decision = judgeGrant(actor.permissions, { kind: "mapping", before, after: parsed.mapping, successor: await successorOf(deps.db.knex, actor.orgId, before, parsed.mapping) });
  // Only the warnings this edit brings or touches, each once (mapping/planWarnings.ts).
  const plan = await planMapping(deps.db, deps.sync, actor.orgId, parsed.mapping, page, changes);
  const inForce = version === null ? null : await parseEdited(deps, mappingToDocument(current));
  const warnings = newValidationWarnings(parsed.warnings, inForce?.ok === true ? inForce.warnings : []);
  return {
    plan,
    nextCursor: plan.next === null ? null : encodeCursor({ userName: plan.next.userName, id: plan.next.id }),
    changes: changes.slice(0, PLAN_LIMITS.parts),
    changesCount: changes.length,
    refusal: decision.allowed ? null : { rule: decision.rule, message: decision.message },
    warnings: warnings.slice(0, PLAN_LIMITS.validationWarnings),
    warningsCount: warnings.length,
  };
}

/**
 * Whether the userName a mapping edit makes Primary Owner belongs to an active member. Asked only
 * when it changes: a transfer to a name no one has would make whoever is provisioned under it later
 * the Primary Owner. (A mapping file at first set-up may still name one not yet provisioned; the
 * file's path warns of it and is not an admin write.)
 */
async function successorOf(tx: Executor, orgId: string, before: Mapping, after: Mapping): Promise<"active_member" | "not_a_member"> {
  if (before.primaryOwner.toLowerCase() === after.primaryOwner.toLowerCase()) return "active_member";
  const found = after.primaryOwner === "" ? null : await findMemberPermissions(tx, orgId, { userName: after.primaryOwner });
  // A suspended member may not sign in, so cannot take primary ownership either.
  return found !== null && found.active && !found.suspended ? "active_member" : "not_a_member";
}

/** A rollback is a new version with an old version's content, checked like any other edit. */
export async function rollbackMapping(deps: AdminDeps, actor: Actor, to: number, ifMatch: IfMatch): Promise<EditOutcome> {
  requireAction(actor, "read_roles");
  const old = await mappingVersion(deps.db.knex, actor.orgId, to);
  if (old === null) refuse("version_not_found", `No mapping version ${to}`);
  const document = mappingToDocument(mappingFromJSON(old.mapping));
  return editMapping(deps, actor, { kind: "replace", document }, { ifMatch, action: "mapping.rollback", target: `version ${to}` });
}

export async function listVersions(deps: AdminDeps, actor: Actor, page: { before?: number; limit: number }): Promise<MappingVersionSummary[]> {
  requireAction(actor, "read_roles");
  return mappingVersions(deps.db.knex, actor.orgId, page);
}

export async function readVersion(deps: AdminDeps, actor: Actor, version: number): Promise<MappingVersionSummary & { document: MappingDocument; mapping: Mapping }> {
  requireAction(actor, "read_roles");
  const stored = await mappingVersion(deps.db.knex, actor.orgId, version);
  if (stored === null) refuse("version_not_found", `No mapping version ${version}`);
  const mapping = mappingFromJSON(stored.mapping);
  const { sourceText: _text, mapping: _stored, ...summary } = stored;
  return { ...summary, document: mappingToDocument(mapping), mapping };
}

/** What changed from one version to another, part by part (the console's versions diff). */
export async function diffVersions(deps: AdminDeps, actor: Actor, from: number, to: number): Promise<DescribedChange[]> {
  const [a, b] = [await readVersion(deps, actor, from), await readVersion(deps, actor, to)];
  return mappingChanges(a.mapping, b.mapping);
}
