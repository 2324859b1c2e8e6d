/**
 * Privacy, for the console's Privacy page: the organisation's retention settings (Privacy at view
 * reads them, at manage changes them; Owners too), a member's personal data as one JSON document
 * (Privacy managers for anyone, every member for themselves), and the erasure of a deleted member's
 * personal data (pseudonymised, counts kept). Every change, export and erasure is in the admin log.
 */
import { createHash } from "node:crypto";
import { appendAdminAction } from "../../db/admin-actions";
import { logAdminAction } from "./log";
import { type AuditEntry, readAudit } from "../../db/audit";
import type { Executor } from "../../db/connection";
import { listMembers } from "../../db/members";
import { findOrgById } from "../../db/orgs";
import { findMemberPermissions } from "../../db/permissions";
import {
  type DeletedMember, type ExportedAdminAction, type ExportedGroup, type ExportedSession, type PseudonymisedCounts, type RetentionDays,
  adminActionsByOrAbout, auditedMember, deliveredCount, consoleSessionsOf, findDeletedMember, groupsOfMember, listDeletedMembers, mappingTextsMentioning,
  pseudonymiseMember, readRetention, writeRetention,
} from "../../db/privacy";
import type { UserRecord } from "../../db/resources";
import { findUser, findUserByUserName } from "../../db/users";
import { withAfterCommit } from "../../db/transaction";
import { type EffectivePermissions, permissionsFromJSON } from "../../mapping";
import { type Actor, actorName, loadActor, requireAction, requireGrant } from "./actor";
import { refuse } from "./errors";
import type { AdminDeps } from "./mapping";
import { type EffectiveRetention, type RetentionSetting, type StatementRow, privacyStatement } from "./privacy-statement";

export type { EffectiveRetention, RetentionSetting, StatementRow } from "./privacy-statement";

/** What the operator's environment sets: the events' retention where an organisation sets none (EVENT_RETENTION_DAYS). */
export interface PrivacyDefaults {
  readonly eventDays: number;
}

/** The audit log is kept at least this long, whatever is set: who changed whose access stays answerable. */
export const AUDIT_LOG_FLOOR_DAYS = 30;

/** The accepted range of each setting, in days (null, "the default", is accepted for each). */
export const RETENTION_BOUNDS: Readonly<Record<RetentionSetting, { readonly min: number; readonly max: number }>> = {
  auditLogDays: { min: AUDIT_LOG_FLOOR_DAYS, max: 3650 },
  eventDays: { min: 1, max: 365 },
  analyticsDays: { min: 7, max: 3650 },
  deletedMemberDays: { min: 1, max: 3650 },
};

const SETTINGS = Object.keys(RETENTION_BOUNDS) as RetentionSetting[];

export interface RetentionView {
  /** As set: null is the default. */
  readonly settings: RetentionDays;
  /** What the retention job applies (null: kept until deleted otherwise). */
  readonly effective: EffectiveRetention;
  readonly bounds: typeof RETENTION_BOUNDS;
  readonly updatedAt: string | null;
  readonly updatedBy: string | null;
}

/** The days applied for `settings`, defaults filled in. */
export function effectiveRetention(settings: RetentionDays, defaults: PrivacyDefaults): EffectiveRetention {
  return {
    auditLogDays: settings.auditLogDays,
    eventDays: settings.eventDays ?? defaults.eventDays,
    analyticsDays: settings.analyticsDays,
    deletedMemberDays: settings.deletedMemberDays,
  };
}

export async function readRetentionSettings(deps: AdminDeps, actor: Actor, defaults: PrivacyDefaults): Promise<RetentionView> {
  requireAction(actor, "read_privacy");
  return retentionView(await readRetention(deps.db.knex, actor.orgId), defaults);
}

function retentionView(stored: Awaited<ReturnType<typeof readRetention>>, defaults: PrivacyDefaults): RetentionView {
  const settings: RetentionDays = { auditLogDays: stored.auditLogDays, eventDays: stored.eventDays, analyticsDays: stored.analyticsDays, deletedMemberDays: stored.deletedMemberDays };
  return { settings, effective: effectiveRetention(settings, defaults), bounds: RETENTION_BOUNDS, updatedAt: stored.updatedAt, updatedBy: stored.updatedBy };
}

/**
 * Checks a change of settings (each a whole number of days within its bounds, or null for the
 * default; settings left out keep their value), every problem reported together: a value below the
 * audit log's floor is `retention_below_floor`, anything else out of range `retention_out_of_range`.
 */
