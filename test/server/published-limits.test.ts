import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parseConfig } from "../../server/config";
import { publishedLimits } from "../../server/limits";

/** docs/conformance.md shows clients what /api/v1/limits answers; it is what a server with no settings publishes. */
describe("the published limits", () => {
  it("are, with no settings, the document docs/conformance.md shows", () => {
    const docs = readFileSync(join(__dirname, "../../docs/conformance.md"), "utf8");
    const shown = /### Request limits[^\n]*\n[\s\S]*?```json\n([\s\S]*?)```/.exec(docs)?.[1];
    expect(shown).toBeDefined();
    const { limits } = parseConfig({});
    expect(publishedLimits(limits, limits)).toEqual(JSON.parse(shown ?? "null"));
  });
});
