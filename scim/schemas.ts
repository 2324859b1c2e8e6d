import SCIMMY from "scimmy";
import { invalidValue, ScimError } from "./errors";

/**
 * scimmy is our schema engine: its definitions of User, EnterpriseUser and Group drive ingress
 * coercion (types, required attributes, canonical attribute casing, read-only stripping) and the
 * discovery endpoints. Everything else (storage, filtering, paging, PATCH, ETags) is ours.
 */
export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error";
export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";
export const SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest";

export type JsonObject = { [key: string]: unknown };
export type ResourceKind = "User" | "Group";

export interface AttributeDefinition {
  readonly name: string;
  readonly type: string;
  readonly multiValued: boolean;
  readonly caseExact?: boolean;
  readonly mutability?: string;
  readonly returned?: string;
  readonly subAttributes?: readonly AttributeDefinition[];
}

export interface SchemaDefinition {
  readonly id: string;
  readonly attributes: readonly AttributeDefinition[];
}

export interface ResourceSchemas {
  readonly kind: ResourceKind;
  readonly core: SchemaDefinition;
  readonly extensions: readonly SchemaDefinition[];
}

let declared = false;

/** Declares our resource types on the one scimmy instance (idempotent: scimmy's registry is global). */
export function declareScimmyResources(): void {
  if (declared) return;
  declared = true;
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
}

/**
 * scimmy's describe() returns Attribute objects whose RFC 7643 characteristics (multiValued,
 * caseExact, mutability) are only visible once serialised: take the JSON form.
 */
function describe(definition: { describe(): unknown }): SchemaDefinition {
  return JSON.parse(JSON.stringify(definition.describe())) as SchemaDefinition;
}

let cachedSchemas: { User: ResourceSchemas; Group: ResourceSchemas } | null = null;

export function schemasOf(kind: ResourceKind): ResourceSchemas {
  if (!cachedSchemas) {
    declareScimmyResources();
    cachedSchemas = {
      User: { kind: "User", core: describe(SCIMMY.Schemas.User.definition), extensions: [describe(SCIMMY.Schemas.EnterpriseUser.definition)] },
      Group: { kind: "Group", core: describe(SCIMMY.Schemas.Group.definition), extensions: [] },
    };
  }
  return cachedSchemas[kind];
}

export function findAttribute(attributes: readonly AttributeDefinition[], name: string): AttributeDefinition | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === wanted);
}

export function findExtension(schemas: ResourceSchemas, urn: string): SchemaDefinition | undefined {
  const wanted = urn.toLowerCase();
  return schemas.extensions.find((e) => e.id.toLowerCase() === wanted);
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * scimmy reports coercion problems as plain TypeErrors ("Attribute 'emails' expected to be a
 * collection"); they are the client's fault, so they become 400 invalidValue.
 */
export function coerce(kind: ResourceKind, resource: JsonObject): JsonObject {
  declareScimmyResources();
  try {
    const Schema = kind === "User" ? SCIMMY.Schemas.User : SCIMMY.Schemas.Group;
    const coerced: unknown = JSON.parse(JSON.stringify(new Schema(resource, "in")));
    if (!isObject(coerced)) throw invalidValue(`${kind} could not be read`);
    return coerced;
  } catch (err) {
    if (err instanceof ScimError) throw err;
    if (err instanceof TypeError || (err instanceof Error && "scimType" in err)) throw invalidValue(err.message);
    throw err;
  }
}
