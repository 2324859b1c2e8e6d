/**
 * The OpenAPI 3.1 description of every /api/v1 route, product-facing and admin, served at
 * /api/v1/openapi.json, built from one source: TypeBox schemas (server/openapi/, and
 * server/authorize-schema.ts for authorize) that are at once the document's JSON Schemas, what ajv
 * checks request bodies against before a route reads them, and the TypeScript types the routes read.
 * The mapping file's own JSON Schema is published as it is (server/openapi/mapping-file.ts).
 * It cannot drift quietly: the tests check that every route the routers register is described here
 * and nothing else is (test/server/openapi.test.ts), validate the real responses of the API tests
 * against these schemas (test/support/openapi.ts), and generate a typed client from the document.
 * Error codes and their statuses come from server/api-errors.ts, areas, levels and roles from mapping/.
 */
import { Type } from "@sinclair/typebox";
import { ADMIN_ACTIONS, AREAS, EFFECT_KINDS, LEVELS, ORG_ROLES, PLAN_ANSWER_MAX_BYTES, PLAN_LIMITS } from "../mapping";
import { MAX_REASON_LENGTH } from "../roles/admin";
import { API_ERROR_STATUS, type ApiErrorCode } from "./api-errors";
import { AuthorizeRequest, AuthorizeResponse } from "./authorize-schema";
import { PublishedLimitsSchema } from "./limits";
import { PRODUCT_AREAS } from "./console-sections";
import { explanationComponents } from "./openapi/explanation";
import { mappingFileComponents } from "./openapi/mapping-file";
import * as REQUESTS from "./openapi/requests";
import { type TSchema, anyJson, anyObject, bool, closed, enumOf, int, list, nullable, open, ref, str } from "./openapi/types";

type Schema = TSchema;
/** A part of the document that is not a schema (a parameter, a response, the document itself). */
type Json = Record<string, unknown>;

const schemas: Record<string, Schema> = {
  AuthorizeRequest,
  AuthorizeResponse,
  Limits: PublishedLimitsSchema,
  ...REQUESTS,
  Level: enumOf(LEVELS),
  OrgRole: enumOf(ORG_ROLES),
  AreaLevels: closed(Object.fromEntries(AREAS.map((area) => [area, ref("Level")]))),
  EffectivePermissions: closed({ orgRole: ref("OrgRole"), admin: ref("AreaLevels"), capabilities: list(str), connectors: list(str), roles: list(str) }),
  MemberRef: closed({ id: str, userName: str, active: bool }),
  PlanEffect: closed({ kind: enumOf(EFFECT_KINDS), name: str, gained: int, lost: int }),
  MemberPermissions: closed({ member: ref("MemberRef"), orgRole: ref("OrgRole"), admin: ref("AreaLevels"), capabilities: list(str), connectors: list(str), roles: list(str) }),
  ...explanationComponents(),
  Error: closed({
    error: open(
      {
        code: enumOf(Object.keys(API_ERROR_STATUS) as ApiErrorCode[], { description: "Stable: switch on it (the statuses are in each operation's responses)" }),
        message: Type.String({ description: "For people; may change" }),
        issues: list(ref("MappingIssue"), { description: "invalid_mapping: each problem with its place in the file" }),
        losing: list(closed({ id: str, userName: str }), { description: "would_lock_out: who would lose access" }),
        refused: list(str, { description: "The parts of an edit the policy refused" }),
        problems: list(str),
        version: int,
        file: str,
        missing: list(str, { description: "discovery_incomplete: what the issuer's discovery document lacks" }),
        provisionedBy: Type.String({ description: "managed_by_idp: the identity provider that owns the member" }),
      },
      ["code", "message"],
      { description: "code and message always; the other members only with the codes they name" },
    ),
  }),
  MappingIssue: closed({ file: str, line: int, column: int, code: str, message: str }),
  ...mappingFileComponents(),
  MappingChangePart: open({ part: enumOf(["primary_owner", "org_toggle", "standard_role", "role", "rule"]), action: enumOf(ADMIN_ACTIONS), description: str }, ["part", "action", "description"]),
  Revision: Type.String({ pattern: "^[0-9]+$", description: "The organisation's revision a write left it at (also the X-Revision header): hand it to authorize as consistency.atLeast" }),
  WriteResult: closed(
    { version: int, hash: str, unchanged: bool, changedMembers: int, changes: list(ref("MappingChangePart")), warnings: list(ref("MappingIssue")), role: nullable(anyObject()), rule: nullable(ref("Rule")), revision: ref("Revision") },
    ["role", "rule"],
  ),
  VersionSummary: closed({ version: int, hash: str, sourceName: str, appliedBy: str, appliedAt: str }),
  Group: closed({ id: str, displayName: str, externalId: nullable(str), source: enumOf(["scim", "manual"]), memberCount: int, created: str, grants: closed({ ruleIds: list(str), roles: list(str), orgRole: nullable(str) }) }),
  MemberRow: closed({ id: str, userName: str, displayName: nullable(str), active: bool, orgRole: ref("OrgRole"), roles: list(str), suspended: bool }),
  Suspension: closed({ reason: str, by: str, at: str }),
  MemberPlan: closed({ member: closed({ id: str, userName: str }), before: ref("EffectivePermissions"), after: ref("EffectivePermissions"), change: anyObject({ description: "What changes (as a mapping plan's members' changes)" }), refusal: nullable(closed({ code: str, message: str })) }),
  StandingOutcome: closed({ changed: bool, suspension: nullable(ref("Suspension")), revision: ref("Revision") }, ["revision"]),
  MemberPage: closed({ members: list(ref("MemberRow")), nextCursor: nullable(str) }),
  AuditEntry: closed({ seq: int, member: closed({ id: str, userName: str }), actor: nullable(str), requestId: nullable(str), cause: nullable(ref("ChangeCause")), before: nullable(ref("EffectivePermissions")), after: nullable(ref("EffectivePermissions")), change: nullable(ref("PermissionChange")), at: str }),
  ScimToken: closed({ id: str, label: nullable(str), createdBy: nullable(str, { description: "member:<userName>, cli:<user>, env:SCIM_TOKEN; null for tokens made before it was recorded" }), createdAt: str, revokedAt: nullable(str), expiresAt: nullable(str) }),
  NewScimToken: closed({ token: str, id: str, label: nullable(str), createdBy: nullable(str), createdAt: str, revokedAt: nullable(str), expiresAt: nullable(str), revision: ref("Revision") }),
  ScimRequest: closed({ method: str, path: Type.String({ description: "Below /scim/v2, without the query" }), status: int, at: str }),
  ScimConnection: closed({
    id: str, label: nullable(str), createdBy: nullable(str), createdAt: str, revokedAt: nullable(str), expiresAt: nullable(str),
    lastRequest: nullable(ref("ScimRequest"), { description: "The last request recorded (at most one a minute per token); null: none since recording began" }),
    recentErrors: Type.Integer({ minimum: 0, maximum: 50 }),
  }),
  ScimErrorEntry: closed({ seq: int, tokenId: str, method: str, path: str, status: int, scimType: nullable(str), detail: nullable(str), at: str }),
  SsoSettings: closed({
    issuer: nullable(str), clientId: nullable(str), clientSecretSet: bool, usernameClaim: nullable(str),
    managedBy: nullable(closed({ source: enumOf(["environment"]), reason: str })),
    callbackUrl: nullable(str, { description: "The redirect URI to register at the issuer: <public URL>/console/callback" }),
    sessionsEnded: int, revision: ref("Revision"),
  }, ["sessionsEnded", "revision"]),
  SessionLimits: closed({
    idleMinutes: int, sessionHours: int, defaults: closed({ idleMinutes: int, sessionHours: int }), custom: bool, updatedBy: nullable(str), updatedAt: nullable(str), revision: ref("Revision"),
  }, ["revision"]),
  AdminAction: closed({ seq: int, actor: str, action: str, target: nullable(str), detail: anyJson, at: str }),
  RetentionDays: closed({ auditLogDays: nullable(int), eventDays: nullable(int), analyticsDays: nullable(int), deletedMemberDays: nullable(int) }),
  RetentionView: closed({
    settings: ref("RetentionDays", { description: "As set; null is the default" }),
    effective: closed({ auditLogDays: nullable(int), eventDays: int, analyticsDays: nullable(int), deletedMemberDays: nullable(int) }),
    bounds: closed(Object.fromEntries(["auditLogDays", "eventDays", "analyticsDays", "deletedMemberDays"].map((k) => [k, closed({ min: int, max: int })]))),
    updatedAt: nullable(str),
    updatedBy: nullable(str),
    revision: ref("Revision"),
  }, ["revision"]),
  DeletedMember: closed({ userId: str, userName: str, displayName: nullable(str), emails: list(str), deletedAt: str, erasedAt: nullable(str) }),
  PersonalDataExport: closed({
    format: enumOf(["personal-data-export/1"]),
    exportedAt: str,
    exportedBy: str,
    organisation: closed({ id: str, name: str }),
    member: closed({ id: str, userName: str, record: nullable(anyObject({ description: "The SCIM record as stored" })), deleted: nullable(ref("DeletedMember")) }),
    groups: list(closed({ id: str, displayName: str, externalId: nullable(str), source: str })),
    permissions: nullable(ref("EffectivePermissions")),
    permissionHistory: list(closed({ seq: int, userId: str, userName: str, before: anyJson, after: anyJson, cause: anyJson, actor: nullable(str), at: str, requestId: nullable(str) })),
    adminLog: list(ref("AdminAction")),
    consoleSessions: list(closed({ createdAt: str, lastSeenAt: str, expiresAt: str })),
    limits: closed({ entriesPerList: int }),
    truncated: closed({ permissionHistory: bool, adminLog: bool, consoleSessions: bool }),
  }),
  AnalyticsSettings: closed({ collectAuthorize: bool, collectProvisioning: bool, updatedAt: nullable(str), updatedBy: nullable(str) }),
  AccessPath: closed({
    role: str,
    roleKind: enumOf(["standard", "custom"]),
    source: nullable(Type.Union([closed({ kind: Type.Literal("group"), id: str, displayName: str, manual: bool }), closed({ kind: Type.Literal("app_role"), value: str })])),
  }),
};

