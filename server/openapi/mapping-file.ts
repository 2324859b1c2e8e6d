/**
 * The mapping file's own JSON Schema (mapping/mapping.schema.json, which the mapping validator
 * checks every file against) as components of the API's document: what `GET /admin/mapping` and a
 * version answer under `document`, and what `PUT /admin/mapping`, a role and a rule take. Published
 * from the one schema rather than retyped, it cannot drift from what the validator accepts.
 */
import type { TSchema, TUnsafe } from "@sinclair/typebox";
import { Type } from "@sinclair/typebox";
import type { MappingDocument, RoleDocument, RuleDocument } from "../../mapping";
import schema from "../../mapping/mapping.schema.json";

/** The component each of the schema's definitions becomes. */
const NAMES: Readonly<Record<string, string>> = {
  role: "RoleDocument",
  rule: "Rule",
};
const componentName = (definition: string): string => NAMES[definition] ?? `Mapping${definition.charAt(0).toUpperCase()}${definition.slice(1)}`;

/** `#/definitions/x` → `#/components/schemas/<x's component>`, through the whole value. */
function relocate(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(relocate);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      key === "$ref" && typeof inner === "string" && inner.startsWith("#/definitions/") ? `#/components/schemas/${componentName(inner.slice("#/definitions/".length))}` : relocate(inner),
    ]),
  );
}

const unsafe = <T>(value: unknown): TUnsafe<T> => Type.Unsafe<T>(relocate(value) as Record<string, unknown>);

/** The components: the document itself, and each definition under its name. */
export function mappingFileComponents(): Record<string, TSchema> {
  const { $schema: _schema, $id: _id, title: _title, definitions, ...document } = schema;
  const components: Record<string, TSchema> = { MappingDocument: unsafe<MappingDocument>(document) };
  for (const [name, definition] of Object.entries(definitions)) {
    components[componentName(name)] = name === "role" ? unsafe<RoleDocument>(definition) : name === "rule" ? unsafe<RuleDocument>(definition) : unsafe<unknown>(definition);
  }
  return components;
}
