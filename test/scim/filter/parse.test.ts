import fc from "fast-check";
import { type FilterNode, filterToString, parseAttrPath, parseFilter, parsePatchPath } from "../../../scim/filter";
import { expectScimError } from "../../support/scim-error";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

const eq = (attr: string, value: string | number | boolean | null): FilterNode => ({
  kind: "compare",
  path: { attr },
  op: "eq",
  value,
});
describe("parseFilter", () => {
  describe("comparisons", () => {
    it.each(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"] as const)("parses the %s operator", (op) => {
      expect(parseFilter(`title ${op} "x"`)).toEqual({ kind: "compare", path: { attr: "title" }, op, value: "x" });
    });

    it("parses pr as a presence test", () => {
      expect(parseFilter("title pr")).toEqual({ kind: "present", path: { attr: "title" } });
    });

    it("accepts operators and keywords in any case", () => {
      expect(parseFilter('userName EQ "a" And NOT (title Pr) OR active Eq TRUE')).toEqual({
        kind: "or",
        left: { kind: "and", left: eq("userName", "a"), right: { kind: "not", expr: { kind: "present", path: { attr: "title" } } } },
        right: eq("active", true),
      });
    });

    it("keeps the attribute's spelling so consumers can compare case-insensitively", () => {
      expect(parseFilter('USERNAME eq "a"')).toEqual(eq("USERNAME", "a"));
    });

    it("tolerates repeated spaces, tabs and newlines", () => {
      expect(parseFilter('  userName   eq\t"a"\n and  ( title  pr )  ')).toEqual({
        kind: "and",
        left: eq("userName", "a"),
        right: { kind: "present", path: { attr: "title" } },
      });
    });
  });

  describe("literals", () => {
    it("decodes every JSON string escape", () => {
      const node = parseFilter(String.raw`displayName eq "q\"b\\s\/f\bf\fn\nr\rt\t\u00e9\uD83D\uDE00"`);
      expect(node).toEqual(eq("displayName", 'q"b\\s/f\bf\fn\nr\rt\té😀'));
    });

    it("keeps parentheses, brackets and keywords inside strings as text", () => {
      expect(parseFilter('displayName eq "a (b) [c] and or not"')).toEqual(eq("displayName", "a (b) [c] and or not"));
    });

    it("parses JSON numbers", () => {
      expect(parseFilter("n eq 42")).toEqual(eq("n", 42));
      expect(parseFilter("n gt -1.5e3")).toEqual({ kind: "compare", path: { attr: "n" }, op: "gt", value: -1500 });
      expect(parseFilter("n eq 0")).toEqual(eq("n", 0));
    });

    it("parses true, false and null in any case", () => {
      expect(parseFilter("active eq True")).toEqual(eq("active", true));
      expect(parseFilter("active eq FALSE")).toEqual(eq("active", false));
      expect(parseFilter("title eq null")).toEqual(eq("title", null));
    });
  });

  describe("logic", () => {
    it("binds and tighter than or", () => {
      expect(parseFilter("a eq 1 or b eq 2 and c eq 3")).toEqual({
        kind: "or",
        left: eq("a", 1),
        right: { kind: "and", left: eq("b", 2), right: eq("c", 3) },
      });
    });

    it("lets parentheses override precedence", () => {
      expect(parseFilter("(a eq 1 or b eq 2) and c eq 3")).toEqual({
        kind: "and",
        left: { kind: "or", left: eq("a", 1), right: eq("b", 2) },
        right: eq("c", 3),
      });
    });

    it("associates and/or to the left", () => {
      expect(parseFilter("a eq 1 and b eq 2 and c eq 3")).toEqual({
        kind: "and",
        left: { kind: "and", left: eq("a", 1), right: eq("b", 2) },
        right: eq("c", 3),
      });
    });

    it("parses arbitrarily nested parentheses", () => {
      expect(parseFilter("((((a eq 1))))")).toEqual(eq("a", 1));
      expect(parseFilter("(".repeat(100) + "a eq 1" + ")".repeat(100))).toEqual(eq("a", 1));
      expect(parseFilter("not ((a eq 1) or (not (b pr)))")).toEqual({
        kind: "not",
        expr: { kind: "or", left: eq("a", 1), right: { kind: "not", expr: { kind: "present", path: { attr: "b" } } } },
      });
    });
  });

  describe("attribute paths", () => {
    it("parses sub-attributes", () => {
      expect(parseFilter('name.familyName eq "L"')).toEqual({
        kind: "compare",
        path: { attr: "name", subAttr: "familyName" },
        op: "eq",
        value: "L",
      });
      expect(parseFilter('meta.lastModified gt "2011-05-13T04:42:34Z"')).toMatchObject({
        path: { attr: "meta", subAttr: "lastModified" },
      });
    });

    it("splits a URN-qualified path at the last colon", () => {
      expect(parseFilter(`${ENTERPRISE}:employeeNumber eq "7"`)).toEqual({
        kind: "compare",
        path: { schema: ENTERPRISE, attr: "employeeNumber" },
        op: "eq",
        value: "7",
      });
      expect(parseFilter(`${ENTERPRISE}:manager.value eq "m"`)).toMatchObject({
        path: { schema: ENTERPRISE, attr: "manager", subAttr: "value" },
      });
    });

    it("recognises the urn: prefix in any case", () => {
      expect(parseFilter('URN:ietf:params:scim:schemas:core:2.0:User:userName eq "a"')).toMatchObject({
        path: { schema: "URN:ietf:params:scim:schemas:core:2.0:User", attr: "userName" },
      });
    });

    it("accepts $ref, digits, hyphens and underscores in names", () => {
      expect(parseFilter('members.$ref eq "x"')).toMatchObject({ path: { attr: "members", subAttr: "$ref" } });
      expect(parseFilter("x509Certificates pr")).toMatchObject({ path: { attr: "x509Certificates" } });
      expect(parseFilter("a-b_c pr")).toMatchObject({ path: { attr: "a-b_c" } });
    });
  });

  describe("value paths", () => {
    it("parses a value path with a compound filter", () => {
      expect(parseFilter('emails[type eq "work" and value co "@x"]')).toEqual({
        kind: "valuePath",
        path: { attr: "emails" },
        filter: {
          kind: "and",
          left: eq("type", "work"),
          right: { kind: "compare", path: { attr: "value" }, op: "co", value: "@x" },
        },
      });
    });

    it("combines value paths with other expressions", () => {
      expect(parseFilter('userType eq "Employee" and emails[type eq "work" or not (primary eq false)]')).toMatchObject({
        kind: "and",
        right: { kind: "valuePath", filter: { kind: "or", right: { kind: "not" } } },
      });
    });

    it("accepts a URN-qualified attribute before the brackets", () => {
      expect(parseFilter('urn:ietf:params:scim:schemas:core:2.0:User:emails[type eq "work"]')).toMatchObject({
        kind: "valuePath",
        path: { schema: "urn:ietf:params:scim:schemas:core:2.0:User", attr: "emails" },
      });
    });
  });

  describe("malformed filters", () => {
    it.each([
      ["", /empty/],
      ["   ", /empty/],
      ["userName eq", /Expected a value after "eq" at position 10.*end of the filter/],
      ["userName", /Expected an operator .* after "userName" at position 1.*end of the filter/],
      ["bogus", /after "bogus"/],
      ['eq "x"', /attribute name at position 1.*operator "eq"/],
      ['userName xx "a"', /Unknown operator "xx" at position 10/],
      ['userName pr "x"', /"pr" at position 10 takes no value/],
      ["userName pr true", /takes no value/],
      ['userName eq "a" garbage', /Unexpected "garbage" at position 17/],
      ['userName eq "a" "b"', /Unexpected the string "b"/],
      ['(userName eq "a"', /Missing "\)" to close the "\(" at position 1/],
      ['userName eq "a")', /Unexpected "\)" at position 16: there is no "\("/],
      ['((a eq 1) or b eq 2', /Missing "\)"/],
      ['emails[type eq "work"', /Missing "\]" to close the "\[" at position 7/],
      ['emails type eq "work"]', /Unknown operator "type"/],
      ['emails[type eq "work")', /Expected "\]" to close the "\[" at position 7, but found "\)"/],
      ['userName eq "unterminated', /string that starts at position 13 is never closed/],
      ['userName eq "bad \\x escape"', /"\\x" at position 18 is not a JSON escape/],
      ['userName eq "\\u12G4"', /four hexadecimal digits/],
      ['userName eq "ends with backslash\\', /never closed/],
      ["a[b[c eq 1]]", /cannot be nested/],
      [`emails[${ENTERPRISE}:value eq "x"]`, /cannot carry a schema URN/],
      ['emails[value.x eq "x"]', /cannot have their own sub-attributes/],
      ['name.familyName[value eq "x"]', /applies to a multi-valued attribute/],
      ['emails[type eq "work"].value eq "x"', /only allowed in PATCH paths/],
      ["userName eq unquoted", /Expected a value after "eq".*found "unquoted"/],
      ["n eq 01", /Expected a value/],
      ["n eq 1.", /Expected a value/],
      ["a eq 1 and", /Expected an attribute name, "not" or "\(" .*end of the filter/],
      ["or a eq 1", /operator "or"/],
      ["not a eq 1", /"not" at position 1 must be followed by a filter in parentheses/],
      ["()", /Expected an attribute name, "not" or "\(" at position 2, but found "\)"/],
      ['1abc eq "x"', /not a valid attribute path/],
      ['a.b.c eq "x"', /more than one "\."/],
      ['urn:x eq "x"', /not a valid schema URN/],
      ['urn:a:b: eq "x"', /must be followed by ":" and an attribute name/],
      ["active gt true", /must be a string or a number/],
      ["title lt null", /must be a string or a number/],
      ["title co 5", /must be a string/],
      ['title ] eq "x"', /Expected an operator/],
      ["n eq 1e400", /Expected a value/],
    ])("rejects %j with invalidFilter", (text, detail) => {
      expectScimError(() => parseFilter(text), 400, "invalidFilter", detail);
    });

    it("rejects hostile nesting with invalidFilter instead of overflowing the stack", () => {
      expectScimError(() => parseFilter("(".repeat(101) + "a pr" + ")".repeat(101)), 400, "invalidFilter", /nest more than 100 levels/);
      expectScimError(() => parseFilter("not (".repeat(100000)), 400, "invalidFilter", /nest more than 100 levels/);
    });
  });
});

