import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../server/config";
import Ajv from "ajv";
import { PublishedLimitsSchema, publishedLimits } from "../../server/limits";

/** docs/conformance.md shows clients what /api/v1/limits answers; it is what a server with no settings publishes. */
describe("the published limits", () => {
  it("are, with no settings, the document docs/conformance.md shows", () => {
    const docs = readFileSync(join(__dirname, "../../docs/conformance.md"), "utf8");
    const shown = /### Request limits[^\n]*\n[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(shown).toBeDefined();
    const { limits } = parseConfig({});
    expect(publishedLimits(limits, limits)).toEqual(JSON.parse(shown ?? "null"));
  });

  it("match the schema the OpenAPI document publishes for them, with settings raised", () => {
    const { limits } = parseConfig({ SCIM_MAX_PATCH_OPERATIONS: "20", SCIM_MAX_COUNT: "500" });
    const published = publishedLimits(limits, limits);
    expect(published.scim).toMatchObject({ patch: { maxOperations: 20 }, page: { maxCount: 500 }, filter: { maxResults: 500 } });
    const validate = new Ajv({ strict: false }).compile(PublishedLimitsSchema);
    expect(validate(published) ? [] : validate.errors).toEqual([]);
  });
});