interface Operation {
  /** The name a generated client gives the call (unique in the document). */
  operationId: string;
  summary: string;
  /** What a caller must know beyond the summary (what an error means, defaults). */
  description?: string;
  tags: string[];
  auth: "api" | "member" | "none";
  parameters?: Json[];
  requestBody?: Json;
  /** Success responses by status; an absent schema is a response without a body. */
  responses: Record<number, Schema | null>;
  errors: readonly ApiErrorCode[];
  headers?: Record<number, string[]>;
  /** Also answers text/csv (RFC 4180) to `?format=csv` or `Accept: text/csv`. */
  csv?: boolean;
}

const path = (name: string, description: string): Json => ({ name, in: "path", required: true, description, schema: str });
const q = (name: string, description: string, schema: Schema = str): Json => ({ name, in: "query", required: false, description, schema });
const lastEventIdHeader: Json = { name: "Last-Event-ID", in: "header", required: false, description: "Resume exactly after this event (a `reset` event when it is past the retention)", schema: str };
const paging = [q("cursor", "From the previous page's nextCursor"), q("limit", "1–200, default 50", int)];
const ifMatch: Json = { name: "If-Match", in: "header", required: true, description: "The ETag of the mapping version the edit starts from (GET /admin/mapping)", schema: str };
const json = (schema: Schema): Json => ({ required: true, content: { "application/json": { schema } } });

const API_AUTH: readonly ApiErrorCode[] = ["unauthorized", "unavailable"];
// With the console's session cookie, a request from another origin or a write without X-CSRF-Token is 403 csrf.
const MEMBER_AUTH: readonly ApiErrorCode[] = ["unauthorized", "not_a_member", "email_not_verified", "csrf", "issuer_unavailable", "unavailable"];
const MAPPING_WRITE: readonly ApiErrorCode[] = [
  "identity_access_manage_required", "owner_required", "primary_owner_required", "managed_by_file", "would_lock_out",
  "precondition_failed", "precondition_required", "invalid_mapping", "invalid_request", "invalid_json", "primary_owner_not_member",
];
// Changing who is in a manual group, or its name or existence, needs the reach of what its rules give (mapping/grant.ts).
const GROUP_GRANT: readonly ApiErrorCode[] = ["user_management_manage_required", "identity_access_manage_required", "owner_required"];

