/**
 * What the admin API and the console's session endpoint answer, typed with the server's own types
 * (imported as types only: nothing of the server is bundled into the page). Where a route builds
 * its answer inline, the shape is spelled out here from the same parts.
 */
import type { MappingVersionSummary } from "../../../db/mappings";
import type { ScimErrorEntry } from "../../../db/scim-activity";
import type {
  AdminAction, Area, BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, EffectivePermissions, Explanation, Level, MappingChangePart,
  MappingDocument, MappingIssue, MappingPlan, OrgDocument, OrgRole, RoleDocument, RuleDocument, RuleTargetDocument, StandardOrgRole, ToggleSetting,
} from "../../../mapping";
import type {
  AddedMember, GroupDetail, GroupSummary, ManualGroupRow, MappingView, MemberDetail, MemberPlan, MemberRow, MyAccess, RoleSummary, ScimConnection, SessionLimitsView, SignInView, StandingOutcome,
  readAdminLog, AuditPage as AuditPageOf,
} from "../../../roles/admin";
import type { AuditEntry } from "../../../server/admin/audit-entries";
import type { MeAnswer } from "../../../server/admin/access-routes";
import type { PermissionChangedData } from "../../../roles/events";
import type { RetentionDays } from "../../../db/privacy";
import type { DeletedMembers, ErasureOutcome, RetentionSetting, RetentionView, readPrivacyStatement } from "../../../roles/admin";

export type { AdminAction, Area, EffectivePermissions, Explanation, Level, MappingDocument, MappingIssue, MemberDetail, MemberRow, MyAccess, OrgRole, RoleSummary, StandardOrgRole };
/** The parts of a mapping document, as mapping/document.ts writes them. */
export type { OrgDocument, RoleDocument, RuleDocument, RuleTargetDocument };
export type Toggle = ToggleSetting;

/** `GET /me`: the member, what they may do, and the product's sections they may open. */
export type Me = MeAnswer;
export type { AuditEntry, GroupDetail, GroupSummary, MappingView, PermissionChangedData };
export type { AddedMember, ManualGroupRow, MemberPlan, StandingOutcome };

export type Capability = (typeof BUILTIN_CAPABILITIES)[number];
export type Connector = (typeof BUILTIN_CONNECTORS)[number];

/** `GET /console/session`: who is signed in, and the token every state-changing request carries. */
export interface Session {
  readonly org: { readonly id: string; readonly name: string };
  readonly member: { readonly id: string; readonly userName: string; readonly displayName: string | null };
  readonly csrfToken: string;
  readonly scimBaseUrl: string;
  readonly expiresAt: string;
}

/** One changed part of a mapping, with the admin action it needs and a sentence for people. */
export type ChangePart = MappingChangePart & { readonly action: AdminAction; readonly description: string };

/** `POST /mapping/plan`: counts for every member, a page of the members who change (README, "Limits"). */
export type PlanAnswer = Omit<MappingPlan, "next"> & {
  readonly nextCursor: string | null;
  readonly parts: ChangePart[];
  readonly partsCount: number;
  readonly refusal: { readonly code: string; readonly message: string } | null;
  readonly validationWarnings: MappingIssue[];
  readonly validationWarningsCount: number;
};

/** What every mapping write answers (`PUT /roles/{name}`, `PUT /org`, `POST /rules`, …). */
export interface EditAnswer {
  readonly version: number;
  readonly hash: string;
  readonly unchanged: boolean;
  readonly changedMembers: number;
  readonly changes: ChangePart[];
  readonly warnings: MappingIssue[];
}

export interface RollbackAnswer {
  readonly version: number;
  readonly unchanged: boolean;
  readonly changedMembers: number;
  readonly rolledBackTo: number;
}

/** A proposed fine-grained edit, as `POST /mapping/plan` takes it under `change`. */
export type ProposedChange =
  | { readonly kind: "put_role"; readonly name: string; readonly role: RoleDocument }
  | { readonly kind: "delete_role"; readonly name: string }
  | { readonly kind: "add_rule"; readonly rule: NewRuleDocument }
  | { readonly kind: "delete_rule"; readonly ruleId: string }
  | { readonly kind: "set_org"; readonly org: OrgDocument };

/** A rule to add: what it matches and what it gives; the server gives it its id. */
export type NewRuleDocument = RuleTargetDocument & Partial<Pick<RuleDocument, "id" | "roles" | "orgRole">>;

export type GroupSource = GroupSummary["source"];
export interface GroupPage {
  readonly groups: GroupSummary[];
  readonly nextCursor: string | null;
}

export interface MemberPage {
  readonly members: MemberRow[];
  readonly nextCursor: string | null;
}

/** `GET /audit`: permission changes, decoded by the server with what changed (server/admin/audit-entries.ts). */
export type AuditPage = AuditPageOf<AuditEntry>;
/** `GET /actions`: the admin log, newest first. */
export type AdminLogPage = Awaited<ReturnType<typeof readAdminLog>>;
export type AdminLogEntry = AdminLogPage["entries"][number];

export type VersionSummary = MappingVersionSummary;
export interface VersionPage {
  readonly versions: VersionSummary[];
  readonly nextCursor: string | null;
}
export type VersionDetail = VersionSummary & { readonly document: MappingDocument };
export interface VersionDiff {
  readonly from: number;
  readonly to: number;
  readonly changes: ChangePart[];
}

export interface ScimToken {
  readonly id: string;
  readonly label: string | null;
  /** `member:<userName>`, `cli:<user>`, `env:SCIM_TOKEN`; null for tokens made before it was recorded. */
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** After this instant the token no longer authenticates (a rotated token's overlap ends); null: until revoked. */
  readonly expiresAt: string | null;
}
export type CreatedScimToken = ScimToken & { readonly token: string };
export type RotatedScimToken = CreatedScimToken & { readonly replaced: ScimToken };
/** `GET /scim-tokens`: each token with its last request and how many recent errors it has. */
export type ScimConnectionRow = ScimToken & Pick<ScimConnection, "lastRequest" | "recentErrors">;
export type { ScimErrorEntry, SessionLimitsView };

/** `GET /sso`: the organisation's issuer and client, and the callback URL to register at the issuer. */
export type SsoSettings = SignInView & { readonly callbackUrl: string | null };
export type SsoAnswer = SsoSettings & { readonly sessionsEnded: number };

/** `{ error: { code, message, … } }`, as server/api-errors.ts renders every refusal. */
export interface ApiErrorBody {
  readonly error: { readonly code: string; readonly message: string; readonly [detail: string]: unknown };
}

/** Privacy: retention settings, deleted members with what an erasure reaches, an erasure's outcome, the statement. */
export type { DeletedMembers, ErasureOutcome, RetentionDays, RetentionSetting, RetentionView };
export type DeletedMember = DeletedMembers["members"][number];
export type PrivacyStatement = Awaited<ReturnType<typeof readPrivacyStatement>>;
