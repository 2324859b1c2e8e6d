/**
 * What a SCIM handler knows about the request it serves (organisation, request id, limits), and
 * the one hook it calls into the role service: `PermissionSync`, implemented by roles/ and passed
 * in by server/, so that scim/ never imports roles/.
 */
import type { ChangeCause } from "../db/change-cause";
import type { Database, Executor } from "../db/connection";
import { type AfterCommit, type OnCommit, withAfterCommit } from "../db/transaction";
import type { FilterLimits } from "./filter";
import type { ClientSignals } from "./provisioner";

export interface GroupIdentity {
  readonly id: string;
  readonly displayName: string;
  readonly externalId: string | null;
}

export interface NewMember {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly appRoles: readonly string[];
}

/**
 * The role-mapping hook every directory write calls inside its transaction. The returned
 * callback runs after commit (to publish events): nothing is announced for a rolled-back write.
 */
export interface PermissionSync {
  /** The listed users' groups, app roles or active flag may have changed (ids of groups or unknown ids are ignored). */
  membersChanged(tx: Executor, orgId: string, userIds: readonly string[], cause: ChangeCause): Promise<AfterCommit>;
  /** A user was just created: it has no groups yet, and `appRoles` are the values of its `roles`. */
  memberCreated(tx: Executor, orgId: string, member: NewMember, cause: ChangeCause): Promise<AfterCommit>;
  /** A user was deleted: its materialised permissions go, and the loss of access is audited. */
  userDeleted(tx: Executor, orgId: string, userId: string, cause: ChangeCause): Promise<AfterCommit>;
  /** A group's displayName/externalId changed: members are recomputed when that changes which rules match. */
  groupIdentityChanged(tx: Executor, orgId: string, before: GroupIdentity, after: GroupIdentity, cause: ChangeCause): Promise<AfterCommit>;
}

export interface ScimLimits {
  readonly defaultCount: number;
  readonly maxCount: number;
  readonly maxBulkOperations: number;
  readonly maxPayloadBytes: number;
  /** The longest string attribute value, in UTF-8 bytes (SCIM_MAX_STRING_BYTES). */
  readonly maxStringBytes: number;
  /** Attribute expressions and nesting in one filter (list and search filters, PATCH path filters). */
  readonly filter: FilterLimits;
  /** Operations in one PATCH request, alone or inside /Bulk (SCIM_MAX_PATCH_OPERATIONS). */
  readonly maxPatchOperations: number;
  /** Paths in one `attributes` or `excludedAttributes` list (SCIM_MAX_ATTRIBUTE_PATHS). */
  readonly maxAttributePaths: number;
}

/** Everything a SCIM handler needs about the request it serves. */
export interface ScimContext {
  readonly db: Database;
  readonly orgId: string;
  readonly requestId: string;
  readonly method: string;
  readonly path: string;
  /** Absolute base URL of the SCIM service, for `meta.location`. */
  readonly baseUrl: string;
  /** What the request shows of the IdP that sent it (scim/provisioner.ts). */
  readonly client: ClientSignals;
  readonly sync: PermissionSync;
  readonly limits: ScimLimits;
}

export function causeOf(ctx: ScimContext): ChangeCause {
  return { kind: "scim", method: ctx.method, path: ctx.path, requestId: ctx.requestId };
}

/** Runs `work` in one transaction and the post-commit callbacks it collected after the commit. */
export async function inTransaction<T>(ctx: ScimContext, work: (tx: Executor, after: OnCommit) => Promise<T>): Promise<T> {
  return withAfterCommit(ctx.db, work);
}