// Changing a member's standing needs the reach of everything they hold (mapping/grant.ts); nobody touches the Primary Owner's.
const MEMBER_GRANT: readonly ApiErrorCode[] = ["user_management_manage_required", "identity_access_manage_required", "owner_required", "primary_owner_required", "primary_owner_protected"];

function write(operationId: string, summary: string, extra: Partial<Operation> = {}): Operation {
  return { operationId, summary, tags: ["admin: mapping"], auth: "member", parameters: [ifMatch], responses: { 200: ref("WriteResult") }, errors: MAPPING_WRITE, headers: { 200: ["ETag", "X-Revision"] }, ...extra };
}

const dayRange = [q("from", "First day, YYYY-MM-DD (UTC; default: 29 days before to)"), q("to", "Last day, YYYY-MM-DD (default: today); at most 366 days in all"), q("format", "csv for a CSV download (as Accept: text/csv)")];
const series = (row: Schema, extra: Record<string, Schema> = {}): Schema => closed({ ...extra, from: str, to: str, rows: list(row), truncated: Type.Boolean({ description: "More rows than one answer holds (20000): narrow the range" }) });
const ANALYTICS_READ: readonly ApiErrorCode[] = ["analytics_view_required", "invalid_request"];

const operations: Record<string, Record<string, Operation>> = {
  "/limits": { get: { operationId: "getLimits", summary: "The limits a request is held to (no token needed)", tags: ["meta"], auth: "none", responses: { 200: ref("Limits") }, errors: [] } },
  "/openapi.json": { get: { operationId: "getOpenApiDocument", summary: "This document", tags: ["meta"], auth: "none", responses: { 200: open({ openapi: str, paths: anyObject() }, ["openapi", "paths"]) }, errors: [] } },
  "/members/permissions": {
    get: { operationId: "getPermissionsByUserName", summary: "A member's effective permissions, by userName", tags: ["permissions"], auth: "api", parameters: [{ ...q("userName", "The member's userName (any case)"), required: true }], responses: { 200: ref("MemberPermissions") }, errors: ["invalid_request", "member_not_found"] },
  },
  "/members/{id}/permissions": {
    get: { operationId: "getPermissions", summary: "A member's effective permissions", tags: ["permissions"], auth: "api", parameters: [path("id", "Member id")], responses: { 200: ref("MemberPermissions") }, errors: ["member_not_found"] },
  },
  "/members/{id}/permissions/explain": {
    get: { operationId: "explainPermissions", summary: "Why a member has what they have", tags: ["permissions"], auth: "api", parameters: [path("id", "Member id")], responses: { 200: ref("Explanation") }, errors: ["member_not_found"] },
  },
  "/authorize": {
    post: { operationId: "authorize",
      summary: "May this member do this?",
      tags: ["permissions"],
      auth: "api",
      description:
        "Ask about an admin area (with a level, view when left out), a capability or a connector. A member the organisation does not have is 404 member_not_found, not a no: " +
        "the caller asked about someone who is not there. A name the product could never grant is 400 (unknown_area, unknown_level, unknown_capability, unknown_connector).",
      requestBody: json(ref("AuthorizeRequest")),
      responses: { 200: ref("AuthorizeResponse") },
      errors: ["invalid_request", "invalid_json", "member_not_found", "unknown_area", "unknown_level", "unknown_capability", "unknown_connector"],
    },
  },
  "/mapping": {
    get: { operationId: "getMapping", summary: "The mapping in force and the last refused edit", tags: ["permissions"], auth: "api", responses: { 200: open({ version: nullable(int), hash: nullable(str), mapping: nullable(anyObject()), lastRefused: nullable(anyObject()) }, ["version", "hash", "mapping", "lastRefused"]) }, errors: [] },
  },
  "/audit": {
    get: { operationId: "listPermissionChanges", summary: "Permission changes, newest first", tags: ["permissions"], auth: "api", parameters: [q("member", "Member id or userName"), q("limit", "1–1000", int)], responses: { 200: closed({ entries: list(closed({ member: closed({ id: str, userName: str }), before: ref("EffectivePermissions"), after: ref("EffectivePermissions"), cause: anyObject(), actor: nullable(str), at: str })) }) }, errors: [] },
  },
  "/events": {
    get: { operationId: "streamEvents",
      summary: "Server-Sent Events from the outbox: permissions.changed and admin.action, each with a per-organisation id; resumable after Last-Event-ID on any replica",
      tags: ["permissions"],
      auth: "api",
      parameters: [
        lastEventIdHeader,
        q("lastEventId", "As Last-Event-ID, for a first connection that resumes (EventSource cannot set headers)"),
      ],
      responses: { 200: Type.String({ description: "text/event-stream" }) },
      errors: ["too_many_requests"],
    },
  },
  "/admin/me": {
    get: { operationId: "getMe",
      summary: "The signed-in member, their permissions, and what they may do",
      tags: ["admin"],
      auth: "member",
      responses: {
        200: closed({
          member: closed({ id: str, userName: str }),
          org: closed({ id: str, name: str, managedByFile: nullable(str) }),
          permissions: ref("EffectivePermissions"),
          may: closed(Object.fromEntries(ADMIN_ACTIONS.map((action) => [action, bool]))),
          productSections: list(closed({ area: enumOf(PRODUCT_AREAS), title: str, url: str, level: enumOf(["view", "manage"]) })),
        }),
      },
      errors: [],
    },
  },
  "/admin/me/access": {
    get: { operationId: "getMyAccess",
      summary: "My access: the signed-in member's own permissions, groups, app roles and the explanation of each (every member, no admin right needed)",
      tags: ["admin"],
      auth: "member",
      responses: {
        200: closed({
          member: closed({ id: str, userName: str }),
          permissions: ref("EffectivePermissions"),
          groups: list(closed({ id: str, displayName: str, source: str })),
          appRoles: list(str),
          explanation: ref("Explanation"),
        }),
      },
      errors: [],
    },
  },
  "/admin/events": {
    get: { operationId: "streamAdminEvents",
      summary: "Server-Sent Events for the console: the organisation's permissions.changed and admin.action events, as GET /events streams them (role readers)",
      tags: ["admin"],
      auth: "member",
      parameters: [
        lastEventIdHeader,
        q("lastEventId", "As Last-Event-ID, for a first connection that resumes (EventSource cannot set headers)"),
      ],
      responses: { 200: Type.String({ description: "text/event-stream" }) },
      errors: ["identity_access_view_required", "too_many_requests"],
    },
  },
  "/admin/mapping": {
    get: { operationId: "getAdminMapping",
      summary: "The mapping in force, as the document a mapping file holds",
      tags: ["admin: mapping"],
      auth: "member",
      responses: { 200: closed({ version: int, hash: nullable(str), appliedAt: nullable(str), appliedBy: nullable(str), source: nullable(str), managedByFile: nullable(str), document: nullable(ref("MappingDocument")) }) },
      errors: ["identity_access_view_required"],
      headers: { 200: ["ETag"] },
    },
    put: write("replaceMapping", "Replace the mapping (each changed part is checked against the policy)", { requestBody: json(ref("MappingDocument")) }),
  },
  "/admin/mapping/plan": {
    post: { operationId: "planMappingChange",
      summary: `Who would gain and lose what; nothing is written. Counts cover every member; \`changes\` is a page of the members who change (\`limit\`, \`cursor\`: post the same proposal again with \`nextCursor\`), at most ${PLAN_LIMITS.memberBytes} bytes of it; warnings, parts and validation warnings are capped, with their totals. The answer stays under ${PLAN_ANSWER_MAX_BYTES} bytes.`,
      tags: ["admin: mapping"],
      auth: "member",
      parameters: paging,
      requestBody: json(ref("PlanRequest")),
      responses: {
        200: closed({
          changedCount: int,
          unchangedCount: int,
          effects: list(ref("PlanEffect")),
          changes: list(closed({ member: ref("MemberRef"), before: ref("EffectivePermissions"), after: ref("EffectivePermissions"), change: anyObject() })),
          nextCursor: nullable(str),
          warnings: list(open({ code: str, message: str }, ["code", "message"])),
          lockout: nullable(closed({ losing: list(closed({ id: str, userName: str })), losingCount: int, message: str })),
          parts: list(ref("MappingChangePart")),
          partsCount: int,
          refusal: nullable(closed({ code: str, message: str })),
          validationWarnings: list(ref("MappingIssue")),
          validationWarningsCount: int,
        }),
      },
      errors: ["identity_access_view_required", "invalid_mapping", "invalid_request", "role_not_found", "rule_not_found"],
    },
  },
  "/admin/mapping/versions": {
    get: { operationId: "listMappingVersions", summary: "Mapping versions, newest first, with who applied each", tags: ["admin: mapping"], auth: "member", parameters: paging, responses: { 200: closed({ versions: list(ref("VersionSummary")), nextCursor: nullable(str) }) }, errors: ["identity_access_view_required", "invalid_request"] },
  },
  "/admin/mapping/versions/{version}": {
    get: { operationId: "getMappingVersion", summary: "One version, as a mapping document", tags: ["admin: mapping"], auth: "member", parameters: [path("version", "Version number")], responses: { 200: closed({ version: int, hash: str, sourceName: str, appliedBy: str, appliedAt: str, document: ref("MappingDocument") }) }, errors: ["identity_access_view_required", "version_not_found", "invalid_request"] },
  },
  "/admin/mapping/versions/{version}/diff": {
    get: { operationId: "diffMappingVersion", summary: "What changed from another version (default: the one before) to this one", tags: ["admin: mapping"], auth: "member", parameters: [path("version", "Version number"), q("from", "The version to compare with", int)], responses: { 200: closed({ from: int, to: int, changes: list(ref("MappingChangePart")) }) }, errors: ["identity_access_view_required", "version_not_found", "invalid_request"] },
  },
  "/admin/mapping/rollback": {
    post: write("rollBackMapping", "Make an earlier version's content the next version", { requestBody: json(closed({ version: Type.Integer({ minimum: 1 }) })), responses: { 200: closed({ version: int, hash: str, unchanged: bool, changedMembers: int, rolledBackTo: int, revision: ref("Revision") }) }, errors: [...MAPPING_WRITE, "version_not_found"] }),
  },
  "/admin/roles": {
    get: { operationId: "listRoles", summary: "Custom roles, with how many members hold each and the groups and app roles that give it", tags: ["admin: roles"], auth: "member", responses: { 200: closed({ roles: list(closed({ name: str, definition: anyObject(), memberCount: int, rules: list(closed({ id: str, target: str })), groups: list(closed({ id: str, displayName: str, source: str })), appRoles: list(str) })) }) }, errors: ["identity_access_view_required"] },
  },
  "/admin/roles/{name}": {
    put: write("putRole", "Create or replace a custom role", { tags: ["admin: roles"], parameters: [path("name", "Role name"), ifMatch], requestBody: json(ref("RoleDocument")) }),
    delete: write("deleteRole", "Delete a custom role (and take it out of the rules giving it)", { tags: ["admin: roles"], parameters: [path("name", "Role name"), ifMatch], errors: [...MAPPING_WRITE, "role_not_found"] }),
  },
  "/admin/rules": {
    post: write("addRule", "Add a rule (its id is kept across edits)", { tags: ["admin: roles"], requestBody: json(ref("Rule")), responses: { 200: ref("WriteResult"), 201: ref("WriteResult") }, headers: { 200: ["ETag", "X-Revision"], 201: ["ETag", "X-Revision"] } }),
  },
  "/admin/rules/{ruleId}": {
    delete: write("deleteRule", "Delete a rule", { tags: ["admin: roles"], parameters: [path("ruleId", "Rule id"), ifMatch], errors: [...MAPPING_WRITE, "rule_not_found"] }),
  },
  "/admin/org": {
    put: write("setOrgToggles", "Set the organisation's feature and connector toggles (Owners)", { tags: ["admin: roles"], requestBody: json(closed({ features: ref("MappingToggles"), connectors: ref("MappingToggles") }, ["features", "connectors"])) }),
  },
  "/admin/standard-roles/{role}": {
    put: write("setStandardRole", "Set the area levels of the admin or user standard role (Owners)", { tags: ["admin: roles"], parameters: [path("role", "admin or user"), ifMatch], requestBody: json(ref("MappingAreaLevels")), errors: [...MAPPING_WRITE, "not_found"] }),
  },
  "/admin/primary-owner": {
    put: write("transferPrimaryOwner", "Transfer primary ownership (the Primary Owner only) to an active member", { tags: ["admin: roles"], requestBody: json(ref("PrimaryOwnerRequest")) }),
  },
  "/admin/groups": {
    get: { operationId: "listGroups", summary: "Groups, the IdP's and manual ones, with what each gives", tags: ["admin: groups"], auth: "member", parameters: [q("source", "scim or manual"), q("q", "Name prefix"), ...paging], responses: { 200: closed({ groups: list(ref("Group")), nextCursor: nullable(str) }) }, errors: ["identity_access_view_required", "invalid_request"] },
    post: { operationId: "createManualGroup", summary: "Create a manual group (never visible on /scim/v2)", tags: ["admin: groups"], auth: "member", requestBody: json(ref("GroupNameRequest")), responses: { 201: closed({ id: str, displayName: str, source: str, memberCount: int, created: str, revision: ref("Revision") }) }, headers: { 201: ["X-Revision"] }, errors: [...GROUP_GRANT, "group_exists", "invalid_request", "invalid_json"] },
  },
  "/admin/groups/{id}": {
    get: { operationId: "getGroup", summary: "One group, the IdP's or manual, with the IdP that pushed it and what it gives", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id")], responses: { 200: closed({ id: str, displayName: str, externalId: nullable(str), source: enumOf(["scim", "manual"]), provisionedBy: nullable(enumOf(["okta", "entra"])), memberCount: int, created: str, grants: closed({ ruleIds: list(str), roles: list(str), orgRole: nullable(str) }) }) }, errors: ["identity_access_view_required", "group_not_found"] },
    patch: { operationId: "renameManualGroup", summary: "Rename a manual group (judged as giving and taking what rules naming either name give)", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id")], requestBody: json(ref("GroupNameRequest")), responses: { 200: closed({ id: str, displayName: str, source: str, created: str, revision: ref("Revision") }) }, headers: { 200: ["X-Revision"] }, errors: [...GROUP_GRANT, "group_not_found", "managed_by_idp", "group_exists", "would_lock_out", "invalid_request", "invalid_json"] },
    delete: { operationId: "deleteManualGroup", summary: "Delete a manual group", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id")], responses: { 204: null }, headers: { 204: ["X-Revision"] }, errors: [...GROUP_GRANT, "group_not_found", "managed_by_idp", "would_lock_out"] },
  },
  "/admin/groups/{id}/members": {
    get: { operationId: "listGroupMembers", summary: "A group's members", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id"), q("q", "userName or displayName prefix"), ...paging], responses: { 200: ref("MemberPage") }, errors: ["user_management_view_required", "invalid_request"] },
  },
  "/admin/groups/{id}/members/{userId}": {
    put: { operationId: "addGroupMember", summary: "Add a member to a manual group (granting what its rules give)", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id"), path("userId", "Member id")], responses: { 200: closed({ changed: bool, revision: ref("Revision") }) }, headers: { 200: ["X-Revision"] }, errors: [...GROUP_GRANT, "group_not_found", "member_not_found", "managed_by_idp", "would_lock_out"] },
    delete: { operationId: "removeGroupMember", summary: "Remove a member from a manual group (taking what its rules give)", tags: ["admin: groups"], auth: "member", parameters: [path("id", "Group id"), path("userId", "Member id")], responses: { 200: closed({ changed: bool, revision: ref("Revision") }) }, headers: { 200: ["X-Revision"] }, errors: [...GROUP_GRANT, "group_not_found", "managed_by_idp", "would_lock_out"] },
  },
  "/admin/scim-tokens": {
    get: { operationId: "listScimTokens", summary: "The SCIM connection's tokens (never the tokens themselves), with each one's last request and how many recent errors it has", tags: ["admin: scim"], auth: "member", responses: { 200: closed({ tokens: list(ref("ScimConnection")) }) }, errors: ["identity_access_view_required"] },
    post: { operationId: "createScimToken",
      summary: "Create a SCIM token (Owners: a SCIM token can make anyone an Owner); the token is in this answer only",
      tags: ["admin: scim"],
      auth: "member",
      requestBody: json(ref("NewScimTokenRequest")),
      responses: { 201: ref("NewScimToken") },
      headers: { 201: ["X-Revision"] },
      errors: ["owner_required", "invalid_request", "invalid_json"],
    },
  },
  "/admin/scim-tokens/{id}/rotate": {
    post: { operationId: "rotateScimToken",
      summary: "Create a successor token (Owners), then let this one expire after the overlap (default 3600 s, at most 7 days); the new token is in this answer only",
      tags: ["admin: scim"],
      auth: "member",
      parameters: [path("id", "Token id")],
      requestBody: json(ref("RotationRequest")),
      responses: { 201: closed({ token: str, id: str, label: nullable(str), createdBy: nullable(str), createdAt: str, revokedAt: nullable(str), expiresAt: nullable(str), replaced: ref("ScimToken"), revision: ref("Revision") }) },
      headers: { 201: ["X-Revision"] },
      errors: ["owner_required", "token_not_found", "token_inactive", "invalid_request", "invalid_json"],
    },
  },
  "/admin/scim-tokens/{id}/errors": {
    get: { operationId: "listScimTokenErrors", summary: "The token's recent SCIM errors, newest first (the last 50 are kept)", tags: ["admin: scim"], auth: "member", parameters: [path("id", "Token id")], responses: { 200: closed({ errors: list(ref("ScimErrorEntry")) }) }, errors: ["identity_access_view_required", "token_not_found"] },
  },
  "/admin/sso": {
    get: { operationId: "getSso", summary: "The organisation's single sign-on: its OIDC issuer and client (never the secret), and the callback URL to register", tags: ["admin: identity"], auth: "member", responses: { 200: ref("SsoSettings") }, errors: ["identity_access_view_required"] },
    put: { operationId: "changeSso",
      summary: "Change the issuer and client (Owners), once the issuer's discovery document checks out; ends the organisation's console sessions when who vouches for members changes",
      tags: ["admin: identity"],
      auth: "member",
      requestBody: json(ref("SsoRequest")),
      responses: { 200: ref("SsoSettings") },
      headers: { 200: ["X-Revision"] },
      errors: [
        "owner_required", "managed_by_environment", "sign_in_taken", "invalid_request", "invalid_json",
        "issuer_not_allowed", "issuer_unreachable", "discovery_invalid", "issuer_mismatch", "discovery_incomplete", "authorization_code_unsupported",
      ],
    },
  },
  "/admin/authentication": {
    get: { operationId: "getSessionLimits", summary: "The console's idle and absolute session limits for this organisation, and the operator's defaults (also the most it may set)", tags: ["admin: identity"], auth: "member", responses: { 200: ref("SessionLimits") }, errors: ["identity_access_view_required"] },
    put: { operationId: "changeSessionLimits",
      summary: "Set the session limits (Owners), held from each session's next request; both null: back to the defaults",
      tags: ["admin: identity"],
      auth: "member",
      requestBody: json(ref("SessionLimitsRequest")),
      responses: { 200: ref("SessionLimits") },
      headers: { 200: ["X-Revision"] },
      errors: ["owner_required", "invalid_request", "invalid_json"],
    },
  },
  "/admin/scim-tokens/{id}": {
    delete: { operationId: "revokeScimToken", summary: "Revoke a SCIM token (incident response: Identity & Access managers too)", tags: ["admin: scim"], auth: "member", parameters: [path("id", "Token id")], responses: { 204: null }, headers: { 204: ["X-Revision"] }, errors: ["identity_access_manage_required", "token_not_found"] },
  },
  "/admin/members": {
    get: { operationId: "listMembers", summary: "Members with their org role and custom roles", tags: ["admin: members"], auth: "member", parameters: [q("q", "userName, displayName or email prefix"), q("orgRole", "An org role"), q("role", "A custom role"), ...paging], responses: { 200: ref("MemberPage") }, errors: ["user_management_view_required", "invalid_request"] },
    post: { operationId: "addMember",
      summary: "Add a member who is not provisioned by an IdP: their e-mail is their userName, and they sign in with the organisation's OIDC; they hold what the mapping gives a member in no group",
      tags: ["admin: members"],
      auth: "member",
      requestBody: json(ref("NewMemberRequest")),
      responses: { 201: closed({ id: str, userName: str, displayName: nullable(str), permissions: ref("EffectivePermissions"), revision: ref("Revision") }, ["revision"]) },
      headers: { 201: ["X-Revision"] },
      errors: [...MEMBER_GRANT, "invalid_request", "member_exists"],
    },
  },
  "/admin/members/{id}": {
    get: { operationId: "getMember",
      summary: "One member: who owns their attributes, any suspension, permissions, groups, and the explanation (for role readers)",
      tags: ["admin: members"],
      auth: "member",
      parameters: [path("id", "Member id")],
      responses: {
        200: closed({
          member: closed({
            id: str, userName: str, displayName: nullable(str), email: nullable(str), active: bool, suspension: nullable(ref("Suspension")),
            provenance: closed({ origin: enumOf(["console", "okta", "entra", "scim"]), name: str, addedBy: nullable(str), addedAt: nullable(str) }),
          }),
          permissions: ref("EffectivePermissions"),
          groups: list(closed({ id: str, displayName: str, source: str })),
          explanation: nullable(ref("Explanation")),
        }),
      },
      errors: ["user_management_view_required", "member_not_found"],
    },
    delete: { operationId: "removeMember", summary: "Remove a member added by e-mail (an IdP's members are the IdP's: 409 managed_by_idp)", tags: ["admin: members"], auth: "member", parameters: [path("id", "Member id")], responses: { 204: null }, headers: { 204: ["X-Revision"] }, errors: [...MEMBER_GRANT, "member_not_found", "managed_by_idp", "cannot_remove_self", "would_lock_out"] },
  },
  "/admin/members/{id}/suspend/plan": {
    post: { operationId: "planSuspension", summary: "What suspending the member takes, and whether you may: nothing is written", tags: ["admin: members"], auth: "member", parameters: [path("id", "Member id")], responses: { 200: ref("MemberPlan") }, errors: ["user_management_manage_required", "member_not_found"] },
  },
  "/admin/members/{id}/suspend": {
    post: { operationId: "suspendMember",
      summary: `Suspend a member: no access, no sign-in, console sessions ended, in one transaction; it stands whatever \`active\` the IdP sends (reason: 1–${MAX_REASON_LENGTH} characters)`,
      tags: ["admin: members"],
      auth: "member",
      parameters: [path("id", "Member id")],
      requestBody: json(ref("SuspensionRequest")),
      responses: { 200: ref("StandingOutcome") },
      headers: { 200: ["X-Revision"] },
      errors: [...MEMBER_GRANT, "invalid_request", "member_not_found", "cannot_suspend_self", "would_lock_out"],
    },
  },
  "/admin/members/{id}/reactivate": {
    post: { operationId: "reactivateMember", summary: "Lift a suspension: the member holds again what the directory and the mapping give", tags: ["admin: members"], auth: "member", parameters: [path("id", "Member id")], responses: { 200: ref("StandingOutcome") }, headers: { 200: ["X-Revision"] }, errors: [...MEMBER_GRANT, "member_not_found"] },
  },
  "/admin/members/{id}/sign-out": {
    post: { operationId: "signOutMember", summary: "End every console session of the member at once", tags: ["admin: members"], auth: "member", parameters: [path("id", "Member id")], responses: { 200: closed({ sessionsEnded: int, revision: ref("Revision") }, ["revision"]) }, errors: [...MEMBER_GRANT, "member_not_found"] },
  },
  "/admin/manual-groups": {
    get: { operationId: "listManualGroups",
      summary: "Manual groups for those who may list members: names, sizes, and whether you may change who is in each (not their rules)",
      tags: ["admin: members"],
      auth: "member",
      parameters: [q("q", "displayName prefix"), ...paging],
      responses: { 200: closed({ groups: list(closed({ id: str, displayName: str, memberCount: int, changeableBy: enumOf(["features", "custom_roles", "standard", "primary"]), mayChangeMembers: bool })), nextCursor: nullable(str) }) },
      errors: ["user_management_view_required", "invalid_request"],
    },
  },
  "/admin/groups/{id}/members/{userId}/plan": {
    post: { operationId: "planGroupMembership",
      summary: "Who gains and loses what if the member is added to or removed from the group, and whether you may: nothing is written",
      tags: ["admin: groups"],
      auth: "member",
      parameters: [path("id", "Group id"), path("userId", "Member id")],
      requestBody: json(ref("MembershipPlanRequest")),
      responses: { 200: ref("MemberPlan") },
      errors: ["user_management_view_required", "invalid_request", "group_not_found", "member_not_found"],
    },
  },
  "/admin/audit": {
    get: { operationId: "listAdminAudit", summary: "Permission changes with actor and cause, newest first", tags: ["admin: logs"], auth: "member", parameters: [q("member", "Member id or userName"), q("actor", "member:<userName>, cli:<user>, file:<path>, scim; or a kind like cli:"), ...paging], responses: { 200: closed({ entries: list(ref("AuditEntry")), nextCursor: nullable(str) }) }, errors: ["identity_access_view_required", "invalid_request"] },
  },
  "/admin/privacy/retention": {
    get: { operationId: "getRetention", summary: "The organisation's retention settings, the days applied and their bounds (Privacy at view)", tags: ["admin: privacy"], auth: "member", responses: { 200: ref("RetentionView") }, errors: ["privacy_view_required"] },
    put: { operationId: "changeRetention",
      summary: "Change retention settings (Privacy at manage): whole days within bounds, null for the default; settings left out keep their value. The audit log's floor is 30 days",
      tags: ["admin: privacy"],
      auth: "member",
      requestBody: json({ ...ref("RetentionDays"), required: [] }),
      responses: { 200: ref("RetentionView") },
      headers: { 200: ["X-Revision"] },
      errors: ["privacy_manage_required", "retention_below_floor", "retention_out_of_range", "invalid_request", "invalid_json"],
    },
  },
  "/admin/privacy/statement": {
    get: { operationId: "getPrivacyStatement",
      summary: "What the server stores about people, where, and for how long, with the organisation's retention filled in (Privacy at view)",
      tags: ["admin: privacy"],
      auth: "member",
      responses: { 200: closed({ rows: list(closed({ what: str, holds: str, where: str, kept: str, setting: nullable(str) })), effective: closed({ auditLogDays: nullable(int), eventDays: int, analyticsDays: nullable(int), deletedMemberDays: nullable(int) }) }) },
      errors: ["privacy_view_required"],
    },
  },
  "/admin/privacy/deleted-members": {
    get: { operationId: "listDeletedMembers", summary: "Members deleted from the directory, newest first, at most `limit` (200) of them (Privacy at view)", tags: ["admin: privacy"], auth: "member", responses: { 200: closed({ members: list(ref("DeletedMember")), limit: int, erasure: closed({ erases: list(str), keeps: list(closed({ what: str, why: str })) }) }) }, errors: ["privacy_view_required"] },
  },
  "/admin/privacy/members": {
    get: { operationId: "searchMembersForExport",
      summary: "Members by the start of their userName, display name or e-mail, at most 20, to pick whose data to export (Privacy at manage)",
      tags: ["admin: privacy"],
      auth: "member",
      parameters: [q("q", "A prefix of userName, displayName or email")],
      responses: { 200: closed({ members: list(closed({ id: str, userName: str, displayName: nullable(str) })) }) },
      errors: ["privacy_manage_required"],
    },
  },
  "/admin/me/export": {
    get: { operationId: "exportMyData", summary: "The signed-in member's personal data as one JSON document (every member; audited); at most 1000 entries per list", tags: ["admin: privacy"], auth: "member", responses: { 200: ref("PersonalDataExport") }, errors: [] },
  },
  "/admin/members/{id}/export": {
    get: { operationId: "exportMemberData",
      summary: "A member's personal data as one JSON document (Privacy at manage; a deleted member not yet erased too; audited); at most 1000 entries per list",
      tags: ["admin: privacy"],
      auth: "member",
      parameters: [path("id", "Member id")],
      responses: { 200: ref("PersonalDataExport") },
      errors: ["privacy_manage_required", "member_not_found"],
    },
  },
  "/admin/erasures": {
    post: { operationId: "eraseDeletedMember",
      summary: "Erase a deleted member's personal data (Privacy at manage): their names in the audit log, admin log and events become a pseudonym, rows and counts kept; says what cannot be erased and why",
      tags: ["admin: privacy"],
      auth: "member",
      requestBody: json(ref("ErasureRequest")),
      responses: {
        200: closed({
          userId: str,
          pseudonym: str,
          erasedAt: str,
          pseudonymised: closed({ auditRows: int, adminRows: int, events: int, consoleSessions: int, scimErrors: int }),
          notErased: list(closed({ what: str, count: nullable(int), why: str })),
          revision: ref("Revision"),
        }, ["revision"]),
      },
      headers: { 200: ["X-Revision"] },
      errors: ["privacy_manage_required", "member_exists", "member_not_found", "invalid_request", "invalid_json"],
    },
  },
  "/admin/actions": {
    get: { operationId: "listAdminActions", summary: "Every admin write, newest first", tags: ["admin: logs"], auth: "member", parameters: [q("actor", "As for /admin/audit"), ...paging], responses: { 200: closed({ entries: list(ref("AdminAction")), nextCursor: nullable(str) }) }, errors: ["identity_access_view_required", "invalid_request"] },
  },
  "/admin/analytics/settings": {
    get: { operationId: "getAnalyticsSettings", summary: "What usage analytics collects for the organisation (both on until changed)", tags: ["admin: analytics"], auth: "member", responses: { 200: ref("AnalyticsSettings") }, errors: ["analytics_view_required"] },
    put: { operationId: "changeAnalyticsSettings",
      summary: "Change what usage analytics collects (Analytics at manage); counts held when collection is switched off are dropped at the next flush",
      tags: ["admin: analytics"],
      auth: "member",
      requestBody: json(ref("AnalyticsSettingsRequest")),
      responses: { 200: closed({ collectAuthorize: bool, collectProvisioning: bool, updatedAt: nullable(str), updatedBy: nullable(str), revision: ref("Revision") }, ["revision"]) },
      errors: ["analytics_manage_required", "invalid_request", "invalid_json"],
    },
  },
  "/admin/analytics/members": {
    get: { operationId: "getMemberSeries",
      summary: "Active members per day by org role or by custom role: the daily snapshot, and today counted now",
      tags: ["admin: analytics"],
      auth: "member",
      parameters: [q("by", "org_role (default) or custom_role"), ...dayRange],
      responses: { 200: series(closed({ day: str, key: str, members: int }), { by: enumOf(["org_role", "custom_role"]) }) },
      errors: ANALYTICS_READ,
      csv: true,
    },
  },
  "/admin/analytics/provisioning": {
    get: { operationId: "getProvisioningSeries",
      summary: "SCIM activity per day and IdP connection (the token it authenticates with): creates, updates, deactivations, errors",
      tags: ["admin: analytics"],
      auth: "member",
      parameters: dayRange,
      responses: { 200: series(closed({ day: str, idp: closed({ id: str, label: nullable(str) }), creates: int, updates: int, deactivations: int, errors: int })) },
      errors: ANALYTICS_READ,
      csv: true,
    },
  },
  "/admin/analytics/decisions": {
    get: { operationId: "getDecisionSeries",
      summary: "authorize's decisions per day, per capability, connector and admin area: allowed and denied",
      tags: ["admin: analytics"],
      auth: "member",
      parameters: [q("kind", "capability, connector or area"), ...dayRange],
      responses: { 200: series(closed({ day: str, kind: enumOf(["capability", "connector", "area"]), name: str, allowed: int, denied: int })) },
      errors: ANALYTICS_READ,
      csv: true,
    },
  },
  "/admin/analytics/access-review": {
    get: { operationId: "getAccessReview",
      summary: "Who holds each admin area at view or manage, and through which groups, app roles and roles; a page reads at most 500 members (it may hold fewer rows and still have a next one). The CSV holds every page, up to 10000 rows (X-Next-Cursor past that)",
      tags: ["admin: analytics"],
      auth: "member",
      parameters: [q("area", "One admin area"), q("level", "view or manage (default: either)"), q("format", "csv for a CSV download (as Accept: text/csv)"), ...paging],
      responses: {
        200: closed({
          rows: list(closed({ member: closed({ id: str, userName: str }), orgRole: ref("OrgRole"), area: enumOf(AREAS), level: ref("Level"), paths: list(ref("AccessPath")), through: str })),
          nextCursor: nullable(str),
        }),
      },
      errors: ANALYTICS_READ,
      csv: true,
    },
  },
};

/** Every described operation as `METHOD /path` (the route test compares this with the routers). */
export function documentedRoutes(): string[] {
  return Object.entries(operations).flatMap(([p, methods]) => Object.keys(methods).map((m) => `${m.toUpperCase()} ${p}`));
}

function toOpenApi(op: Operation): Json {
  const auth = op.auth === "none" ? [] : op.auth === "api" ? [...API_AUTH] : [...MEMBER_AUTH];
  // Every route sits behind the rate limiter (server/rate-limit.ts): 429 with Retry-After.
  const errorCodes = [...new Set([...auth, "internal", "too_many_requests", ...op.errors])] as ApiErrorCode[];
  const byStatus = new Map<number, string[]>();
  for (const code of errorCodes) byStatus.set(API_ERROR_STATUS[code], [...(byStatus.get(API_ERROR_STATUS[code]) ?? []), code]);
  const responses: Record<string, Json> = {};
  for (const [status, schema] of Object.entries(op.responses)) {
    const headers = op.headers?.[Number(status)] ?? [];
    responses[status] = {
      description: "Success",
      ...(schema === null
        ? {}
        : { content: { [op.summary.startsWith("Server-Sent") ? "text/event-stream" : "application/json"]: { schema }, ...(op.csv === true ? { "text/csv": { schema: { type: "string" } } } : {}) } }),
      ...(headers.length > 0 ? { headers: Object.fromEntries(headers.map((h) => [h, { schema: str }])) } : {}),
    };
  }
  for (const [status, codes] of byStatus) {
    responses[String(status)] = { description: `Error: ${codes.join(", ")}`, content: { "application/json": { schema: ref("Error") } } };
  }
  return {
    operationId: op.operationId,
    summary: op.summary,
    ...(op.description === undefined ? {} : { description: op.description }),
    tags: op.tags,
    security: op.auth === "none" ? [] : op.auth === "api" ? [{ apiToken: [] }] : [{ memberToken: [] }, { consoleSession: [] }],
    ...(op.parameters ? { parameters: op.parameters } : {}),
    ...(op.requestBody ? { requestBody: op.requestBody } : {}),
    responses,
  };
}

export function openApiDocument(): Json {
  return {
    openapi: "3.1.0",
    info: {
      title: "SCIM role-mapping server: permissions and role administration API",
      version: "1",
      description: "Product services ask with an API token (`api-tokens create`); members administer roles with their OIDC token. Errors are `{ error: { code, message } }`.",
    },
    servers: [{ url: "/api/v1" }],
    components: {
      schemas,
      securitySchemes: {
        apiToken: { type: "http", scheme: "bearer", description: "A product-service API token; never accepted on /admin" },
        memberToken: { type: "http", scheme: "bearer", bearerFormat: "JWT", description: "A member's OIDC token from the organisation's issuer (aud = its client id)" },
        consoleSession: { type: "apiKey", in: "cookie", name: "console_session", description: "The console's session (sign in at /console); POST, PUT, PATCH and DELETE also need X-CSRF-Token from GET /console/session" },
      },
    },
    paths: Object.fromEntries(Object.entries(operations).map(([p, methods]) => [p, Object.fromEntries(Object.entries(methods).map(([m, op]) => [m, toOpenApi(op)]))])),
  };
}
