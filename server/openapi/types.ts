/**
 * The building blocks of the API's schemas, as TypeBox types: each is the JSON Schema the OpenAPI
 * document publishes and ajv validates (server/openapi/validate.ts), and `Static<>` of it is the
 * TypeScript type a route reads, so the three cannot disagree.
 */
import { type SchemaOptions, type Static, type TObject, type TProperties, type TSchema, type TUnsafe, Type } from "@sinclair/typebox";

export type { Static, TSchema };

export const str = Type.String();
export const int = Type.Integer();
export const bool = Type.Boolean();
/** Any JSON value, described elsewhere. */
export const anyJson = Type.Unknown();
/** A JSON object whose members are described elsewhere. */
export const anyObject = (options: SchemaOptions = {}): TObject => Type.Object({}, options);

export const nullable = <T extends TSchema>(schema: T, options: SchemaOptions = {}) => Type.Union([schema, Type.Null()], options);
export const list = <T extends TSchema>(items: T, options: SchemaOptions = {}) => Type.Array(items, options);

/** One of a list of strings, as `enum` (what generators turn into a union of literals). */
export function enumOf<const T extends string>(values: readonly T[], options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ type: "string", enum: [...values], ...options });
}

/** A component of the document by name: `#/components/schemas/<name>`. */
export function ref<T = unknown>(name: string, options: SchemaOptions = {}): TUnsafe<T> {
  return Type.Unsafe<T>({ $ref: `#/components/schemas/${name}`, ...options });
}

/** An object whose properties are all required except those listed, and nothing else is allowed. */
export function closed(properties: TProperties, optional: readonly string[] = [], options: SchemaOptions = {}): TObject {
  const shaped = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, optional.includes(key) ? Type.Optional(schema) : schema]));
  return Type.Object(shaped, { ...options, additionalProperties: false });
}

/** An object with these properties, the listed ones required, others allowed. */
export function open(properties: TProperties, required: readonly string[], options: SchemaOptions = {}): TObject {
  const shaped = Object.fromEntries(Object.entries(properties).map(([key, schema]) => [key, required.includes(key) ? schema : Type.Optional(schema)]));
  return Type.Object(shaped, options);
}
