/** The PatchOp envelope (RFC 7644 §3.5.2): validation and normalisation of its operations. */
import { invalidSyntax, invalidValue, noTarget, payloadTooLarge } from "../errors";
import { DEFAULT_FILTER_LIMITS, type FilterLimits, type PatchPath, parsePatchPath } from "../filter";
import { isObject } from "../../mapping/json";
import { getKey } from "../json";
import { PATCH_OP } from "../schemas";

export type PatchOpName = "add" | "remove" | "replace";

export interface PatchOperation {
  readonly op: PatchOpName;
  /** Undefined when the operation targets the resource itself (path-less add/replace). */
  readonly path?: PatchPath;
  /** The path as the client spelled it, for error messages. */
  readonly pathText?: string;
  /** Undefined when the operation had no `value` member; `null` is kept (it means "not set"). */
  readonly value?: unknown;
}

const OP_NAMES: ReadonlySet<string> = new Set(["add", "remove", "replace"]);

function isOpName(name: string): name is PatchOpName {
  return OP_NAMES.has(name);
}

function checkSchemas(body: Record<string, unknown>): void {
  const schemas = getKey(body, "schemas");
  const ok = Array.isArray(schemas) && schemas.some((s) => typeof s === "string" && s.toLowerCase() === PATCH_OP.toLowerCase());
  if (!ok) throw invalidSyntax(`A PATCH body must list "${PATCH_OP}" in "schemas".`);
}

function parseOperation(raw: unknown, index: number, filterLimits: FilterLimits): PatchOperation {
  const where = `Operations[${index}]`;
  if (!isObject(raw)) throw invalidSyntax(`${where} must be an object with "op", and "path" and/or "value".`);

  // Entra capitalises ops ("Add", "Replace", "Remove"; fixtures/entra/update-user-patch.json);
  // RFC 7644 §3.5.2 spells them lower-case.
  const opRaw = getKey(raw, "op");
  const op = typeof opRaw === "string" ? opRaw.trim().toLowerCase() : "";
  if (!isOpName(op)) {
    throw invalidValue(`${where}.op is ${JSON.stringify(opRaw) ?? "missing"}; expected "add", "remove" or "replace".`);
  }

  const pathRaw = getKey(raw, "path");
  if (pathRaw !== undefined && pathRaw !== null && typeof pathRaw !== "string") {
    throw invalidSyntax(`${where}.path must be a string.`);
  }
  // An empty path is treated like a missing one: both mean "the resource itself".
  const pathText = typeof pathRaw === "string" && pathRaw.trim() !== "" ? pathRaw : undefined;
  const path = pathText !== undefined ? parsePatchPath(pathText, filterLimits) : undefined;

  const hasValue = Object.keys(raw).some((k) => k.toLowerCase() === "value");
  const value = getKey(raw, "value");

  if (path === undefined && op === "remove") {
    throw noTarget(`${where}: "remove" needs a "path" naming what to remove (RFC 7644 §3.5.2.2).`);
  }
  if (path === undefined && !isObject(value)) {
    throw invalidValue(`${where}: an "${op}" without "path" needs an object "value" whose keys are attribute paths.`);
  }
  if (path !== undefined && op !== "remove" && !hasValue) {
    throw invalidValue(`${where}: "${op}" on "${pathText}" needs a "value".`);
  }
  return {
    op,
    ...(path !== undefined ? { path, pathText } : {}),
    ...(hasValue ? { value } : {}),
  };
}

/**
 * Validates a PatchOp body and returns its operations, normalised (lower-case op, parsed path).
 * Throws invalidSyntax for a malformed envelope, invalidValue for an unknown op or a missing
 * value, invalidPath for a malformed path and noTarget for a path-less remove.
 *
 * More than `maxOperations` operations is 413, checked before any operation is read: RFC 7644
 * §3.12 answers 413 when "one or more of the limits for this operation" are exceeded, as Bulk's
 * `maxOperations` is (§3.7.4), and the limit is advertised beside Bulk's (docs/conformance.md).
 */
export function parsePatchRequest(body: unknown, maxOperations: number, filterLimits: FilterLimits = DEFAULT_FILTER_LIMITS): PatchOperation[] {
  return operationsOf(body, maxOperations).map((raw, index) => parseOperation(raw, index, filterLimits));
}

/** The longest the operations are parsed before other requests get a turn. */
const PARSE_TURN_MS = 20;

/**
 * parsePatchRequest in turns of about PARSE_TURN_MS: a thousand paths of 200-term filters (within
 * the documented limits) take about a second to parse, and one process serves every organisation.
 */
export async function parsePatchRequestInTurns(body: unknown, maxOperations: number, filterLimits: FilterLimits = DEFAULT_FILTER_LIMITS): Promise<PatchOperation[]> {
  const raw = operationsOf(body, maxOperations);
  const parsed: PatchOperation[] = [];
  let turn = performance.now();
  for (const [index, operation] of raw.entries()) {
    parsed.push(parseOperation(operation, index, filterLimits));
    if (performance.now() - turn > PARSE_TURN_MS) {
      await new Promise((resolve) => setImmediate(resolve));
      turn = performance.now();
    }
  }
  return parsed;
}

function operationsOf(body: unknown, maxOperations: number): unknown[] {
  if (!isObject(body)) throw invalidSyntax("A PATCH body must be a JSON object.");
  checkSchemas(body);
  const operations = getKey(body, "Operations");
  if (!Array.isArray(operations) || operations.length === 0) {
    throw invalidSyntax(`A PATCH body needs a non-empty "Operations" array.`);
  }
  if (operations.length > maxOperations) {
    throw payloadTooLarge(`A PATCH request may hold at most ${maxOperations} operations; this one holds ${operations.length}. Send the rest in further requests.`);
  }
  return operations;
}
