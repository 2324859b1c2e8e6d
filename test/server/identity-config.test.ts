import { ConfigError, parseConfig } from "../../server/config";

describe("OIDC_ALLOW_PRIVATE", () => {
  it("lets no private address through when unset, and lists the ranges and host names it is given", () => {
    expect(parseConfig({}).oidcAllowPrivate).toEqual([]);
    expect(parseConfig({ OIDC_ALLOW_PRIVATE: "10.20.0.0/16, keycloak.corp.internal" }).oidcAllowPrivate).toEqual(["10.20.0.0/16", "keycloak.corp.internal"]);
  });

  it("refuses an entry that is neither an address, a CIDR nor a host name, naming the variable", () => {
    expect(() => parseConfig({ OIDC_ALLOW_PRIVATE: "10.0.0.0/99" })).toThrow(ConfigError);
    expect(() => parseConfig({ OIDC_ALLOW_PRIVATE: "10.0.0.0/99" })).toThrow(/OIDC_ALLOW_PRIVATE must list IP addresses, CIDRs or host names/);
  });
});
