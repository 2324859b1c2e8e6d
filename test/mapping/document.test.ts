import fc from "fast-check";
import { hashMapping, mappingToDocument, mappingToYaml, parseMapping } from "../../mapping";
import type { Mapping } from "../../mapping";
import { CONNECTORS, FEATURES, mappingArb } from "./arbitraries";
import { example, mappingFrom } from "./helpers";

/** Mappings a file can hold: every name declared by the org, and no rule that grants nothing. */
const fileMappings: fc.Arbitrary<Mapping> = mappingArb().map((mapping) => ({
  ...mapping,
  org: {
    features: { ...Object.fromEntries(FEATURES.map((name) => [name, true])), ...mapping.org.features },
    connectors: { ...Object.fromEntries(CONNECTORS.map((name) => [name, true])), ...mapping.org.connectors },
  },
  rules: mapping.rules.map((rule) => (rule.roles.length === 0 && rule.orgRole === null ? { ...rule, orgRole: "user" as const } : rule)),
}));

describe("a mapping written back as a file", () => {
  it("parses to the same mapping and the same hash, as YAML and as JSON (property-based)", () => {
    fc.assert(
      fc.property(fileMappings, (mapping) => {
        for (const text of [mappingToYaml(mapping), JSON.stringify(mappingToDocument(mapping), null, 2)]) {
          const parsed = parseMapping(text, "export.yaml");
          if (!parsed.ok) throw new Error(parsed.errors.map((e) => e.message).join("\n"));
          expect(parsed.mapping).toEqual(mapping);
          expect(parsed.hash).toBe(hashMapping(mapping));
        }
      }),
      { numRuns: 200 },
    );
  });

  it("writes toggles as on/off, only the areas a role grants, and every rule's id", () => {
    const document = mappingToDocument(example());
    expect(document).toMatchObject({
      org: { features: { web_search: "on", file_uploads: "off" } },
      roles: { finance: { description: "Invoices and spend", admin: { billing: "manage", analytics: "view" }, capabilities: ["web_search"] } },
    });
    expect((document["mappings"] as Array<Record<string, unknown>>).map((rule) => rule["id"])).toEqual(example().rules.map((rule) => rule.id));
    expect((document["mappings"] as unknown[])[2]).toEqual({ id: example().rules[2]?.id, group: { displayName: "IT Admins" }, orgRole: "admin" });
  });

  it("writes an app-role rule and a manual-group rule the way a file names them, with their ids", () => {
    const mapping = mappingFrom("version: 1\nprimaryOwner: ceo@x\nroles: { r: {} }\nmappings:\n  - { appRole: { value: BillingAdmins }, roles: [r] }\n  - { group: { manual: Contractors }, orgRole: user }\n");
    expect(mappingToDocument(mapping)["mappings"]).toEqual([
      { id: mapping.rules[0]?.id, appRole: { value: "BillingAdmins" }, roles: ["r"] },
      { id: mapping.rules[1]?.id, group: { manual: "Contractors" }, orgRole: "user" },
    ]);
  });
});
