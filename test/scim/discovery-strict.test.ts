import { type TSchema, Type } from "@sinclair/typebox";
import Ajv from "ajv";
import { type Harness, startHarness } from "../support/harness";

/**
 * The discovery documents as a strict client reads them. scim2-models (the models behind
 * scim2-client and the scim2-tester suite) forbids any key RFC 7643 does not name and any
 * extension the document does not declare, and refuses the whole document otherwise; so does
 * this reading: RFC 7643's attribute lists for the ServiceProviderConfig (§5), ResourceType (§6)
 * and Schema (§7) resources, their common attributes (§3.1) and the ListResponse (RFC 7644 §3.4.2),
 * each object closed to other keys.
 */
const closed = <T extends Record<string, TSchema>>(properties: T, required: readonly (keyof T & string)[] = []): TSchema =>
  Type.Object(
    Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, required.includes(key) ? schema : Type.Optional(schema)])),
    { additionalProperties: false },
  );
const uri = Type.String({ minLength: 1 });
const supported = closed({ supported: Type.Boolean() }, ["supported"]);
/** RFC 7643 §3.1: `meta`'s sub-attributes. */
const meta = closed({ resourceType: Type.String(), created: Type.String(), lastModified: Type.String(), location: uri, version: Type.String() });

/** RFC 7643 §5. `id` is not used for the ServiceProviderConfig, though a client tolerates one. */
const serviceProviderConfig = closed(
  {
    schemas: Type.Array(Type.Literal("urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"), { minItems: 1, maxItems: 1 }),
    id: Type.String(),
    meta,
    documentationUri: uri,
    patch: supported,
    bulk: closed({ supported: Type.Boolean(), maxOperations: Type.Integer({ minimum: 0 }), maxPayloadSize: Type.Integer({ minimum: 0 }) }, ["supported", "maxOperations", "maxPayloadSize"]),
    filter: closed({ supported: Type.Boolean(), maxResults: Type.Integer({ minimum: 0 }) }, ["supported", "maxResults"]),
    changePassword: supported,
    sort: supported,
    etag: supported,
    authenticationSchemes: Type.Array(
      closed({ type: Type.String(), name: Type.String(), description: Type.String(), specUri: uri, documentationUri: uri, primary: Type.Boolean() }, ["type", "name", "description"]),
    ),
  },
  ["schemas", "patch", "bulk", "filter", "changePassword", "sort", "etag", "authenticationSchemes"],
);

/** RFC 7643 §6. */
const resourceType = closed(
  {
    schemas: Type.Array(Type.Literal("urn:ietf:params:scim:schemas:core:2.0:ResourceType"), { minItems: 1, maxItems: 1 }),
    id: Type.String(),
    meta,
    name: Type.String(),
    description: Type.String(),
    endpoint: Type.String({ pattern: "^/" }),
    schema: uri,
    schemaExtensions: Type.Array(closed({ schema: uri, required: Type.Boolean() }, ["schema", "required"])),
  },
  ["schemas", "name", "endpoint", "schema"],
);

/** RFC 7643 §7: an attribute's characteristics, sub-attributes one level down (§2.4). */
const characteristics = {
  name: Type.String({ minLength: 1 }),
  type: Type.Union(["string", "boolean", "decimal", "integer", "dateTime", "reference", "complex", "binary"].map((t) => Type.Literal(t))),
  multiValued: Type.Boolean(),
  description: Type.String(),
  required: Type.Boolean(),
  canonicalValues: Type.Array(Type.Unknown()),
  caseExact: Type.Boolean(),
  mutability: Type.Union(["readOnly", "readWrite", "immutable", "writeOnly"].map((t) => Type.Literal(t))),
  returned: Type.Union(["always", "never", "default", "request"].map((t) => Type.Literal(t))),
  uniqueness: Type.Union(["none", "server", "global"].map((t) => Type.Literal(t))),
  referenceTypes: Type.Array(Type.String()),
};
const subAttribute = closed(characteristics, ["name", "type", "multiValued", "required"]);
const attribute = closed({ ...characteristics, subAttributes: Type.Array(subAttribute) }, ["name", "type", "multiValued", "required"]);
const schema = closed(
  {
    schemas: Type.Array(Type.Literal("urn:ietf:params:scim:schemas:core:2.0:Schema"), { minItems: 1, maxItems: 1 }),
    id: uri,
    meta,
    name: Type.String(),
    description: Type.String(),
    attributes: Type.Array(attribute, { minItems: 1 }),
  },
  ["id", "attributes"],
);

