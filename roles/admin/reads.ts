/**
 * The rest of what a console reads: who is signed in and what they may do, the custom roles with
 * how many members hold each and which groups and app roles give them, the audit log (permission changes, with
 * actor and cause) and the admin log (every admin write).
 */
import { type AdminAction as LoggedAction, readAdminActions } from "../../db/admin-actions";
import { readAudit } from "../../db/audit";
import { allGroups } from "../../db/groups";
import { findOrgById } from "../../db/orgs";
import { roleHolderCounts } from "../../db/permissions";
import { findUser, findUserIdByUserName } from "../../db/users";
import { type AllowedActions, type EffectivePermissions, type RoleDefinition, type RoleDocument, describeRuleTarget, indexGroups, roleDocument, rulesByRole } from "../../mapping";
import { type Actor, requireAction } from "./actor";
import { decodeCursor, encodeCursor } from "./cursor";
import type { AdminDeps } from "./mapping";

export interface Me {
  readonly member: { readonly id: string; readonly userName: string };
  readonly org: { readonly id: string; readonly name: string; readonly managedByFile: string | null };
  readonly permissions: EffectivePermissions;
  readonly may: AllowedActions;
}

export async function whoAmI(deps: AdminDeps, actor: Actor): Promise<Me> {
  const org = await findOrgById(deps.db.knex, actor.orgId);
  return {
    member: { id: actor.id, userName: actor.userName },
    org: { id: actor.orgId, name: org?.name ?? "", managedByFile: org?.mappingFile ?? null },
    permissions: actor.permissions,
    may: actor.may,
  };
}

/** Following the organisation's permission changes live is a read of roles (403 otherwise). */
export function authorizeEventStream(actor: Actor): void {
  requireAction(actor, "read_roles");
}

export interface RoleSummary {
  readonly name: string;
  readonly definition: RoleDocument;
  /** Members holding the role now (custom members whose groups or app roles give it). */
  readonly memberCount: number;
  readonly rules: ReadonlyArray<{ readonly id: string; readonly target: string }>;
  readonly groups: ReadonlyArray<{ readonly id: string; readonly displayName: string; readonly source: "scim" | "manual" }>;
  /** The app-role values whose rules give it (Entra app roles), sorted. */
  readonly appRoles: readonly string[];
}

export async function listRoles(deps: AdminDeps, actor: Actor): Promise<RoleSummary[]> {
  requireAction(actor, "read_roles");
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const counts = await roleHolderCounts(deps.db.knex, actor.orgId);
  const groups = await allGroups(deps.db.knex, actor.orgId);
  // Indexed once, so thousands of roles and rules cost their sum, not roles × rules × groups.
  const granting = rulesByRole(mapping);
  const index = indexGroups(groups);
  return mapping.roles.map((role: RoleDefinition) => {
    const rules = granting.get(role.name) ?? [];
    const giving = new Map(rules.flatMap((rule) => index.matching(rule)).map((g) => [g.id, { id: g.id, displayName: g.displayName, source: g.source ?? "scim" }]));
    return {
      name: role.name,
      definition: roleDocument(role),
      memberCount: counts.get(role.name) ?? 0,
      rules: rules.map((rule) => ({ id: rule.id, target: describeRuleTarget(rule) })),
      groups: [...giving.values()],
      appRoles: [...new Set(rules.flatMap((rule) => (rule.source.kind === "appRole" ? [rule.source.value] : [])))].sort(),
    };
  });
}

export interface AuditPage<T> {
  readonly entries: T[];
  readonly nextCursor: string | null;
}

const isSeq = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value > 0;

/** Permission changes, newest first; `member` is an id or userName, `actor` exact or a kind (`cli:`). */
export async function readAuditPage(
  deps: AdminDeps,
  actor: Actor,
  query: { member?: string; actor?: string; cursor?: string; limit: number },
): Promise<AuditPage<{ seq: number; member: { id: string; userName: string }; actor: string | null; requestId: string | null; cause: unknown; before: unknown; after: unknown; at: string }>> {
  requireAction(actor, "read_roles");
  let userId: string | undefined;
  if (query.member !== undefined) {
    userId = (await findUser(deps.db.knex, actor.orgId, query.member))?.id ?? (await findUserIdByUserName(deps.db.knex, actor.orgId, query.member)) ?? query.member;
  }
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isSeq);
  const rows = await readAudit(deps.db.knex, actor.orgId, {
    limit: query.limit,
    ...(userId === undefined ? {} : { userId }),
    ...(query.actor === undefined ? {} : { actor: query.actor }),
    ...(before === undefined ? {} : { before }),
  });
  const last = rows[rows.length - 1];
  return {
    entries: rows.map((r) => ({ seq: r.seq, member: { id: r.userId, userName: r.userName }, actor: r.actor, requestId: r.requestId, cause: r.cause, before: r.before, after: r.after, at: r.at })),
    nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.seq) : null,
  };
}

export async function readAdminLog(deps: AdminDeps, actor: Actor, query: { actor?: string; cursor?: string; limit: number }): Promise<AuditPage<LoggedAction>> {
  requireAction(actor, "read_roles");
  const before = query.cursor === undefined ? undefined : decodeCursor(query.cursor, isSeq);
  const rows = await readAdminActions(deps.db.knex, actor.orgId, {
    limit: query.limit,
    ...(query.actor === undefined ? {} : { actor: query.actor }),
    ...(before === undefined ? {} : { before }),
  });
  const last = rows[rows.length - 1];
  return { entries: rows, nextCursor: rows.length === query.limit && last !== undefined ? encodeCursor(last.seq) : null };
}