export function checkRetentionChange(input: Readonly<Record<string, unknown>>, current: RetentionDays): RetentionDays {
  const unknown = Object.keys(input).filter((key) => !(SETTINGS as string[]).includes(key));
  if (unknown.length > 0) refuse("invalid_request", `Unknown retention setting ${unknown.join(", ")}; the settings are ${SETTINGS.join(", ")}`);
  const next: Record<RetentionSetting, number | null> = { ...current };
  const problems: string[] = [];
  let belowFloor = false;
  for (const key of SETTINGS) {
    if (!(key in input)) continue;
    const value = input[key];
    const { min, max } = RETENTION_BOUNDS[key];
    if (value === null) next[key] = null;
    else if (typeof value !== "number" || !Number.isInteger(value)) problems.push(`${key} must be a whole number of days from ${min} to ${max}, or null for the default`);
    else if (value < min || value > max) {
      if (key === "auditLogDays" && value < min) belowFloor = true;
      problems.push(key === "auditLogDays" && value < min ? `auditLogDays cannot be below ${AUDIT_LOG_FLOOR_DAYS} days: the audit log is kept at least that long` : `${key} must be from ${min} to ${max} days`);
    } else next[key] = value;
  }
  if (problems.length > 0) refuse(belowFloor ? "retention_below_floor" : "retention_out_of_range", `${problems.join("; ")}. Nothing was changed.`, { problems });
  return next;
}

export async function changeRetentionSettings(deps: AdminDeps, signedIn: Actor, input: Readonly<Record<string, unknown>>, defaults: PrivacyDefaults): Promise<RetentionView> {
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "manage_privacy");
    requireGrant(actor, { kind: "privacy", op: "retention" });
    const stored = await readRetention(tx, actor.orgId, { forUpdate: true });
    const before = retentionView(stored, defaults).settings;
    const after = checkRetentionChange(input, before);
    const written = await writeRetention(tx, actor.orgId, after, actorName(actor));
    await logAdminAction(deps, tx, onCommit, actor.orgId, { actor: actorName(actor), action: "privacy.retention.set", target: null, detail: { before, after } });
    return retentionView(written, defaults);
  });
}

export async function readPrivacyStatement(deps: AdminDeps, actor: Actor, defaults: PrivacyDefaults): Promise<{ rows: StatementRow[]; effective: EffectiveRetention }> {
  requireAction(actor, "read_privacy");
  const { effective } = retentionView(await readRetention(deps.db.knex, actor.orgId), defaults);
  return { rows: privacyStatement(effective), effective };
}

/** The most deleted members the console's list shows. */
export const DELETED_MEMBERS_LIST_LIMIT = 200;

/** What an erasure rewrites, in words, for the console's confirmation (the answer then gives the counts). */
export const ERASURE_ERASES: readonly string[] = [
  "Their userName, display name and e-mail addresses in the audit log, the admin log and the stored events are replaced by a pseudonym (erased: and a hash); every row stays, so counts stay true.",
  "Their console sessions are deleted.",
  "Their deleted member's record keeps only the pseudonym.",
];

export interface DeletedMembers {
  readonly members: readonly DeletedMember[];
  readonly limit: number;
  /** What an erasure does and does not reach, with why: said before one is confirmed. */
  readonly erasure: { readonly erases: readonly string[]; readonly keeps: ReadonlyArray<{ readonly what: NotErased["what"]; readonly why: string }> };
}

export async function readDeletedMembers(deps: AdminDeps, actor: Actor): Promise<DeletedMembers> {
  requireAction(actor, "read_privacy");
  return {
    members: await listDeletedMembers(deps.db.knex, actor.orgId, DELETED_MEMBERS_LIST_LIMIT),
    limit: DELETED_MEMBERS_LIST_LIMIT,
    erasure: { erases: ERASURE_ERASES, keeps: (Object.keys(NOT_ERASED_WHY) as Array<NotErased["what"]>).map((what) => ({ what, why: NOT_ERASED_WHY[what] })) },
  };
}

/** The most members a search for an export answers. */
export const MEMBER_SEARCH_LIMIT = 20;

/** Members by the start of their userName, display name or e-mail, for a Privacy manager picking whose data to export. */
export async function searchMembersForExport(deps: AdminDeps, actor: Actor, q: string): Promise<Array<{ id: string; userName: string; displayName: string | null }>> {
  requireAction(actor, "manage_privacy");
  const rows = await listMembers(deps.db.knex, { orgId: actor.orgId, ...(q === "" ? {} : { q }), limit: MEMBER_SEARCH_LIMIT });
  return rows.map((row) => ({ id: row.id, userName: row.userName, displayName: row.displayName }));
}

// ---------------------------------------------------------------------------------------------
// Export

/** The most entries each list of an export holds (newest first); `truncated` says when there were more. */
export const EXPORT_LIST_LIMIT = 1000;

