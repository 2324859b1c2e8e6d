/**
 * The schema model: the URNs we speak, the User, EnterpriseUser and Group attribute definitions
 * read once from scimmy (RFC 7643 §4, §4.3, plus the common attributes of §3.1 that scimmy keeps
 * outside its definitions), and scimmy's coercion of a whole resource. scimmy is our schema engine
 * here and for discovery; storage, filtering, paging, PATCH and ETags are ours.
 */
import SCIMMY from "scimmy";
import { invalidValue, ScimError } from "./errors";
import { type JsonObject, isObject } from "../mapping/json";

export const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
export const ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
export const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
export const LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse";
export const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";
export const BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest";
export const BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse";

export type ResourceKind = "User" | "Group";

export type AttrType = "string" | "boolean" | "complex" | "reference" | "dateTime" | "integer" | "decimal" | "binary";
export type Mutability = "readOnly" | "readWrite" | "immutable" | "writeOnly";

export interface AttrDef {
  readonly name: string;
  readonly type: AttrType;
  readonly multiValued: boolean;
  readonly mutability: Mutability;
  readonly caseExact: boolean;
  readonly subAttributes: readonly AttrDef[];
}

export interface SchemaDef {
  readonly id: string;
  readonly extension: boolean;
  readonly attributes: readonly AttrDef[];
}

export interface ResourceSchemas {
  readonly core: SchemaDef;
  readonly extensions: readonly SchemaDef[];
}

const ATTR_TYPES: ReadonlySet<string> = new Set([
  "string",
  "boolean",
  "complex",
  "reference",
  "dateTime",
  "integer",
  "decimal",
  "binary",
]);
const MUTABILITIES: ReadonlySet<string> = new Set(["readOnly", "readWrite", "immutable", "writeOnly"]);

function simple(name: string, mutability: Mutability, caseExact: boolean, type: AttrType = "string"): AttrDef {
  return { name, type, multiValued: false, mutability, caseExact, subAttributes: [] };
}

/**
 * RFC 7643 §3.1 common attributes. `schemas` is treated as read-only here: the engine maintains
 * it when an extension appears or disappears, and clients only ever echo it back.
 */
const COMMON_ATTRIBUTES: readonly AttrDef[] = [
  simple("id", "readOnly", true),
  simple("externalId", "readWrite", true),
  { ...simple("schemas", "readOnly", true, "reference"), multiValued: true },
  {
    ...simple("meta", "readOnly", false, "complex"),
    subAttributes: [
      simple("resourceType", "readOnly", true),
      simple("created", "readOnly", false, "dateTime"),
      simple("lastModified", "readOnly", false, "dateTime"),
      simple("location", "readOnly", true, "reference"),
      simple("version", "readOnly", true),
    ],
  },
];

function toAttrDef(raw: unknown, where: string): AttrDef {
  if (!isObject(raw) || typeof raw["name"] !== "string" || typeof raw["type"] !== "string") {
    throw new Error(`scimmy schema definition ${where} has an attribute without a name or type`);
  }
  const name = raw["name"];
  const type = raw["type"];
  const mutability = raw["mutability"] ?? "readWrite";
  if (!ATTR_TYPES.has(type) || typeof mutability !== "string" || !MUTABILITIES.has(mutability)) {
    throw new Error(`scimmy schema definition ${where}.${name} has an unexpected type or mutability`);
  }
  const subs = Array.isArray(raw["subAttributes"]) ? raw["subAttributes"] : [];
  return {
    name,
    type: type as AttrType,
    multiValued: raw["multiValued"] === true,
    mutability: mutability as Mutability,
    caseExact: raw["caseExact"] === true,
    subAttributes: subs.map((s) => toAttrDef(s, `${where}.${name}`)),
  };
}

/** scimmy's Attribute objects only expose their metadata through toJSON, hence the round trip. */
function loadSchema(definition: { describe(): unknown }, extension: boolean, extra: readonly AttrDef[]): SchemaDef {
  const described: unknown = JSON.parse(JSON.stringify(definition.describe()));
  if (!isObject(described) || typeof described["id"] !== "string" || !Array.isArray(described["attributes"])) {
    throw new Error("scimmy returned a schema description without id or attributes");
  }
  const id = described["id"];
  const attributes = described["attributes"]
    .map((a) => toAttrDef(a, id))
    // An extended scimmy definition may list its extensions as URN-named attributes; we model them separately.
    .filter((a) => !a.name.toLowerCase().startsWith("urn:"));
  return { id, extension, attributes: [...extra, ...attributes] };
}

