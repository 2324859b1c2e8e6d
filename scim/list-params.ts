/**
 * The query of a list or search request (RFC 7644 §3.4.2), from query parameters or a
 * SearchRequest body, turned into what db/list.ts runs: a compiled filter and sort, an offset and
 * a capped count, and the projection the response will apply.
 */
import type { Dialect } from "../db/connection";
import { compileFilter, compileSortExpression } from "../db/filter-sql";
import type { ListQuery } from "../db/list";
import { invalidFilter, invalidValue } from "./errors";
import { parseAttrPath, parseFilter, toSortTarget, toStorageFilter } from "./filter";
import { type Projection, parseProjection } from "./projection";
import type { ScimLimits } from "./context";
import type { Resource, ResourcePage } from "./reply";
import type { ResourceKind } from "./schemas";

export interface ListRequest {
  readonly filter?: unknown;
  readonly sortBy?: unknown;
  readonly sortOrder?: unknown;
  readonly startIndex?: unknown;
  readonly count?: unknown;
  readonly attributes?: unknown;
  readonly excludedAttributes?: unknown;
}

export interface PreparedList {
  readonly query: Omit<ListQuery, "orgId">;
  /** 1-based, as echoed in the ListResponse. */
  readonly startIndex: number;
  readonly projection: Projection;
}

function asInteger(value: unknown, name: string): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = typeof value === "number" ? value : typeof value === "string" && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isInteger(n)) throw invalidValue(`${name} must be an integer, got ${JSON.stringify(value)}`);
  return n;
}

function joinList(value: unknown): unknown {
  return Array.isArray(value) ? value.join(",") : value;
}

/** One resource type's page of a ListResponse, projected as the request asked. */
export function resourcePage(kind: ResourceKind, prepared: PreparedList, totalResults: number, resources: readonly Resource[]): ResourcePage {
  return { totalResults, startIndex: prepared.startIndex, resources, projections: { [kind]: prepared.projection } };
}

export function prepareList(kind: ResourceKind, dialect: Dialect, request: ListRequest, limits: ScimLimits): PreparedList {
  // RFC 7644 §3.4.2.4: startIndex < 1 is treated as 1; a negative count as 0; count is capped.
  const startIndex = Math.max(1, asInteger(request.startIndex, "startIndex") ?? 1);
  const count = Math.min(Math.max(0, asInteger(request.count, "count") ?? limits.defaultCount), limits.maxCount);
  const table = kind === "User" ? "users" : "groups";

  let where = null;
  if (request.filter !== undefined && request.filter !== "") {
    if (typeof request.filter !== "string") throw invalidFilter("filter must be a string");
    where = compileFilter(dialect, table, toStorageFilter(kind, parseFilter(request.filter, limits.filter)));
  }

  let sort = null;
  if (typeof request.sortBy === "string" && request.sortBy.trim() !== "") {
    let path;
    try {
      path = parseAttrPath(request.sortBy.trim());
    } catch {
      throw invalidValue(`sortBy "${request.sortBy}" is not an attribute path`);
    }
    const order = typeof request.sortOrder === "string" ? request.sortOrder.toLowerCase() : "ascending";
    if (order !== "ascending" && order !== "descending") throw invalidValue(`sortOrder must be "ascending" or "descending"`);
    sort = { expression: compileSortExpression(dialect, table, toSortTarget(kind, path)), descending: order === "descending" };
  }

  return {
    query: { where, sort, offset: startIndex - 1, limit: count },
    startIndex,
    projection: parseProjection(kind, joinList(request.attributes), joinList(request.excludedAttributes), limits.maxAttributePaths),
  };
}
