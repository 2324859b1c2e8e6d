import { readFileSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { clientError, isScimType } from "../../scim/errors";

const ROOT = resolve(__dirname, "../..");

function sourcesOf(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

describe("the SCIM error catalogue", () => {
  it("is where every SCIM error is built: no other file spells a status and scimType by hand", () => {
    const byHand = ["scim", "server"].flatMap(sourcesOf).filter((file) => file !== join("scim", "errors.ts") && readFileSync(join(ROOT, file), "utf8").includes("new ScimError("));
    expect(byHand).toEqual([]);
  });

  it("knows the scimTypes of RFC 7644 §3.12 and no others", () => {
    const rfc = ["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"];
    expect(rfc.filter(isScimType)).toEqual(rfc);
    expect(["InvalidValue", "invalid", "", null, 400].filter(isScimType)).toEqual([]);
  });

  it("keeps a library's 4xx with its scimType only when the type is one of the RFC's", () => {
    expect(clientError(400, "invalidFilter", "bad filter").toJSON()).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", scimType: "invalidFilter", detail: "bad filter" });
    expect(clientError(400, "madeUp", "odd").toJSON()).toEqual({ schemas: ["urn:ietf:params:scim:api:messages:2.0:Error"], status: "400", detail: "odd" });
  });
});
