import { parseJsonStepwise } from "../../scim/json-in-turns";
import { runAtOnce } from "../../http/turns";

const parse = (text: string): unknown => runAtOnce(parseJsonStepwise(text));

/** Strings that make splitting hard: escaped quotes and backslashes, brackets and commas inside. */
const tricky = ['a"b', "c\\", '\\"', "[{,}]", "é ✓ 😀", ""];

function largeDocument(members: number): unknown {
  return {
    schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"],
    displayName: 'Sales "EMEA", [all]',
    members: Array.from({ length: members }, (_, i) => ({ value: `${tricky[i % tricky.length] ?? ""}-${i}`, $ref: null, n: i / 3, ok: i % 2 === 0 })),
    nested: [[Array.from({ length: members / 10 }, (_, i) => [i, { deep: [String(i)] }])]],
    long: "x".repeat(400_000),
  };
}

describe("parsing a large JSON body in turns", () => {
  it("gives what JSON.parse gives, for arrays and objects larger than one piece and every kind of value", () => {
    for (const text of [JSON.stringify(largeDocument(60_000)), JSON.stringify(largeDocument(60_000), null, 2), JSON.stringify(Array.from({ length: 50_000 }, (_, i) => ({ [`k${i}`]: tricky })))]) {
      expect(parse(text)).toEqual(JSON.parse(text));
    }
  });

  it("keeps JSON.parse's own properties: a __proto__ key is data, a repeated key keeps its first place and last value", () => {
    const padding = JSON.stringify("y".repeat(300_000));
    const text = `{"__proto__": {"polluted": true}, "a": 1, "pad": ${padding}, "a": 2, "big": [${Array.from({ length: 30_000 }, (_, i) => i).join(",")}]}`;
    const parsed = parse(text) as Record<string, unknown>;
    expect(Object.getPrototypeOf(parsed)).toBe(Object.prototype);
    expect(Object.keys(parsed)).toEqual(Object.keys(JSON.parse(text) as object));
    expect(parsed).toEqual(JSON.parse(text));
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it("refuses, as JSON.parse does, large texts that are not JSON", () => {
    const items = Array.from({ length: 40_000 }, (_, i) => `{"value":"u${i}"}`);
    const broken = [
      `[${items.join(",")},]`,
      `[${items.join(",")}`,
      `[,${items.join(",")}]`,
      `[${items.join(",,")}]`,
      `[${items.join(" ")}]`,
      `[${items.join(",")}]]`,
      `[${items.join(",")}} `,
      `{"members": [${items.join(",")}] "x": 1}`,
      `{"members" [${items.join(",")}]}`,
      `{members: [${items.join(",")}]}`,
      `{"members": [${items.join(",")}], }`,
      `{"members": [${items.join(",")}], "open": "never closed}`,
      `[${items.join(",")}] trailing`,
      `[${items.slice(0, 20_000).join(",")}, {"value": "u"]}, ${items.slice(20_000).join(",")}]`,
    ];
    for (const text of broken) {
      expect(() => JSON.parse(text)).toThrow(SyntaxError);
      expect(() => parse(text)).toThrow(SyntaxError);
    }
  });
});
