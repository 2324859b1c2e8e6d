import Ajv from "ajv";
import { parseDocument } from "yaml";
import schema from "../../mapping/mapping.schema.json";
import { AREAS } from "../../mapping";
import { readFixture } from "./helpers";

describe("mapping.schema.json for editors", () => {
  const validate = new Ajv({ allErrors: true }).compile(schema);

  it("accepts the example file as a plain JSON Schema validator would", () => {
    expect(validate(parseDocument(readFixture("example.yaml")).toJS())).toBe(true);
  });

  it("rejects an invalid fixture on its own, without our semantic checks", () => {
    expect(validate(parseDocument(readFixture("invalid/structure.yaml")).toJS())).toBe(false);
  });

  it("offers every area for completion, each with a description", () => {
    const areas = schema.definitions.areaLevels.properties;
    expect(Object.keys(areas)).toEqual([...AREAS]);
    expect(Object.values(areas).every((area) => area.description.length > 0)).toBe(true);
  });

  it("offers the levels and standard org roles as enums", () => {
    expect(schema.definitions.level.enum).toEqual(["none", "view", "manage"]);
    expect(schema.definitions.rule.properties.orgRole.enum).toEqual(["owner", "admin", "user"]);
  });
});
