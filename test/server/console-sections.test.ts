import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ConsoleSectionsError, parseConsoleSections, readConsoleSections } from "../../server/console-sections";
import { serverProcessesPerTest } from "../support/server-process";
import { tempSqlite } from "../support/temp-sqlite";

/** CONSOLE_SECTIONS: the product's own sections, checked once at start with errors naming the file and key. */
describe("the CONSOLE_SECTIONS file", () => {
  const problemsOf = (text: string): readonly string[] => {
    try {
      parseConsoleSections(text, "sections.yaml");
    } catch (err) {
      if (err instanceof ConsoleSectionsError) return err.problems;
      throw err;
    }
    throw new Error("the file was accepted");
  };

  it("reads YAML and JSON alike, in the product's order of areas whatever the file's", () => {
    const yaml = parseConsoleSections("libraries: { title: Libraries, url: /libraries }\nbilling:\n  title: Billing\n  url: https://app.example.com/billing\n", "s.yaml");
    const json = parseConsoleSections('{"libraries":{"title":"Libraries","url":"/libraries"},"billing":{"title":"Billing","url":"https://app.example.com/billing"}}', "s.json");
    expect(yaml).toEqual([
      { area: "billing", title: "Billing", url: "https://app.example.com/billing" },
      { area: "libraries", title: "Libraries", url: "/libraries" },
    ]);
    expect(json).toEqual(yaml);
    expect(Object.isFrozen(yaml)).toBe(true);
  });

  it("reports every problem together, each naming its key: areas the console serves, unknown areas, bad titles and URLs", () => {
    const problems = problemsOf(`identity_access: { title: SSO, url: /sso }
payroll: { title: Pay, url: /pay }
billing: { title: "", url: "http://app.example.com/billing", colour: red }
libraries: { title: Libraries, url: "//evil.example.com/x" }
`);
    expect(problems).toEqual([
      "identity_access: the console has its own identity_access section; only billing and libraries may be listed",
      "payroll: not an area; only billing and libraries may be listed",
      "billing.colour: unknown key (an entry has title and url)",
      "billing.title: must be non-empty text",
      "billing.url: must be https:// (got http://) or a path starting with /",
      "libraries.url: a path starts with one slash (//host is another origin)",
    ]);
  });

  it("refuses URLs that run script, carry credentials or are not URLs at all", () => {
    expect(problemsOf('billing: { title: B, url: "javascript:alert(1)" }')).toEqual(["billing.url: must be https:// (got javascript://) or a path starting with /"]);
    expect(problemsOf('billing: { title: B, url: "https://user:pw@app.example.com/" }')).toEqual(["billing.url: must not carry credentials"]);
    expect(problemsOf("billing: { title: B, url: billing }")).toEqual(['billing.url: "billing" is neither an https:// URL nor a path starting with /']);
    expect(problemsOf("- billing")).toEqual(["the file must map areas (billing, libraries) to { title, url }"]);
  });

  it("names the file in the error, and says when it does not exist", async () => {
    const tmp = await tempSqlite();
    try {
      expect(() => readConsoleSections(join(tmp.dir, "missing.yaml"))).toThrow(`Invalid CONSOLE_SECTIONS file ${join(tmp.dir, "missing.yaml")}:\n  - the file does not exist`);
      await writeFile(join(tmp.dir, "bad.json"), '{"billing": {"title": "B", "url": "ftp://x"}}');
      expect(() => readConsoleSections(join(tmp.dir, "bad.json"))).toThrow(`Invalid CONSOLE_SECTIONS file ${join(tmp.dir, "bad.json")}:\n  - billing.url: must be https:// (got ftp://) or a path starting with /`);
    } finally {
      await tmp.remove();
    }
  });
});

describe("the server's start with the console", () => {
  const { tmp, start } = serverProcessesPerTest();

  it("names the console's URL in its start-up line and sends GET / there", async () => {
    await writeFile(join(tmp.dir, "sections.yaml"), "billing: { title: Billing, url: /billing }\n");
    const server = await start({ DATABASE_URL: tmp.url, SCIM_TOKEN: "console-start-scim-token-0123456789", CONSOLE_SECTIONS: join(tmp.dir, "sections.yaml") });
    const started = server.logs.find((l) => l.msg === "SCIM server listening");
    expect(started?.console).toBe(`${server.base}/console/`);
    const root = await fetch(`${server.base}/`, { redirect: "manual" });
    expect([root.status, root.headers.get("location")]).toEqual([302, "/console/"]);
  }, 60_000);

  it("does not start with a CONSOLE_SECTIONS file that lists an area the console serves, and says which file and key", async () => {
    await writeFile(join(tmp.dir, "sections.yaml"), "privacy: { title: Privacy, url: /privacy }\n");
    await expect(start({ DATABASE_URL: tmp.url, SCIM_TOKEN: "console-start-scim-token-0123456789", CONSOLE_SECTIONS: join(tmp.dir, "sections.yaml") })).rejects.toThrow(
      `Invalid CONSOLE_SECTIONS file ${join(tmp.dir, "sections.yaml")}:\n  - privacy: the console has its own privacy section; only billing and libraries may be listed`,
    );
  }, 60_000);
});
