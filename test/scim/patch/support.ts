import { type JsonObject } from "../../../mapping/json";
import { type PatchOperation, applyPatch, parsePatchRequest } from "../../../scim/patch";
import { DEFAULT_INPUT_LIMITS } from "../../../scim/limits";

/** Builders shared by the PATCH engine's tests: envelopes, parsed operations and stored resources. */
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

/** SCIM_MAX_PATCH_OPERATIONS' default. */
export const MAX_OPS = DEFAULT_INPUT_LIMITS.maxPatchOperations;
export const envelope = (...operations: unknown[]): JsonObject => ({ schemas: [PATCH_OP], Operations: operations });
export const ops = (...operations: unknown[]): PatchOperation[] => parsePatchRequest(envelope(...operations), MAX_OPS);
export const patchUser = (user: JsonObject, ...operations: unknown[]): JsonObject => applyPatch("User", user, ops(...operations));
export const patchGroup = (group: JsonObject, ...operations: unknown[]): JsonObject => applyPatch("Group", group, ops(...operations));

/** What Okta's create request leaves in our store (docs/idp-clients.md#okta-table, "create"). */
export function ada(): JsonObject {
  return {
    schemas: [CORE_USER],
    id: "u-1",
    userName: "ada@example.com",
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [{ primary: true, value: "ada@example.com", type: "work" }],
    displayName: "Ada Lovelace",
    locale: "en-US",
    externalId: "00ujl29u0le5T6Aj10h7",
    active: true,
  };
}

export function sales(): JsonObject {
  return { schemas: [CORE_GROUP], id: "g-1", displayName: "Sales", externalId: "ext-sales" };
}
