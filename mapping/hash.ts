/** A mapping's identity: the hash of its canonical JSON, so equal mappings hash alike whatever their layout. */
import { createHash } from "node:crypto";
import { isObject } from "./json";
import type { Mapping } from "./types";

/** JSON with object keys sorted at every level, so equal mappings serialise identically. */
export function canonicalJSON(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJSON).join(",")}]`;
  if (isObject(value)) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJSON(value[key])}`).join(",")}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** sha256 of the canonical JSON of the normalised mapping: comments and layout do not change it. */
export function hashMapping(mapping: Mapping): string {
  return createHash("sha256").update(canonicalJSON(mapping)).digest("hex");
}
