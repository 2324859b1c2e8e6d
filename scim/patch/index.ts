/**
 * The PATCH engine (RFC 7644 §3.5.2, plus the Okta and Entra quirks in docs/idp-clients.md#quirks).
 * Pure: plain JSON in, plain JSON out. This file only re-exports: `request.ts` reads the PatchOp
 * envelope, `apply.ts` applies operations to a resource, `group.ts` plans membership in SQL steps.
 */
export { parsePatchRequest, parsePatchRequestInTurns, type PatchOperation, type PatchOpName } from "./request";
export { applyPatch } from "./apply";
export { planGroupPatch, planGroupPatchInTurns, type GroupPatchStep } from "./group";
