import { parsePlatformFile, platformFor, resolveMember } from "../../mapping";
import { expectIssue, mappingFrom, member, readFixture } from "./helpers";

describe("parsePlatformFile", () => {
  it("reads the example platform file", () => {
    const result = parsePlatformFile(readFixture("platform.example.yaml"), "platform.yaml");
    expect(result).toEqual({
      ok: true,
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
      platform: {
        all: { features: { file_uploads: false }, connectors: {} },
        orgs: { acme: { features: { file_uploads: true }, connectors: { slack: true } } },
      },
    });
  });

  it("reports every problem with its position and a did-you-mean", () => {
    const result = parsePlatformFile("version: 1\nall:\n  feature: { x: on }\norgs:\n  acme: { connectors: { jira: maybe } }\n", "p.yaml");
    if (result.ok) throw new Error("must be invalid");
    expectIssue(result.errors, "unknown_key", 3, 3, /Unknown key 'feature' in `all`. Did you mean 'features'\?/);
    expectIssue(result.errors, "invalid_toggle", 5, 31, /'maybe'/);
  });

  it("requires version 1 and rejects syntax errors and empty files", () => {
    const noVersion = parsePlatformFile("all: {}\n", "p");
    expect(!noVersion.ok && noVersion.errors[0]?.code).toBe("missing");
    const broken = parsePlatformFile("all: {\n", "p");
    expect(!broken.ok && broken.errors[0]?.code).toBe("syntax");
    const empty = parsePlatformFile("", "p");
    expect(!empty.ok && empty.errors[0]?.code).toBe("empty");
  });
});

describe("platformFor", () => {
  const parsed = parsePlatformFile(readFixture("platform.example.yaml"), "platform.yaml");
  const platform = parsed.ok ? parsed.platform : null;

  it("lets an organisation's own entry beat the all entry", () => {
    expect(platformFor(platform, "acme")).toEqual({ features: { file_uploads: true }, connectors: { slack: true } });
  });

  it("gives other organisations the all entry", () => {
    expect(platformFor(platform, "globex")).toEqual({ features: { file_uploads: false }, connectors: {} });
  });

  it("gives no overrides without a platform file, and does not look organisations up on the prototype", () => {
    expect(platformFor(null, "acme")).toEqual({ features: {}, connectors: {} });
    expect(platformFor(platform, "constructor")).toEqual({ features: { file_uploads: false }, connectors: {} });
  });

  it("beats the organisation's mapping file: slack is off in the mapping but forced on for acme", () => {
    const mapping = mappingFrom(readFixture("example.yaml"));
    expect(resolveMember(member("a@x", []), mapping, platformFor(platform, "acme")).connectors).toContain("slack");
    expect(resolveMember(member("a@x", []), mapping, platformFor(platform, "globex")).connectors).not.toContain("slack");
  });
});
