/**
 * Request bodies checked against the schemas the OpenAPI document publishes (server/openapi/), with
 * ajv, before a route reads them: a body that passes is the schema's `Static<>` type, one that does
 * not is 400 invalid_request naming the field and what it must be.
 */
import type { Static, TSchema } from "@sinclair/typebox";
import Ajv2020, { type ErrorObject, type ValidateFunction } from "ajv/dist/2020";
import type { Request } from "express";
import { ApiError } from "../api-errors";
import { openApiDocument } from "../openapi";

let ajv: Ajv2020 | null = null;
const compiled = new WeakMap<TSchema, ValidateFunction>();

/** One ajv for the process, knowing every component, so a body schema's `$ref`s resolve. */
function validator(schema: TSchema): ValidateFunction {
  const known = compiled.get(schema);
  if (known !== undefined) return known;
  if (ajv === null) {
    ajv = new Ajv2020({ strict: false, allErrors: false });
    ajv.addSchema({ $id: "api", components: openApiDocument()["components"] });
  }
  const resolved = JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"api#/components/')) as object;
  const validate = ajv.compile(resolved);
  compiled.set(schema, validate);
  return validate;
}

/**
 * The request's JSON body as the schema says, or 400 invalid_request saying what is wrong (or
 * `message`, where a sentence says it better than a field can: a choice between two shapes).
 */
export function validBody<T extends TSchema>(req: Request, schema: T, message?: string): Static<T> {
  const value: unknown = req.body;
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ApiError("invalid_request", "The request body must be a JSON object");
  const validate = validator(schema);
  if (validate(value)) return value as Static<T>;
  throw new ApiError("invalid_request", message ?? problem(validate.errors ?? [], schema));
}

/** The first problem, as a sentence naming the field (`displayName must be non-empty text`). */
function problem(errors: readonly ErrorObject[], schema: TSchema): string {
  // A union's branches each fail; the body's own fields say more than "matches no branch".
  const error = errors.find((e) => e.keyword !== "anyOf" && e.keyword !== "oneOf") ?? errors[0];
  if (error === undefined) return "The request body is not valid";
  const field = error.instancePath.replace(/^\//, "").replace(/\//g, ".");
  const named = (name: string) => (field === "" ? name : `${field}.${name}`);
  switch (error.keyword) {
    case "required":
      return `${named(String(error.params["missingProperty"]))} is required`;
    case "additionalProperties": {
      const known = Object.keys(propertiesAt(schema, field));
      return `Unknown field "${named(String(error.params["additionalProperty"]))}"${known.length > 0 ? `; the fields are ${known.join(", ")}` : ""}`;
    }
    case "type":
      return `${field || "The request body"} must be ${typeInWords(String(error.params["type"]))}`;
    case "enum":
      return `${field} must be one of ${(error.params["allowedValues"] as unknown[]).map(String).join(", ")}`;
    case "minLength":
    case "pattern":
      return `${field} must be non-empty text`;
    case "minimum":
    case "maximum":
      return `${field} ${error.message ?? "is out of range"}`;
    default:
      return `${field || "The request body"} ${error.message ?? "is not valid"}`;
  }
}

const TYPES: Readonly<Record<string, string>> = { string: "text", integer: "a whole number", number: "a number", boolean: "true or false", object: "a JSON object", array: "a list", null: "null" };

function typeInWords(types: string): string {
  return types.split(",").map((type) => TYPES[type] ?? type).join(" or ");
}

/** The properties the schema names at a dotted path (for listing the known fields). */
function propertiesAt(schema: unknown, field: string): Record<string, unknown> {
  let at: unknown = schema;
  for (const part of field === "" ? [] : field.split(".")) at = isObject(at) && isObject(at["properties"]) ? at["properties"][part] : undefined;
  return isObject(at) && isObject(at["properties"]) ? at["properties"] : {};
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === "object" && value !== null && !Array.isArray(value);
