import { ConfigError, issuerProblem, parseConfig } from "../../server/config";

/** Members' sign-in configuration (OIDC_*): parsed once, every problem named together. */
describe("OIDC configuration for the default organisation", () => {
  const problemsOf = (env: Record<string, string>): readonly string[] => {
    try {
      parseConfig(env);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };

  it("is off without OIDC_ISSUER", () => {
    expect(parseConfig({}).oidc).toBeNull();
  });

  it("reads issuer, client, secret, key file and username claim, email by default", () => {
    expect(parseConfig({ OIDC_ISSUER: "https://acme.okta.com/oauth2/default", OIDC_CLIENT_ID: "0oa1", OIDC_CLIENT_SECRET: "s" }).oidc).toEqual({
      issuer: "https://acme.okta.com/oauth2/default", clientId: "0oa1", clientSecret: "s", jwksFile: null, usernameClaim: "email",
    });
    expect(parseConfig({ OIDC_ISSUER: "https://login.microsoftonline.com/t/v2.0", OIDC_CLIENT_ID: "c", OIDC_USERNAME_CLAIM: "preferred_username", OIDC_JWKS_FILE: "/etc/keys.json" }).oidc).toMatchObject({ usernameClaim: "preferred_username", jwksFile: "/etc/keys.json", clientSecret: null });
  });

  it("reports every problem at once, naming the variable", () => {
    expect(problemsOf({ OIDC_ISSUER: "http://id.example.com", OIDC_USERNAME_CLAIM: "not a claim" })).toEqual([
      "OIDC_ISSUER may use http:// only on a loopback address (127.0.0.1, ::1, localhost); use https://",
      "OIDC_ISSUER needs OIDC_CLIENT_ID (the audience of members' tokens)",
      'OIDC_USERNAME_CLAIM must be a claim name, got "not a claim"',
    ]);
    expect(problemsOf({ OIDC_CLIENT_ID: "c" })).toEqual(["OIDC_CLIENT_ID / OIDC_CLIENT_SECRET / OIDC_JWKS_FILE need OIDC_ISSUER"]);
  });

  it("accepts an http issuer only on a loopback address", () => {
    for (const ok of ["https://id.example.com", "http://127.0.0.1:8443", "http://localhost:9000/realms/x", "http://[::1]:4000"]) expect([ok, issuerProblem(ok)]).toEqual([ok, null]);
    for (const bad of ["http://10.0.0.1", "http://127.example.com", "ftp://id.example.com", "not a url", "https://id.example.com/?x=1"]) expect(issuerProblem(bad)).not.toBeNull();
  });
});
