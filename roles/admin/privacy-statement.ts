/**
 * What this server stores about people, where, and for how long: one table, read by the console's
 * Privacy page (with the organisation's retention filled in) and rendered into docs/privacy.md (with
 * the defaults; a test keeps the two equal).
 */

/** How long each kind of record is kept, in days; null: kept until deleted otherwise. */
export interface EffectiveRetention {
  readonly auditLogDays: number | null;
  readonly eventDays: number;
  readonly analyticsDays: number | null;
  readonly deletedMemberDays: number | null;
}

export type RetentionSetting = keyof EffectiveRetention;

export interface StatementRow {
  readonly what: string;
  /** The personal data it holds. */
  readonly holds: string;
  /** Tables (or the process's output) it is stored in. */
  readonly where: string;
  readonly kept: string;
  /** The retention setting that decides `kept`, when one does. */
  readonly setting: RetentionSetting | null;
}

const days = (n: number): string => `${n} day${n === 1 ? "" : "s"}`;
/** "N days, then …", or what happens while nothing is set. */
const keptFor = (n: number | null, then: string, unset: string): string => (n === null ? unset : `${days(n)}, then ${then}`);

export function privacyStatement(retention: EffectiveRetention): StatementRow[] {
  return [
    {
      what: "Members",
      holds: "userName, names, e-mail addresses, externalId, active, manager and every other attribute the identity provider sends",
      where: "users",
      kept: "While the identity provider (or the console, for members added there) keeps the member; removed when the member is deleted.",
      setting: null,
    },
    {
      what: "Group memberships",
      holds: "Which groups each member is in; group names",
      where: "groups, group_members",
      kept: "While the member and the group exist.",
      setting: null,
    },
    {
      what: "Effective permissions",
      holds: "Each member's org role, admin areas, capabilities, connectors and custom roles",
      where: "member_permissions, member_roles",
      kept: "While the member exists.",
      setting: null,
    },
    {
      what: "Audit log",
      holds: "Every change of a member's permissions: their id and userName, before, after, cause, actor and request id",
      where: "audit_log",
      kept: keptFor(retention.auditLogDays, "deleted (never less than 30 days).", "Indefinitely (a retention may be set, not below 30 days)."),
      setting: "auditLogDays",
    },
    {
      what: "Admin log",
      holds: "Every admin write: the acting member's userName, the action, its target and detail (exports and erasures included)",
      where: "admin_actions",
      kept: keptFor(retention.auditLogDays, "deleted (the audit log's retention).", "Indefinitely (the audit log's retention)."),
      setting: "auditLogDays",
    },
    {
      what: "Events",
      holds: "permissions.changed events: the member's id and userName, before, after and cause; webhook deliveries by event and member id",
      where: "event_outbox, webhook_deliveries",
      kept: `${days(retention.eventDays)}, then deleted; an event a webhook has not yet picked up is kept until it has.`,
      setting: "eventDays",
    },
    {
      what: "Analytics counts",
      holds: "Counts per day (members, provisioning requests, authorize decisions); no names",
      where: "analytics_decisions, analytics_provisioning, analytics_members",
      kept: keptFor(retention.analyticsDays, "deleted.", "Indefinitely."),
      setting: "analyticsDays",
    },
    {
      what: "Deleted members' records",
      holds: "A deleted member's id, userName, display name and e-mail addresses as they were at deletion (kept days are counted from the deletion)",
      where: "deleted_members",
      kept: keptFor(
        retention.deletedMemberDays,
        "erased: their names in the audit log, admin log and events become a pseudonym.",
        "Until erased on request (a retention may be set, after which they are erased by themselves).",
      ),
      setting: "deletedMemberDays",
    },
    {
      what: "Console sessions",
      holds: "The signed-in member's id and userName, when the session began, was last used and expires (the session id only as a hash)",
      where: "console_sessions",
      kept: "Until sign-out, expiry or the idle limit; deleted with the member's erasure.",
      setting: null,
    },
    {
      what: "Suspensions",
      holds: "A suspended member's id, who suspended them, when, and the reason given",
      where: "member_suspensions",
      kept: "While the suspension stands; removed at reactivation or when the member is deleted.",
      setting: null,
    },
    {
      what: "Where each member came from",
      holds: "Whether a member was added in the console (and by whom) or pushed by an identity provider",
      where: "member_origins",
      kept: "While the member exists.",
      setting: null,
    },
    {
      what: "SCIM connection activity",
      holds: "Per SCIM token: its last request (time, method, path, status) and its newest 50 errors (status, method, path without query, and the error's detail, which may name a member)",
      where: "token_usage, scim_errors",
      kept: "While the token exists; errors beyond the newest 50 per token are deleted; errors naming a member are deleted with the member's erasure.",
      setting: null,
    },
    {
      what: "Mapping versions",
      holds: "The role mapping text as applied, which may name members (primaryOwner, a rule), and who applied it",
      where: "mappings, mapping_refusals",
      kept: "Indefinitely: they are the history a rollback restores, each identified by its hash; not erased.",
      setting: null,
    },
    {
      what: "Request logs",
      holds: "Method, path (which may hold a member's id), status, organisation and request id; never names, query strings, headers or bodies",
      where: "the server's standard output (the operator's log storage)",
      kept: "As long as the operator keeps its logs.",
      setting: null,
    },
  ];
}

const cell = (text: string): string => text.replace(/\|/g, "\\|");

/** The statement as a Markdown table (docs/privacy.md holds it with the defaults). */
export function statementMarkdown(rows: readonly StatementRow[]): string {
  return [
    "| What | Personal data | Where | Kept |",
    "| --- | --- | --- | --- |",
    ...rows.map((row) => `| ${cell(row.what)} | ${cell(row.holds)} | ${cell(row.where)} | ${cell(row.kept)} |`),
  ].join("\n");
}