/** RFC 7644 §3.4.2. */
const listOf = (resource: TSchema): TSchema =>
  closed(
    {
      schemas: Type.Array(Type.Literal("urn:ietf:params:scim:api:messages:2.0:ListResponse"), { minItems: 1, maxItems: 1 }),
      totalResults: Type.Integer({ minimum: 0 }),
      startIndex: Type.Integer({ minimum: 1 }),
      itemsPerPage: Type.Integer({ minimum: 0 }),
      Resources: Type.Array(resource),
    },
    ["schemas", "totalResults", "Resources"],
  );

const ajv = new Ajv({ allErrors: true, strict: false });
function problemsOf(document: unknown, against: TSchema): string[] {
  const validate = ajv.compile(against);
  if (validate(document)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message ?? ""}${e.params && "additionalProperty" in e.params ? ` (${String(e.params.additionalProperty)})` : ""}`);
}

describe("discovery documents, read as a strict client reads them", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => h.close());

  it("serves a /ServiceProviderConfig with RFC 7643's attributes only, which a strict client can read", async () => {
    const res = await h.scim("get", "/ServiceProviderConfig");
    expect(res.status).toBe(200);
    expect(problemsOf(res.body, serviceProviderConfig)).toEqual([]);
  });

  it("serves /ResourceTypes and each resource type by id with RFC 7643's attributes only", async () => {
    const list = await h.scim("get", "/ResourceTypes");
    expect(list.status).toBe(200);
    expect(problemsOf(list.body, listOf(resourceType))).toEqual([]);
    for (const id of ["User", "Group"]) {
      const one = await h.scim("get", `/ResourceTypes/${id}`);
      expect(problemsOf(one.body, resourceType)).toEqual([]);
    }
  });

  it("serves /Schemas and each schema by id with RFC 7643's attribute characteristics only", async () => {
    const list = await h.scim("get", "/Schemas");
    expect(list.status).toBe(200);
    expect(problemsOf(list.body, listOf(schema))).toEqual([]);
    const ids = (list.body as { Resources: { id: string }[] }).Resources.map((r) => r.id);
    expect(ids).toEqual(expect.arrayContaining(["urn:ietf:params:scim:schemas:core:2.0:User", "urn:ietf:params:scim:schemas:core:2.0:Group", "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"]));
    for (const id of ids) expect(problemsOf((await h.scim("get", `/Schemas/${id}`)).body, schema)).toEqual([]);
  });

  it("refuses, as a strict client would, a ServiceProviderConfig that carries an undeclared extension", async () => {
    // The reading above is not vacuous: the document as this server once served it is refused.
    const served = (await h.scim("get", "/ServiceProviderConfig")).body as { schemas: string[] };
    const extension = "urn:scim-role-mapping:schemas:extension:limits:1.0:ServiceProviderConfig";
    const withExtension = { ...served, schemas: [...served.schemas, extension], [extension]: { patch: { maxOperations: 1000 } } };
    expect(problemsOf(served, serviceProviderConfig)).toEqual([]);
    // The undeclared URN is refused twice over: in `schemas`, and as a key of the document.
    expect(problemsOf(withExtension, serviceProviderConfig)).toEqual([
      `/ must NOT have additional properties (${extension})`,
      "/schemas must NOT have more than 1 items",
      "/schemas/1 must be equal to constant",
    ]);
  });
});
