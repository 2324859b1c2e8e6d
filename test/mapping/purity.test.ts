import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** STYLE.md habit 1 and 8: mapping/ is pure and imports nothing of ours outside itself. */
describe("mapping/ stays a pure core", () => {
  const dir = join(__dirname, "../../mapping");
  const sources = readdirSync(dir)
    .filter((name) => name.endsWith(".ts"))
    .map((name) => ({ name, text: readFileSync(join(dir, name), "utf8") }));
  const ALLOWED = /^(\.\/[\w.]+|yaml|ajv|node:crypto)$/;

  it.each(sources.map((source) => [source.name, source.text]))("%s imports only mapping/ files, yaml, ajv and node:crypto", (_name, text) => {
    const specifiers = [...text.matchAll(/from\s+"([^"]+)"/g)].map((match) => match[1]);
    expect(specifiers.filter((specifier) => specifier === undefined || !ALLOWED.test(specifier))).toEqual([]);
  });

  it.each(sources.map((source) => [source.name, source.text]))("%s does no I/O and reads no clock or environment", (_name, text) => {
    expect(text).not.toMatch(/process\.|Date\.now|new Date\(|require\(|Math\.random/);
  });
});
