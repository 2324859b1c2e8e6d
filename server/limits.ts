/**
 * The limits this server holds requests to, published at `GET /api/v1/limits` for clients and
 * scripts that size their requests. RFC 7643 §5's ServiceProviderConfig has attributes for two of
 * them (bulk `maxOperations` and `maxPayloadSize`) and for `filter.maxResults`, and those stay
 * there; the rest have no attribute in any SCIM schema, and an undeclared extension in
 * /ServiceProviderConfig makes strict clients (scim2-models, which scim2-client and scim2-tester
 * use) refuse the whole document. So they live here, and in the README's table.
 */
import { type Static, Type } from "@sinclair/typebox";
import type { InputLimits } from "../scim/limits";
import { CHARS_PER_ATTRIBUTE_PATH } from "../scim/projection";
import { MAX_BATCH_CHECKS } from "./authorize-schema";
import type { Limits } from "./config";

/** The limits the input limits are added to (server/app.ts gives them defaults). */
type SizeLimits = Omit<Limits, keyof InputLimits>;


const count = (description: string) => Type.Integer({ minimum: 0, description });

/** What `GET /api/v1/limits` answers; the OpenAPI document publishes this schema. */
export const PublishedLimitsSchema = Type.Object(
  {
    scim: Type.Object(
      {
        page: Type.Object({ defaultCount: count("Resources per page when `count` is left out"), maxCount: count("The largest `count`") }, { additionalProperties: false }),
        filter: Type.Object({ maxResults: count("As /ServiceProviderConfig's filter.maxResults"), maxTerms: count("Attribute expressions in one filter"), maxDepth: count("Nesting of parentheses and not (…)") }, { additionalProperties: false }),
        bulk: Type.Object({ maxOperations: count("As /ServiceProviderConfig's bulk.maxOperations"), maxPayloadSize: count("As /ServiceProviderConfig's bulk.maxPayloadSize, in bytes") }, { additionalProperties: false }),
        patch: Type.Object({ maxOperations: count("Operations in one PATCH, alone or inside /Bulk (413 past it)") }, { additionalProperties: false }),
        attributes: Type.Object(
          { maxPaths: count("Paths in one attributes or excludedAttributes list"), charactersPerPath: count("The list holds at most maxPaths × charactersPerPath characters") },
          { additionalProperties: false },
        ),
        body: Type.Object(
          { maxGroupBytes: count("A /Groups body"), maxBytes: count("Any other SCIM body but /Bulk's"), maxStringBytes: count("One string value, in UTF-8 bytes"), maxJsonDepth: count("Arrays and objects nested in one body (SCIM and /api)") },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
    api: Type.Object({ authorize: Type.Object({ maxChecks: count("Questions in one batch POST /api/v1/authorize") }, { additionalProperties: false }) }, { additionalProperties: false }),
  },
  { additionalProperties: false, description: "The limits a request is held to (README, Limits)" },
);
export type PublishedLimits = Static<typeof PublishedLimitsSchema>;

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
