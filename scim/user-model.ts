/**
 * The User's two shapes: the fields db/ stores (indexed columns, the manager's id, the rest as
 * JSON) and the SCIM representation of a stored user (RFC 7643 §4.1, §4.3).
 */
import type { GroupRef } from "../db/groups";
import type { UserFields } from "../db/users";
import type { UserRecord } from "../db/resources";
import { COLUMN_LENGTH } from "../db/tables";
import { invalidValue } from "./errors";
import { type JsonObject, isObject } from "../mapping/json";
import { withoutKeys } from "./json";
import { CORE_USER, ENTERPRISE_USER } from "./schemas";
import { etagOf } from "./etag";
import { checkColumnLength } from "./values";

const COLUMN_ATTRIBUTES = new Set(["schemas", "id", "meta", "userName", "externalId", "displayName", "active", "groups", "password"]);

/**
 * Splits a coerced SCIM User into the columns we index and the JSON we keep as is.
 * `activeWhenAbsent` is what `active` is when the resource has none (docs/conformance.md, "The
 * active flag"): `true` for a new user; the stored value for a PUT, which does not assert what it
 * leaves out (RFC 7644 §3.5.1); `false` after a PATCH removed it or set it to null, since an
 * unassigned flag (RFC 7643 §2.5) grants no access (§4.1.1 leaves its meaning to the service
 * provider). So only `active: true` ever activates a user.
 */
export function toUserFields(resource: JsonObject, activeWhenAbsent: boolean): UserFields {
  const userName = resource.userName;
  if (typeof userName !== "string" || userName.trim() === "") throw invalidValue("userName is required and must be a non-empty string");
  const data = withoutKeys(resource, COLUMN_ATTRIBUTES);
  let managerId: string | null = null;
  const extension = data[ENTERPRISE_USER];
  if (isObject(extension)) {
    const { manager, ...rest } = extension;
    if (isObject(manager) && typeof manager.value === "string" && manager.value !== "") managerId = manager.value;
    if (Object.keys(rest).length > 0) data[ENTERPRISE_USER] = rest;
    else delete data[ENTERPRISE_USER];
  }
  return {
    userName: checkColumnLength(userName, "userName", COLUMN_LENGTH.userName),
    externalId: typeof resource.externalId === "string" ? checkColumnLength(resource.externalId, "externalId", COLUMN_LENGTH.externalId) : null,
    displayName: typeof resource.displayName === "string" ? checkColumnLength(resource.displayName, "displayName", COLUMN_LENGTH.displayName) : null,
    active: resource.active === undefined ? activeWhenAbsent : resource.active === true,
    managerId,
    data,
  };
}

/** The SCIM representation of a stored user (RFC 7643 §4.1), before attribute projection. */
export function renderUser(record: UserRecord, groups: readonly GroupRef[] | undefined, baseUrl: string): JsonObject {
  const { [ENTERPRISE_USER]: extension, ...core } = record.data;
  const enterprise: JsonObject = { ...(isObject(extension) ? extension : {}) };
  if (record.managerId !== null) enterprise.manager = { value: record.managerId, $ref: `${baseUrl}/Users/${record.managerId}` };
  const hasEnterprise = Object.keys(enterprise).length > 0;
  return {
    schemas: hasEnterprise ? [CORE_USER, ENTERPRISE_USER] : [CORE_USER],
    id: record.id,
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    userName: record.userName,
    ...(record.displayName !== null ? { displayName: record.displayName } : {}),
    ...core,
    active: record.active,
    ...(groups ? { groups: groups.map((g) => ({ value: g.id, $ref: `${baseUrl}/Groups/${g.id}`, display: g.displayName, type: "direct" })) } : {}),
    ...(hasEnterprise ? { [ENTERPRISE_USER]: enterprise } : {}),
    meta: {
      resourceType: "User",
      created: record.created,
      lastModified: record.lastModified,
      location: `${baseUrl}/Users/${record.id}`,
      version: etagOf(record.version),
    },
  };
}

/** The user as PATCH operations see it: the writable attributes, no meta or groups. */
export function patchableUser(record: UserRecord): JsonObject {
  const rendered = renderUser(record, undefined, "");
  delete rendered.meta;
  const extension = rendered[ENTERPRISE_USER];
  if (isObject(extension) && isObject(extension.manager)) extension.manager = { value: extension.manager.value };
  return rendered;
}