const cache = new Map<ResourceKind, ResourceSchemas>();

/** The schemas of a resource type with RFC 7643 characteristics, loaded once from scimmy. */
export function schemasFor(kind: ResourceKind): ResourceSchemas {
  const cached = cache.get(kind);
  if (cached !== undefined) return cached;
  declareScimmyResources();
  const loaded: ResourceSchemas =
    kind === "User"
      ? {
          core: loadSchema(SCIMMY.Schemas.User.definition, false, COMMON_ATTRIBUTES),
          extensions: [loadSchema(SCIMMY.Schemas.EnterpriseUser.definition, true, [])],
        }
      : { core: loadSchema(SCIMMY.Schemas.Group.definition, false, COMMON_ATTRIBUTES), extensions: [] };
  cache.set(kind, loaded);
  return loaded;
}

let declared = false;

/** Declares our resource types on the one scimmy instance (idempotent: scimmy's registry is global). */
export function declareScimmyResources(): void {
  if (declared) return;
  declared = true;
  for (const definition of [SCIMMY.Schemas.User.definition, SCIMMY.Schemas.EnterpriseUser.definition, SCIMMY.Schemas.Group.definition]) {
    for (const attribute of definition.attributes) if (attribute instanceof SCIMMY.Types.Attribute) suggestCanonicalValues(attribute);
  }
  // The server derives a member's display from the member on every read, whatever a client sent.
  SCIMMY.Schemas.Group.definition.attribute("members.display").config.mutable = "readOnly";
  SCIMMY.Resources.declare(SCIMMY.Resources.User.extend(SCIMMY.Schemas.EnterpriseUser, false));
  SCIMMY.Resources.declare(SCIMMY.Resources.Group);
}

type ScimmyAttribute = InstanceType<typeof SCIMMY.Types.Attribute>;

/**
 * RFC 7643 §7: canonicalValues are "suggested canonical values that MAY be used", and §4.1.2 gives
 * `roles` (and `x509Certificates`) no vocabulary at all. scimmy enforces any list it is given, and
 * reads its empty lists for `roles.type` and `x509Certificates.type` as "no value allowed", which
 * refused Entra's app roles (`"type": "WindowsAzureActiveDirectoryRole"`, Microsoft's "Provisioning
 * a role to a SCIM app"; fixtures/entra/create-user-app-role.json). So every list becomes a
 * suggestion: advertised in /Schemas when it names values, never enforced on input.
 */
function suggestCanonicalValues(attribute: ScimmyAttribute): void {
  const subAttributes = attribute.subAttributes ?? [];
  subAttributes.forEach((sub, index) => {
    suggestCanonicalValues(sub);
    const values = sub.config.canonicalValues;
    if (!Array.isArray(values)) return;
    if (values.length === 0) sub.config.canonicalValues = false;
    else subAttributes.splice(index, 1, new SuggestedValues(sub, values));
  });
}

const suggestions = new WeakMap<object, readonly string[]>();

/** An attribute that advertises canonical values in /Schemas and accepts any value (scimmy checks only `config`). */
class SuggestedValues extends SCIMMY.Types.Attribute {
  constructor(original: ScimmyAttribute, values: readonly string[]) {
    super(original.type, original.name, { ...original.config, canonicalValues: false });
    suggestions.set(this, [...values]);
  }

  override toJSON(): ReturnType<ScimmyAttribute["toJSON"]> {
    return { ...super.toJSON(), canonicalValues: [...(suggestions.get(this) ?? [])] };
  }
}

/** The attribute called `name` among a schema's attributes or an attribute's sub-attributes (RFC 7643 §2.1: case-insensitive). */
export function findAttribute(attributes: readonly AttrDef[], name: string): AttrDef | undefined {
  const wanted = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === wanted);
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
