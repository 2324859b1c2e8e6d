import { BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, isKnownName } from "../../mapping";
import { errorsOf, expectIssue, mappingFrom } from "./helpers";

describe("capabilities and connectors are a known vocabulary", () => {
  it("accepts the built-in names without any declaration", () => {
    const mapping = mappingFrom(`version: 1\nprimaryOwner: ceo@x\nroles:\n  r: { capabilities: [${BUILTIN_CAPABILITIES.join(", ")}], connectors: [${BUILTIN_CONNECTORS.join(", ")}] }\nmappings:\n  - { group: { id: g }, roles: [r] }\n`);
    expect(mapping.roles[0]?.capabilities).toHaveLength(BUILTIN_CAPABILITIES.length);
  });

  it("accepts a name the organisation declares by toggling it", () => {
    mappingFrom("version: 1\nprimaryOwner: ceo@x\norg: { features: { beta_tool: off }, connectors: { intranet: on } }\nroles:\n  r: { capabilities: [beta_tool], connectors: [intranet] }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
  });

  it("refuses an unknown capability with a suggestion, located at the name", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: ceo@x\nroles:\n  r: { capabilities: [web_serch] }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
    expectIssue(errors, "unknown_capability", 4, 23, /'web_serch'.*Did you mean 'web_search'\?/);
  });

  it("refuses an unknown connector and says how to declare a new one", () => {
    const errors = errorsOf("version: 1\nprimaryOwner: ceo@x\nroles:\n  r: { connectors: [intranet] }\nmappings:\n  - { group: { id: g }, roles: [r] }\n");
    expectIssue(errors, "unknown_connector", 4, 21, /'intranet'.*Declare it there \(e\.g\. `org\.connectors: \{ intranet: on \}`\)/);
  });

  it("knows, for the authorize API, built-in names, declared ones, platform ones and those roles grant", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\norg: { features: { beta_tool: on } }\n");
    const platform = { features: { contract_only: true }, connectors: {} };
    expect(isKnownName("capability", "web_search", mapping, platform)).toBe(true);
    expect(isKnownName("capability", "beta_tool", mapping, platform)).toBe(true);
    expect(isKnownName("capability", "contract_only", mapping, platform)).toBe(true);
    expect(isKnownName("capability", "web_serch", mapping, platform)).toBe(false);
    expect(isKnownName("connector", "constructor", mapping, platform)).toBe(false);
    expect(isKnownName("connector", "slack", mapping, platform)).toBe(true);
  });
});
