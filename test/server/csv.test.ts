import { csvCell, toCsv } from "../../server/csv";

describe("CSV downloads", () => {
  it.each([
    ["=HYPERLINK(\"http://evil.example\",\"click\")", "\"'=HYPERLINK(\"\"http://evil.example\"\",\"\"click\"\")\""],
    ["+1+cmd|' /C calc'!A0", "'+1+cmd|' /C calc'!A0"],
    ["-2+3", "'-2+3"],
    ["@SUM(A1:A2)", "'@SUM(A1:A2)"],
    ["\t=1+1", "'\t=1+1"],
    ["\r=1+1", "\"'\r=1+1\""],
  ])("keeps the display name %j a text cell that a spreadsheet does not run", (name, cell) => {
    expect(csvCell(name)).toBe(cell);
  });

  it("quotes fields holding commas, quotes and line breaks, doubling the quotes (RFC 4180 §2)", () => {
    expect(csvCell('Smith, "Bob"')).toBe('"Smith, ""Bob"""');
    expect(csvCell("two\nlines")).toBe('"two\nlines"');
    expect(csvCell("plain")).toBe("plain");
  });

  it("writes numbers as numbers (a negative count stays a number) and null as an empty field", () => {
    expect(csvCell(-3)).toBe("-3");
    expect(csvCell(null)).toBe("");
  });

  it("ends every record, the header's included, with CRLF", () => {
    expect(toCsv(["member", "count"], [["=evil", 2], ["a,b", 0]])).toBe("member,count\r\n'=evil,2\r\n\"a,b\",0\r\n");
  });
});
