/**
 * POST /Bulk (RFC 7644 §3.7). Operations run in order, each in its own transaction through the
 * same functions as the single-resource endpoints. `bulkId:<id>` references in paths and data are
 * replaced by the ids of resources created earlier in the request.
 */
import { type ScimContext } from "./context";
import { etagOf } from "./etag";
import { invalidSyntax, invalidValue, payloadTooLarge, unresolvedBulkId } from "./errors";
import * as groups from "./groups";
import type { Logger } from "../http/logger";
import { toScimError } from "./respond";
import { type JsonObject, isObject } from "../mapping/json";
import { BULK_REQUEST, BULK_RESPONSE } from "./schemas";
import * as users from "./users";

interface BulkOperation {
  readonly method: string;
  readonly bulkId?: string;
  readonly version?: string;
  readonly path: string;
  readonly data?: unknown;
}

interface BulkResult {
  method: string;
  bulkId?: string;
  version?: string;
  location?: string;
  status: string;
  response?: unknown;
}

function readOperations(body: unknown, maxOperations: number): { operations: BulkOperation[]; failOnErrors: number } {
  if (!isObject(body)) throw invalidSyntax("A BulkRequest must be a JSON object");
  const schemas = body.schemas;
  if (!Array.isArray(schemas) || !schemas.includes(BULK_REQUEST)) throw invalidSyntax(`A BulkRequest must list the schema ${BULK_REQUEST}`);
  const ops = body.Operations;
  if (!Array.isArray(ops)) throw invalidSyntax("A BulkRequest must have an Operations array");
  if (ops.length > maxOperations) throw payloadTooLarge(`A BulkRequest may hold at most ${maxOperations} operations; this one holds ${ops.length}`);
  const failOnErrors = readFailOnErrors(body.failOnErrors);
  if (!Number.isInteger(failOnErrors) && failOnErrors !== Number.POSITIVE_INFINITY) throw invalidValue("failOnErrors must be an integer");
  const operations = ops.map((op, i): BulkOperation => {
    if (!isObject(op) || typeof op.method !== "string" || typeof op.path !== "string") {
      throw invalidSyntax(`Operation ${i + 1} needs a method and a path`);
    }
    return {
      method: op.method.toUpperCase(),
      path: op.path,
      ...(typeof op.bulkId === "string" ? { bulkId: op.bulkId } : {}),
      ...(typeof op.version === "string" ? { version: op.version } : {}),
      ...(op.data !== undefined ? { data: op.data } : {}),
    };
  });
  return { operations, failOnErrors: failOnErrors < 1 ? Number.POSITIVE_INFINITY : failOnErrors };
}

/** RFC 7644 §3.7.3: an integer; absent means "run every operation". Anything else is not a count. */
function readFailOnErrors(raw: unknown): number {
  if (raw === undefined || raw === null) return Number.POSITIVE_INFINITY;
  return typeof raw === "number" || typeof raw === "string" ? Number(raw) : Number.NaN;
}

class UnresolvedBulkId extends Error {}

function substitute(value: unknown, ids: Map<string, string>): unknown {
  if (typeof value === "string") {
    return value.replace(/bulkId:([\w.-]+)/g, (_match, bulkId: string) => {
      const id = ids.get(bulkId);
      if (id === undefined) throw new UnresolvedBulkId(bulkId);
      return id;
    });
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, ids));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = substitute(v, ids);
    return out;
  }
  return value;
}

async function execute(ctx: ScimContext, op: BulkOperation): Promise<BulkResult> {
  const match = /^\/(Users|Groups)(?:\/([^/?]+))?$/.exec(op.path);
  if (!match) throw invalidValue(`Unsupported bulk path ${op.path}`);
  const [, type, id] = match as unknown as [string, "Users" | "Groups", string | undefined];
  const opCtx: ScimContext = { ...ctx, method: op.method, path: `${ctx.path.replace(/\/Bulk$/, "")}${op.path}` };
  const result: BulkResult = { method: op.method, status: "200", ...(op.bulkId ? { bulkId: op.bulkId } : {}) };
  const located = (rid: string, version: number, status: number): BulkResult => ({
    ...result,
    status: String(status),
    location: `${ctx.baseUrl}/${type}/${rid}`,
    version: etagOf(version),
  });
  if (op.method === "POST" && id === undefined) {
    const created = type === "Users" ? await users.createUser(opCtx, op.data) : await groups.createGroup(opCtx, op.data);
    return located(created.id, created.version, 201);
  }
  if (id === undefined) throw invalidValue(`${op.method} needs a resource id in the path`);
  switch (op.method) {
    case "PUT": {
      const r = type === "Users" ? await users.replaceUser(opCtx, id, op.data, op.version) : await groups.replaceGroup(opCtx, id, op.data, op.version);
      return located(r.id, r.version, 200);
    }
    case "PATCH": {
      const r = type === "Users" ? await users.patchUser(opCtx, id, op.data, op.version) : await groups.patchGroup(opCtx, id, op.data, op.version);
      return located(r.id, r.version, 200);
    }
    case "DELETE":
      if (type === "Users") await users.deleteUser(opCtx, id, op.version);
      else await groups.deleteGroup(opCtx, id, op.version);
      return { ...result, status: "204", location: `${ctx.baseUrl}/${type}/${id}` };
    default:
      throw invalidValue(`Unsupported bulk method ${op.method}`);
  }
}

export async function runBulk(ctx: ScimContext, body: unknown, log: Logger): Promise<JsonObject> {
  const { operations, failOnErrors } = readOperations(body, ctx.limits.maxBulkOperations);
  const ids = new Map<string, string>();
  const results: BulkResult[] = [];
  let errors = 0;
  for (const op of operations) {
    if (errors >= failOnErrors) break;
    try {
      const resolved: BulkOperation = { ...op, path: substitute(op.path, ids) as string, data: substitute(op.data, ids) };
      const result = await execute(ctx, resolved);
      if (op.bulkId && op.method === "POST" && result.location) ids.set(op.bulkId, result.location.split("/").pop() ?? "");
      results.push(result);
    } catch (err) {
      errors += 1;
      const error = err instanceof UnresolvedBulkId
        ? unresolvedBulkId(`bulkId:${err.message} does not refer to a resource created earlier in this request`)
        : toScimError(err, log, ctx.requestId);
      results.push({ method: op.method, ...(op.bulkId ? { bulkId: op.bulkId } : {}), status: String(error.status), response: error.toJSON() });
    }
  }
  return { schemas: [BULK_RESPONSE], Operations: results };
}
