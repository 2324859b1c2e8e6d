/**
 * The parsed form of an RFC 7644 §3.4.2.2 filter and of a §3.5.2 PATCH path. Produced by
 * `parse.ts`, resolved to storage targets by `storage.ts` (which `db/filter-sql.ts` compiles to
 * SQL) and evaluated in memory by `match.ts` (PATCH value filters only).
 */
export type CompareOp = "eq" | "ne" | "co" | "sw" | "ew" | "gt" | "ge" | "lt" | "le";
export type FilterValue = string | number | boolean | null;

/**
 * An attribute path. `schema` is the URN prefix when the filter spelled one
 * (`urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:employeeNumber`), else undefined.
 * `attr` and `subAttr` keep the case the client used; consumers compare case-insensitively.
 */
export interface AttrPath {
  readonly schema?: string;
  readonly attr: string;
  readonly subAttr?: string;
}

export type FilterNode =
  | { readonly kind: "compare"; readonly path: AttrPath; readonly op: CompareOp; readonly value: FilterValue }
  | { readonly kind: "present"; readonly path: AttrPath }
  | { readonly kind: "and"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "or"; readonly left: FilterNode; readonly right: FilterNode }
  | { readonly kind: "not"; readonly expr: FilterNode }
  /** `emails[type eq "work" and value co "@x"]`: `filter` paths are relative to `path`. */
  | { readonly kind: "valuePath"; readonly path: AttrPath; readonly filter: FilterNode };

/**
 * A PATCH target (RFC 7644 §3.5.2: `PATH = attrPath / valuePath [subAttr]`).
 * `emails[type eq "work"].value` is `{ path: {attr:"emails"}, valueFilter: …, subAttr: "value" }`;
 * `name.familyName` is `{ path: {attr:"name", subAttr:"familyName"} }`.
 */
export interface PatchPath {
  readonly path: AttrPath;
  readonly valueFilter?: FilterNode;
  readonly subAttr?: string;
}