describe("parseAttrPath", () => {
  it("parses plain, dotted and URN-qualified paths", () => {
    expect(parseAttrPath("userName")).toEqual({ attr: "userName" });
    expect(parseAttrPath(" name.familyName ")).toEqual({ attr: "name", subAttr: "familyName" });
    expect(parseAttrPath(`${ENTERPRISE}:manager.value`)).toEqual({ schema: ENTERPRISE, attr: "manager", subAttr: "value" });
  });

  it.each(["", "user name", 'emails[type eq "work"]', "a.b.c", "1x", '"quoted"', "name.", "(name)"])(
    "rejects %j with invalidPath",
    (text) => {
      expectScimError(() => parseAttrPath(text), 400, "invalidPath");
    },
  );
});

describe("parsePatchPath", () => {
  it("parses a plain and a dotted path", () => {
    expect(parsePatchPath("displayName")).toEqual({ path: { attr: "displayName" } });
    expect(parsePatchPath("name.familyName")).toEqual({ path: { attr: "name", subAttr: "familyName" } });
  });

  it("parses a URN-qualified extension attribute", () => {
    expect(parsePatchPath(`${ENTERPRISE}:manager`)).toEqual({ path: { schema: ENTERPRISE, attr: "manager" } });
  });

  it("parses a value path, with and without a trailing sub-attribute", () => {
    expect(parsePatchPath('members[value eq "2819c223"]')).toEqual({
      path: { attr: "members" },
      valueFilter: eq("value", "2819c223"),
    });
    expect(parsePatchPath('emails[type eq "work"].value')).toEqual({
      path: { attr: "emails" },
      valueFilter: eq("type", "work"),
      subAttr: "value",
    });
  });

  it.each([
    ["", /empty/],
    ['emails[type eq "work"', /Missing "\]"/],
    ['emails[type eq "work"].', /not a valid sub-attribute/],
    ['emails[type eq "work"].value.x', /not a valid sub-attribute/],
    ['emails[type eq "work"] extra', /Unexpected "extra".*end of the path/],
    ['emails[type eq "work"][value pr]', /Unexpected "\["/],
    ["name.familyName[x pr]", /multi-valued attribute/],
    ['a[b[c eq 1]]', /cannot be nested/],
    ["emails[type eq]", /Expected a value/],
    ['"displayName"', /Expected an attribute name/],
    ["display name", /Unexpected "name"/],
  ])("rejects %j with invalidPath", (text, detail) => {
    expectScimError(() => parsePatchPath(text), 400, "invalidPath", detail);
  });
});

