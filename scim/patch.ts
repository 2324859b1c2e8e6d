/**
 * The PATCH engine (RFC 7644 §3.5.2, plus the Okta and Entra quirks in IDP-CLIENTS.md).
 * Pure: plain JSON in, plain JSON out. This file only re-exports; the work is in `patch-*.ts`.
 */
export type { JsonObject } from "./json";
export type { ResourceKind } from "./patch-schema";
export { parsePatchRequest, PATCH_OP_SCHEMA, type PatchOperation, type PatchOpName } from "./patch-request";
export { applyPatch } from "./patch-apply";
export { planGroupPatch, type GroupPatchStep, type MemberRef } from "./patch-group";
