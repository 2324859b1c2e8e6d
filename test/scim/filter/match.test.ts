import { matchesFilter, parseFilter } from "../../../scim/filter";

const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";

describe("matchesFilter", () => {
  const user = {
    userName: "Ada@Example.com",
    externalId: "Ext-1",
    active: true,
    age: 36,
    name: { givenName: "Ada", familyName: "Lovelace" },
    emails: [
      { value: "ada@work.example", type: "work", primary: true },
      { value: "ada@home.example", type: "home" },
    ],
    meta: { lastModified: "2024-03-01T10:00:00Z" },
    title: "",
    [ENTERPRISE]: { employeeNumber: "7", manager: { value: "m-1" } },
  };
  const matches = (text: string, options?: Parameters<typeof matchesFilter>[2]): boolean =>
    matchesFilter(parseFilter(text), user, options);

  it("compares strings case-insensitively by default", () => {
    expect(matches('userName eq "ada@example.COM"')).toBe(true);
    expect(matches('USERNAME EQ "ada@example.com"')).toBe(true);
  });

  it("compares case-exactly when the option says so", () => {
    const caseExact = (path: { attr: string }): boolean => path.attr.toLowerCase() === "externalid";
    expect(matches('externalId eq "ext-1"', { caseExact })).toBe(false);
    expect(matches('externalId eq "Ext-1"', { caseExact })).toBe(true);
  });

  it("implements co, sw and ew on strings", () => {
    expect(matches('userName co "@EXAMPLE"')).toBe(true);
    expect(matches('userName sw "ada"')).toBe(true);
    expect(matches('userName ew ".com"')).toBe(true);
    expect(matches('userName ew "ada"')).toBe(false);
  });

  it("treats ne as the negation of eq, so an absent attribute is not equal", () => {
    expect(matches('userName ne "x"')).toBe(true);
    expect(matches('userName ne "ADA@example.com"')).toBe(false);
    expect(matches('nickName ne "x"')).toBe(true);
  });

  it("orders numbers numerically and strings and dates lexicographically", () => {
    expect(matches("age gt 9")).toBe(true);
    expect(matches("age le 36")).toBe(true);
    expect(matches("age lt 36")).toBe(false);
    expect(matches('meta.lastModified gt "2024-01-01T00:00:00Z"')).toBe(true);
    expect(matches('meta.lastModified lt "2024-01-01T00:00:00Z"')).toBe(false);
    expect(matches('name.familyName ge "l"')).toBe(true);
  });

  it("does not match across types", () => {
    expect(matches('age eq "36"')).toBe(false);
    expect(matches("userName gt 1")).toBe(false);
    expect(matches('active eq "true"')).toBe(false);
  });

  it("compares booleans with eq and ne", () => {
    expect(matches("active eq true")).toBe(true);
    expect(matches("active ne true")).toBe(false);
  });

  it("treats pr as present and non-empty", () => {
    expect(matches("userName pr")).toBe(true);
    expect(matches("title pr")).toBe(false);
    expect(matches("nickName pr")).toBe(false);
    expect(matches("emails pr")).toBe(true);
    expect(matches("name pr")).toBe(true);
  });

  it("matches eq null only when the attribute is unset", () => {
    expect(matches("nickName eq null")).toBe(true);
    expect(matches("userName eq null")).toBe(false);
  });

  it("matches a multi-valued attribute when any element matches", () => {
    expect(matches('emails.value eq "ada@home.example"')).toBe(true);
    expect(matches('emails.type eq "other"')).toBe(false);
  });

  it("requires one element to satisfy a whole value path", () => {
    expect(matches('emails[type eq "work" and value co "work"]')).toBe(true);
    expect(matches('emails[type eq "work" and value co "home"]')).toBe(false);
  });

  it("reads URN-qualified attributes from the extension object", () => {
    expect(matches(`${ENTERPRISE}:employeeNumber eq "7"`)).toBe(true);
    expect(matches(`${ENTERPRISE}:manager.value eq "M-1"`)).toBe(true);
  });

  it("evaluates and, or and not", () => {
    expect(matches('userName sw "ada" and not (active eq false)')).toBe(true);
    expect(matches('userName eq "x" or age eq 36')).toBe(true);
    expect(matches('userName eq "x" or age eq 1')).toBe(false);
  });

  it("evaluates a PATCH value filter against one element", () => {
    const element = { value: "a@x", type: "Work" };
    expect(matchesFilter(parseFilter('type eq "work"'), element)).toBe(true);
    expect(matchesFilter(parseFilter('TYPE eq "home"'), element)).toBe(false);
  });

  it("does not match a non-object", () => {
    expect(matchesFilter(parseFilter("a pr"), "a string")).toBe(false);
  });
});
