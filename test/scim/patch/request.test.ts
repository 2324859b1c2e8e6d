import { parsePatchRequest } from "../../../scim/patch";
import { expectScimError } from "../../support/scim-error";
import { CORE_USER, MAX_OPS, PATCH_OP, envelope, ops } from "./support";

describe("parsePatchRequest", () => {
  it("normalises capitalised ops as Entra sends them", () => {
    const parsed = ops(
      { op: "Add", path: "nickName", value: "Babs" },
      { op: "Replace", path: "active", value: "False" },
      { op: "Remove", path: "title" },
      { op: "REPLACE", value: { active: true } },
    );
    expect(parsed.map((o) => o.op)).toEqual(["add", "replace", "remove", "replace"]);
    expect(parsed[0]).toEqual({ op: "add", path: { path: { attr: "nickName" } }, pathText: "nickName", value: "Babs" });
    expect(parsed[2]).toEqual({ op: "remove", path: { path: { attr: "title" } }, pathText: "title" });
  });

  it("keeps a null value, because null means 'not set'", () => {
    expect(ops({ op: "replace", path: "title", value: null })[0]).toHaveProperty("value", null);
  });

  it("treats an empty path as no path", () => {
    expect(ops({ op: "replace", path: "", value: { active: false } })[0]).toEqual({ op: "replace", value: { active: false } });
  });

  it.each([
    ["a non-object body", "nope", "invalidSyntax", /JSON object/],
    ["a body without the PatchOp schema", { schemas: [CORE_USER], Operations: [{ op: "add", path: "title", value: "x" }] }, "invalidSyntax", /PatchOp/],
    ["a body without schemas", { Operations: [{ op: "add", path: "title", value: "x" }] }, "invalidSyntax", /PatchOp/],
    ["missing Operations", { schemas: [PATCH_OP] }, "invalidSyntax", /non-empty "Operations"/],
    ["empty Operations", envelope(), "invalidSyntax", /non-empty "Operations"/],
    ["a non-object operation", envelope("add"), "invalidSyntax", /Operations\[0\] must be an object/],
    ["an unknown op", envelope({ op: "move", path: "title", value: "x" }), "invalidValue", /Operations\[0\]\.op is "move"/],
    ["a missing op", envelope({ path: "title", value: "x" }), "invalidValue", /op is missing/],
    ["a non-string path", envelope({ op: "add", path: 7, value: "x" }), "invalidSyntax", /path must be a string/],
    ["a malformed path", envelope({ op: "add", path: 'emails[type eq "work"', value: "x" }), "invalidPath", /Missing "\]"/],
    ["a remove without path", envelope({ op: "remove" }), "noTarget", /needs a "path"/],
    ["a path-less add with a non-object value", envelope({ op: "add", value: "x" }), "invalidValue", /object "value"/],
    ["a replace with a path but no value", envelope({ op: "replace", path: "title" }), "invalidValue", /needs a "value"/],
  ])("rejects %s", (_name, body, scimType, detail) => {
    expectScimError(() => parsePatchRequest(body, MAX_OPS), 400, scimType, detail);
  });

  it("names the failing operation's index", () => {
    expectScimError(
      () => parsePatchRequest(envelope({ op: "add", path: "title", value: "x" }, { op: "frobnicate" }), MAX_OPS), 400,
      "invalidValue",
      /Operations\[1\]/,
    );
  });
});