export interface PersonalDataExport {
  readonly format: "personal-data-export/1";
  readonly exportedAt: string;
  readonly exportedBy: string;
  readonly organisation: { readonly id: string; readonly name: string };
  readonly member: {
    readonly id: string;
    readonly userName: string;
    /** The SCIM record as stored; null for a deleted member. */
    readonly record: UserRecord | null;
    /** What was kept when they were deleted; null for a current member. */
    readonly deleted: DeletedMember | null;
  };
  readonly groups: readonly ExportedGroup[];
  readonly permissions: EffectivePermissions | null;
  /** Audit-log rows about them: every change of their permissions. */
  readonly permissionHistory: readonly AuditEntry[];
  /** Admin-log rows by them or about them. */
  readonly adminLog: readonly ExportedAdminAction[];
  /** Their console sessions (never a session id or token). */
  readonly consoleSessions: readonly ExportedSession[];
  readonly limits: { readonly entriesPerList: number };
  readonly truncated: { readonly permissionHistory: boolean; readonly adminLog: boolean; readonly consoleSessions: boolean };
}

/** A Privacy manager's export of any member's personal data (a current member, or a deleted one not yet erased). */
export async function exportMemberData(deps: AdminDeps, signedIn: Actor, memberId: string): Promise<PersonalDataExport> {
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "manage_privacy");
    requireGrant(actor, { kind: "privacy", op: "export" });
    const exported = await exportOf(tx, actor, memberId, false);
    onCommit(deps.sync.eventsStaged(actor.orgId));
    return exported;
  });
}

/** Every signed-in member's export of their own personal data. */
export async function exportOwnData(deps: AdminDeps, signedIn: Actor): Promise<PersonalDataExport> {
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    const exported = await exportOf(tx, actor, actor.id, true);
    onCommit(deps.sync.eventsStaged(actor.orgId));
    return exported;
  });
}

async function exportOf(tx: Executor, actor: Actor, memberId: string, self: boolean): Promise<PersonalDataExport> {
  const record = await findUser(tx, actor.orgId, memberId);
  const deleted = record === null ? await findDeletedMember(tx, actor.orgId, { userId: memberId }) : null;
  if (record === null && (deleted === null || deleted.erasedAt !== null)) refuse("member_not_found", `No member with id ${memberId} (nor a deleted member not yet erased)`);
  const userName = record?.userName ?? deleted?.userName ?? "";
  const org = await findOrgById(tx, actor.orgId);
  const found = record === null ? null : await findMemberPermissions(tx, actor.orgId, { id: memberId });
  const over = EXPORT_LIST_LIMIT + 1;
  const history = await readAudit(tx, actor.orgId, { userId: memberId, limit: over });
  const adminLog = await adminActionsByOrAbout(tx, actor.orgId, { userId: memberId, userName }, over);
  const sessions = await consoleSessionsOf(tx, actor.orgId, memberId, over);
  const document: PersonalDataExport = {
    format: "personal-data-export/1",
    exportedAt: new Date().toISOString(),
    exportedBy: actorName(actor),
    organisation: { id: actor.orgId, name: org?.name ?? "" },
    member: { id: memberId, userName, record, deleted },
    groups: record === null ? [] : await groupsOfMember(tx, actor.orgId, memberId),
    permissions: found === null || found.permissions === null ? null : permissionsFromJSON(found.permissions),
    permissionHistory: history.slice(0, EXPORT_LIST_LIMIT),
    adminLog: adminLog.slice(0, EXPORT_LIST_LIMIT),
    consoleSessions: sessions.slice(0, EXPORT_LIST_LIMIT),
    limits: { entriesPerList: EXPORT_LIST_LIMIT },
    truncated: { permissionHistory: history.length > EXPORT_LIST_LIMIT, adminLog: adminLog.length > EXPORT_LIST_LIMIT, consoleSessions: sessions.length > EXPORT_LIST_LIMIT },
  };
  // Written after the reads, so the export does not contain its own admin-log row.
  await appendAdminAction(tx, actor.orgId, { actor: actorName(actor), action: "privacy.export", target: memberId, detail: { userName, self } });
  return document;
}

// ---------------------------------------------------------------------------------------------
// Erasure

/** Something the erasure leaves as it is, with why. */
export interface NotErased {
  readonly what: "mapping_versions" | "mapping_refusals" | "webhook_deliveries" | "request_logs" | "backups";
  /** How many records here still name the member (null: this server cannot count them). */
  readonly count: number | null;
  readonly why: string;
}

