/**
 * The limits this server holds requests to, published at `GET /api/v1/limits` for clients and
 * scripts that size their requests. RFC 7643 §5's ServiceProviderConfig has attributes for two of
 * them (bulk `maxOperations` and `maxPayloadSize`) and for `filter.maxResults`, and those stay
 * there; the rest have no attribute in any SCIM schema, and an undeclared extension in
 * /ServiceProviderConfig makes strict clients (scim2-models, which scim2-client and scim2-tester
 * use) refuse the whole document. So they live here, and in the README's table.
 */
import type { InputLimits } from "../scim/limits";
import { CHARS_PER_ATTRIBUTE_PATH } from "../scim/projection";
import { MAX_BATCH_CHECKS } from "./authorize-schema";
import type { Limits } from "./config";

/** The limits the input limits are added to (server/app.ts gives them defaults). */
type SizeLimits = Omit<Limits, keyof InputLimits>;


export interface PublishedLimits {
  readonly scim: {
    readonly page: { readonly defaultCount: number; readonly maxCount: number };
    readonly filter: { readonly maxResults: number; readonly maxTerms: number; readonly maxDepth: number };
    readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
    readonly patch: { readonly maxOperations: number };
    /** A list of `attributes` or `excludedAttributes` holds at most `maxPaths` paths and `maxPaths × charactersPerPath` characters. */
    readonly attributes: { readonly maxPaths: number; readonly charactersPerPath: number };
    readonly body: { readonly maxGroupBytes: number; readonly maxBytes: number; readonly maxStringBytes: number; readonly maxJsonDepth: number };
  };
  readonly api: { readonly authorize: { readonly maxChecks: number } };
}

export function publishedLimits(limits: SizeLimits, input: InputLimits): PublishedLimits {
  return {
    scim: {
      page: { defaultCount: limits.defaultCount, maxCount: limits.maxCount },
      filter: { maxResults: limits.maxCount, maxTerms: input.maxFilterTerms, maxDepth: input.maxFilterDepth },
      bulk: { maxOperations: limits.maxBulkOperations, maxPayloadSize: limits.maxBulkPayloadBytes },
      patch: { maxOperations: input.maxPatchOperations },
      attributes: { maxPaths: input.maxAttributePaths, charactersPerPath: CHARS_PER_ATTRIBUTE_PATH },
      body: { maxGroupBytes: limits.maxBodyBytes, maxBytes: limits.maxUserBodyBytes, maxStringBytes: limits.maxStringBytes, maxJsonDepth: input.maxJsonDepth },
    },
    api: { authorize: { maxChecks: MAX_BATCH_CHECKS } },
  };
}
