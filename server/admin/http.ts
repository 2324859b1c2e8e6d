/** The admin API's request readers: If-Match, query parameters, bodies. Each refuses bad input with 400. */
import type { Request } from "express";
import { ORG_ROLES, type OrgRole, isOrgRole, isObject } from "../../mapping";
import type { IfMatch } from "../../roles/admin";
import { ApiError } from "../api-errors";

/** A mapping version as an entity tag (weak: two versions may hold equal content). */
export function mappingEtag(version: number): string {
  return `W/"${version}"`;
}

/** RFC 9110 §13.1.1: `*`, or a list of entity tags; a tag that is not one of ours matches nothing. */
export function readIfMatch(req: Request): IfMatch {
  const header = req.get("if-match");
  if (header === undefined || header.trim() === "") return null;
  if (header.trim() === "*") return { any: true };
  const versions = header.split(",").flatMap((tag) => {
    const match = /^\s*(?:W\/)?"(\d{1,9})"\s*$/.exec(tag);
    return match?.[1] === undefined ? [] : [Number(match[1])];
  });
  return { versions };
}

export function query(req: Request, name: string): string | undefined {
  const value: unknown = req.query[name];
  if (value === undefined || value === "") return undefined;
  if (typeof value !== "string") throw new ApiError("invalid_request", `${name} must be given once, as text`);
  return value;
}

export function queryOrgRole(req: Request): OrgRole | undefined {
  const value = query(req, "orgRole");
  if (value === undefined) return undefined;
  if (!isOrgRole(value)) throw new ApiError("invalid_request", `orgRole must be one of ${ORG_ROLES.join(", ")}`);
  return value;
}

export const DEFAULT_PAGE = 50;
export const MAX_PAGE = 200;

export function pageLimit(req: Request): number {
  const raw = query(req, "limit");
  if (raw === undefined) return DEFAULT_PAGE;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE) throw new ApiError("invalid_request", `limit must be an integer from 1 to ${MAX_PAGE}`);
  return limit;
}

export function positiveInteger(value: unknown, name: string): number {
  const n = typeof value === "string" && /^\d{1,9}$/.test(value) ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 1) throw new ApiError("invalid_request", `${name} must be a positive integer`);
  return n;
}

export function body(req: Request): Record<string, unknown> {
  const value: unknown = req.body;
  if (!isObject(value)) throw new ApiError("invalid_request", "The request body must be a JSON object");
  return value;
}

export function textField(record: Record<string, unknown>, name: string): string {
  const value = record[name];
  if (typeof value !== "string" || value.trim() === "") throw new ApiError("invalid_request", `${name} must be non-empty text`);
  return value;
}
