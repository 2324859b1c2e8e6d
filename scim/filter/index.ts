/**
 * SCIM filters (RFC 7644 §3.4.2.2) and attribute paths: grammar, tree, storage targets and the
 * in-memory matcher. This file only re-exports.
 */
export type { AttrPath, CompareOp, FilterNode, FilterValue, PatchPath } from "./ast";
export { DEFAULT_FILTER_LIMITS, type FilterLimits, attrPathToString, filterToString, parseAttrPath, parseFilter, parsePatchPath } from "./parse";
export { matchesFilter, type MatchOptions } from "./match";
export { UnknownAttributeError, toSortTarget, toStorageFilter } from "./storage";
