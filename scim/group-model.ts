/**
 * The Group's two shapes: the fields db/ stores (indexed columns plus the rest as JSON) and the
 * SCIM representation of a stored group (RFC 7643 §4.2), without its members.
 */
import type { GroupFields } from "../db/groups";
import type { GroupRecord } from "../db/resources";
import { COLUMN_LENGTH } from "../db/tables";
import { invalidValue } from "./errors";
import { type JsonObject } from "../mapping/json";
import { withoutKeys } from "./json";
import { CORE_GROUP } from "./schemas";
import { etagOf } from "./etag";
import { checkColumnLength } from "./values";

const COLUMN_ATTRIBUTES = new Set(["schemas", "id", "meta", "displayName", "externalId", "members"]);

export function toGroupFields(resource: JsonObject): GroupFields {
  const displayName = resource.displayName;
  if (typeof displayName !== "string" || displayName.trim() === "") throw invalidValue("displayName is required and must be a non-empty string");
  const data = withoutKeys(resource, COLUMN_ATTRIBUTES);
  return {
    displayName: checkColumnLength(displayName, "displayName", COLUMN_LENGTH.displayName),
    externalId: typeof resource.externalId === "string" ? checkColumnLength(resource.externalId, "externalId", COLUMN_LENGTH.externalId) : null,
    data,
  };
}

/** The Group without `members`, which the response step streams separately (scim/reply.ts). */
export function renderGroupHead(record: GroupRecord, baseUrl: string): JsonObject {
  return {
    schemas: [CORE_GROUP],
    id: record.id,
    ...(record.externalId !== null ? { externalId: record.externalId } : {}),
    displayName: record.displayName,
    ...record.data,
    meta: {
      resourceType: "Group",
      created: record.created,
      lastModified: record.lastModified,
      location: `${baseUrl}/Groups/${record.id}`,
      version: etagOf(record.version),
    },
  };
}

export function patchableGroup(record: GroupRecord): JsonObject {
  const rendered = renderGroupHead(record, "");
  delete rendered.meta;
  return rendered;
}