describe("filterToString", () => {
  it("renders canonical text with lower-case operators and JSON literals", () => {
    expect(filterToString(parseFilter('userName EQ "a\\"b" AND (x Eq 1 OR not (y PR))'))).toBe(
      'userName eq "a\\"b" and (x eq 1 or not (y pr))',
    );
    expect(filterToString(parseFilter(`emails[type eq "work"] and ${ENTERPRISE}:manager.value eq null`))).toBe(
      `emails[type eq "work"] and ${ENTERPRISE}:manager.value eq null`,
    );
  });

  it("round-trips any filter tree through text", () => {
    const attrName = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,6}$/).filter((s) => !["and", "or", "not", "pr", "eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"].includes(s.toLowerCase()));
    const path = fc.record({ attr: attrName }, { requiredKeys: ["attr"] });
    const leaf: fc.Arbitrary<FilterNode> = fc.oneof(
      fc.record({
        kind: fc.constant("compare" as const),
        path,
        op: fc.constantFrom("eq" as const, "ne" as const),
        value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null)),
      }),
      fc.record({ kind: fc.constant("present" as const), path }),
    );
    const tree = fc.letrec<{ node: FilterNode }>((tie) => ({
      node: fc.oneof(
        { depthSize: "small", withCrossShrink: true },
        leaf,
        fc.record({ kind: fc.constant("and" as const), left: tie("node"), right: tie("node") }),
        fc.record({ kind: fc.constant("or" as const), left: tie("node"), right: tie("node") }),
        fc.record({ kind: fc.constant("not" as const), expr: tie("node") }),
      ),
    })).node;
    fc.assert(
      fc.property(tree, (node) => {
        expect(parseFilter(filterToString(node))).toEqual(node);
      }),
      { numRuns: 300 },
    );
  });
});