export interface ErasureOutcome {
  readonly userId: string;
  readonly pseudonym: string;
  readonly erasedAt: string;
  /** Rows rewritten (kept, with the pseudonym in place of the names): counts stay true. */
  readonly pseudonymised: PseudonymisedCounts;
  readonly notErased: readonly NotErased[];
}

/** `erased:` and a hash of the organisation and the member's id: the same member gets the same pseudonym, and nothing leads back to them. */
export function pseudonymOf(orgId: string, userId: string): string {
  return `erased:${createHash("sha256").update(`${orgId}:${userId}`).digest("hex").slice(0, 16)}`;
}

/** What an erasure cannot reach, and why (docs/privacy.md says the same). */
export const NOT_ERASED_WHY: Readonly<Record<NotErased["what"], string>> = {
  mapping_versions:
    "A kept mapping version is the exact text that was applied: its hash is its identity and a rollback restores it, so it is not rewritten. Where primaryOwner or a rule names the member, change the mapping so the current version no longer does; older versions keep the name.",
  mapping_refusals: "A refused mapping file's errors quote the file as it was; they are kept as the record of why it was refused.",
  webhook_deliveries: "Events already delivered to webhooks are in the receivers' systems; this server cannot recall them. Deliveries still pending send the pseudonymised event.",
  request_logs: "Request logs are the operator's (standard output); they hold request paths, which may carry the member's id, never their names.",
  backups: "Database backups taken before the erasure still hold the names until the operator's backup retention removes them.",
};

/** Erases a deleted member's personal data at a Privacy manager's request. */
export async function eraseDeletedMember(deps: AdminDeps, signedIn: Actor, key: { userId: string } | { userName: string }): Promise<ErasureOutcome> {
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "manage_privacy");
    requireGrant(actor, { kind: "privacy", op: "erasure" });
    const outcome = await eraseIn(tx, actor.orgId, key, actorName(actor));
    onCommit(deps.sync.eventsStaged(actor.orgId));
    return outcome;
  });
}

/**
 * The erasure itself, in the caller's transaction, by `by` (a member, or the retention job once a
 * deleted member's records pass the organisation's retention). Refuses a member who still exists,
 * or whose userName a current member holds (their rows would be rewritten too).
 */
export async function eraseIn(tx: Executor, orgId: string, key: { userId: string } | { userName: string }, by: string): Promise<ErasureOutcome> {
  const current = "userId" in key ? await findUser(tx, orgId, key.userId) : await findUserByUserName(tx, orgId, key.userName);
  if (current !== null) refuse("member_exists", `${current.userName} is still a member: only a deleted member's data can be erased. Delete them at the identity provider (or in the console) first.`);
  const deleted = await findDeletedMember(tx, orgId, key);
  const audited = deleted === null ? await auditedMember(tx, orgId, key) : null;
  const who = deleted ?? (audited === null ? null : { ...audited, displayName: null, emails: [], erasedAt: null });
  const named = "userId" in key ? key.userId : key.userName;
  if (who === null) refuse("member_not_found", `No deleted member ${named} is known to this organisation`);
  const pseudonym = pseudonymOf(orgId, who.userId);
  if (who.erasedAt !== null) {
    return { userId: who.userId, pseudonym, erasedAt: who.erasedAt, pseudonymised: { auditRows: 0, adminRows: 0, events: 0, consoleSessions: 0, scimErrors: 0 }, notErased: [] };
  }
  const reused = await findUserByUserName(tx, orgId, who.userName);
  if (reused !== null) {
    refuse("member_exists", `The userName ${who.userName} now belongs to a current member; erasing would rewrite their records too. Nothing was erased.`);
  }
  const mentions = await mappingTextsMentioning(tx, orgId, who);
  const delivered = await deliveredCount(tx, orgId, who.userId);
  const erasedAt = new Date().toISOString();
  const pseudonymised = await pseudonymiseMember(tx, orgId, { ...who, pseudonym }, erasedAt);
  const notErased: NotErased[] = [
    { what: "mapping_versions", count: mentions.versions, why: NOT_ERASED_WHY.mapping_versions },
    { what: "mapping_refusals", count: mentions.refusals, why: NOT_ERASED_WHY.mapping_refusals },
    { what: "webhook_deliveries", count: delivered, why: NOT_ERASED_WHY.webhook_deliveries },
    { what: "request_logs", count: null, why: NOT_ERASED_WHY.request_logs },
    { what: "backups", count: null, why: NOT_ERASED_WHY.backups },
  ];
  await appendAdminAction(tx, orgId, { actor: by, action: "privacy.erasure", target: who.userId, detail: { pseudonym, pseudonymised, notErased: notErased.map((n) => ({ what: n.what, count: n.count })) } });
  return { userId: who.userId, pseudonym, erasedAt, pseudonymised, notErased };
}
