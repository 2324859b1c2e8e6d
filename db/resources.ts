/**
 * Users and Groups as the rest of the server sees them: rows with dates, booleans and JSON
 * decoded (STYLE.md habit 6).
 */
import type { DbGroupRow, DbUserRow } from "./tables";
import type { JsonObject } from "../mapping/json";
import { readBoolean, readJsonObject } from "./json";

/** A stored User. `data` holds the SCIM attributes other than id, meta, groups and manager. */
export interface UserRecord {
  readonly id: string;
  readonly orgId: string;
  readonly userName: string;
  readonly externalId: string | null;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly managerId: string | null;
  readonly data: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

/** The identity providers a creating request can be recognised as (scim/provisioner.ts). */
export type IdentityProvider = "okta" | "entra";

export function readIdentityProvider(value: unknown): IdentityProvider | null {
  return value === "okta" || value === "entra" ? value : null;
}

/** A stored Group, without members (they live in group_members and are never loaded whole). */
export interface GroupRecord {
  readonly id: string;
  readonly orgId: string;
  readonly displayName: string;
  readonly externalId: string | null;
  /** The IdP whose request created the group, when it was recognised. */
  readonly provisionedBy: IdentityProvider | null;
  /** Pushed by the IdP (`scim`) or created in the admin API (`manual`). */
  readonly source: GroupSource;
  readonly data: JsonObject;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
}

export function toUserRecord(row: DbUserRow): UserRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    userName: row.user_name,
    externalId: row.external_id,
    displayName: row.display_name,
    active: readBoolean(row.active),
    managerId: row.manager_id,
    data: readJsonObject(row.data, "resource data"),
    version: Number(row.version),
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

export function toGroupRecord(row: DbGroupRow): GroupRecord {
  return {
    id: row.id,
    orgId: row.org_id,
    displayName: row.display_name,
    externalId: row.external_id,
    provisionedBy: readIdentityProvider(row.provisioned_by),
    source: readGroupSource(row.source),
    data: readJsonObject(row.data, "resource data"),
    version: Number(row.version),
    created: row.created_at,
    lastModified: row.updated_at,
  };
}

export type GroupSource = "scim" | "manual";

export function readGroupSource(value: unknown): GroupSource {
  return value === "manual" ? "manual" : "scim";
}
