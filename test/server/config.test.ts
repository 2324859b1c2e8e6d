import { ConfigError, issuerProblem, parseConfig } from "../../server/config";

function problemsOf(env: Record<string, string>): string[] {
  try {
    parseConfig(env);
    return [];
  } catch (err) {
    if (err instanceof ConfigError) return [...err.problems];
    throw err;
  }
}

/** The reachability settings are checked once, at start, every problem named together. */
describe("configuration of how IdPs reach the server", () => {
  it("reads PUBLIC_URL as an origin with an optional path prefix, without a trailing slash", () => {
    expect(parseConfig({ PUBLIC_URL: "https://scim.example.com/" }).publicUrl).toBe("https://scim.example.com");
    expect(parseConfig({ PUBLIC_URL: "https://example.com:8443/identity/" }).publicUrl).toBe("https://example.com:8443/identity");
    expect(parseConfig({}).publicUrl).toBeNull();
  });

  it("refuses a PUBLIC_URL that is not an absolute http(s) URL, or carries a query or credentials", () => {
    for (const [value, problem] of [
      ["scim.example.com", /absolute URL/],
      ["ftp://scim.example.com", /http\(s\)/],
      ["https://user:pw@scim.example.com", /credentials/],
      ["https://scim.example.com/?x=1", /query/],
    ] as const) {
      expect(problemsOf({ PUBLIC_URL: value }).join("\n")).toMatch(problem);
    }
  });

  it("accepts express's trust-proxy forms, and trusts nothing by default", () => {
    expect(parseConfig({}).trustProxy).toBeNull();
    expect(parseConfig({ TRUST_PROXY: "false" }).trustProxy).toBeNull();
    expect(parseConfig({ TRUST_PROXY: "true" }).trustProxy).toBe(true);
    expect(parseConfig({ TRUST_PROXY: "2" }).trustProxy).toBe(2);
    expect(parseConfig({ TRUST_PROXY: "loopback, 10.0.0.0/8, 192.168.1.7, fd00::/8" }).trustProxy).toEqual(["loopback", "10.0.0.0/8", "192.168.1.7", "fd00::/8"]);
  });

  it("refuses a TRUST_PROXY express would misread, naming the bad entries", () => {
    expect(problemsOf({ TRUST_PROXY: "10.0.0.0/33, 10.1.0.0/16" })).toEqual([expect.stringMatching(/"10\.0\.0\.0\/33"/)]);
    expect(problemsOf({ TRUST_PROXY: "my-proxy" })).toEqual([expect.stringMatching(/"my-proxy"/)]);
    expect(problemsOf({ TRUST_PROXY: "0" })).toEqual([expect.stringMatching(/hop count must be between 1 and 32/)]);
  });

  it("wants TLS_CERT_FILE and TLS_KEY_FILE together, reporting every problem at once", () => {
    expect(parseConfig({ TLS_CERT_FILE: "/etc/tls/cert.pem", TLS_KEY_FILE: "/etc/tls/key.pem" }).tls).toEqual({ certFile: "/etc/tls/cert.pem", keyFile: "/etc/tls/key.pem" });
    expect(parseConfig({}).tls).toBeNull();
    expect(problemsOf({ TLS_KEY_FILE: "/etc/tls/key.pem", TRUST_PROXY: "nope" })).toHaveLength(2);
  });
});

/** Members' sign-in configuration (OIDC_*): parsed once, every problem named together. */
describe("OIDC configuration for the default organisation", () => {
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

/** The console's sessions (CONSOLE_*, SESSION_SECRET). */
describe("console configuration", () => {
  it("ends sessions after 30 idle minutes or 12 hours, signed with a key from the database, by default", () => {
    expect(parseConfig({}).console).toEqual({ idleMinutes: 30, sessionHours: 12, sessionSecret: null });
    expect(parseConfig({ CONSOLE_IDLE_MINUTES: "15", CONSOLE_SESSION_HOURS: "8", SESSION_SECRET: "s".repeat(32) }).console).toEqual({ idleMinutes: 15, sessionHours: 8, sessionSecret: "s".repeat(32) });
  });

  it("refuses a short SESSION_SECRET and durations out of range, all at once", () => {
    expect(problemsOf({ SESSION_SECRET: "too-short", CONSOLE_IDLE_MINUTES: "0", CONSOLE_SESSION_HOURS: "1000" })).toEqual([
      "SESSION_SECRET must be at least 32 characters long",
      'CONSOLE_IDLE_MINUTES must be an integer between 1 and 1440, got "0"',
      'CONSOLE_SESSION_HOURS must be an integer between 1 and 720, got "1000"',
    ]);
  });
});

/** Request size limits: a body limit per SCIM route and one per string attribute, each configurable. */
describe("configuration of SCIM request limits", () => {
  it("defaults to 1 MiB for a User body, 32 MiB for a Group body, 1 MiB for /Bulk and 64 KiB per string", () => {
    expect(parseConfig({}).limits).toMatchObject({ maxUserBodyBytes: 1048576, maxBodyBytes: 33554432, maxBulkPayloadBytes: 1048576, maxStringBytes: 65536 });
  });

  it("reads SCIM_MAX_USER_BODY_BYTES and SCIM_MAX_STRING_BYTES", () => {
    expect(parseConfig({ SCIM_MAX_USER_BODY_BYTES: "2097152", SCIM_MAX_STRING_BYTES: "4096" }).limits).toMatchObject({ maxUserBodyBytes: 2097152, maxStringBytes: 4096 });
  });

  it("refuses limits that are not integers in range, naming each variable", () => {
    expect(problemsOf({ SCIM_MAX_USER_BODY_BYTES: "1mb", SCIM_MAX_STRING_BYTES: "10" })).toEqual([
      'SCIM_MAX_USER_BODY_BYTES must be an integer between 1024 and 1073741824, got "1mb"',
      'SCIM_MAX_STRING_BYTES must be an integer between 256 and 1073741824, got "10"',
    ]);
  });
});

describe("input limits", () => {
  it("default to a nesting depth of 64 and filters of 200 terms nested 100 deep", () => {
    expect(parseConfig({}).limits).toMatchObject({ maxJsonDepth: 64, maxFilterTerms: 200, maxFilterDepth: 100 });
  });

  it("read SCIM_MAX_JSON_DEPTH, SCIM_MAX_FILTER_TERMS and SCIM_MAX_FILTER_DEPTH, refusing values past what is proven to work", () => {
    expect(parseConfig({ SCIM_MAX_JSON_DEPTH: "32", SCIM_MAX_FILTER_TERMS: "500", SCIM_MAX_FILTER_DEPTH: "10" }).limits).toMatchObject({ maxJsonDepth: 32, maxFilterTerms: 500, maxFilterDepth: 10 });
    const refused = (): unknown => parseConfig({ SCIM_MAX_JSON_DEPTH: "100000", SCIM_MAX_FILTER_TERMS: "1000", SCIM_MAX_FILTER_DEPTH: "0" });
    expect(refused).toThrow(ConfigError);
    expect(refused).toThrow(/SCIM_MAX_JSON_DEPTH[\s\S]*SCIM_MAX_FILTER_TERMS[\s\S]*SCIM_MAX_FILTER_DEPTH/);
  });
});

/** How long a client may take and how many connections it may hold (HTTP_*), for plain HTTP and TLS alike. */
describe("connection limits", () => {
  it("default to a 10 s header timeout, 2 min per request, 65 s keep-alive and 10,000 connections", () => {
    expect(parseConfig({}).operations.http).toEqual({ headersTimeoutMs: 10000, requestTimeoutMs: 120000, keepAliveTimeoutMs: 65000, maxConnections: 10000 });
    expect(parseConfig({ HTTP_HEADERS_TIMEOUT_MS: "5000", HTTP_REQUEST_TIMEOUT_MS: "60000", HTTP_KEEPALIVE_TIMEOUT_MS: "5000", HTTP_MAX_CONNECTIONS: "200" }).operations.http).toEqual({
      headersTimeoutMs: 5000, requestTimeoutMs: 60000, keepAliveTimeoutMs: 5000, maxConnections: 200,
    });
  });

  it("reports values out of range, and a header timeout longer than the request timeout, together", () => {
    expect(problemsOf({ HTTP_HEADERS_TIMEOUT_MS: "20000", HTTP_REQUEST_TIMEOUT_MS: "10000", HTTP_MAX_CONNECTIONS: "0", HTTP_KEEPALIVE_TIMEOUT_MS: "soon" })).toEqual([
      "HTTP_HEADERS_TIMEOUT_MS must not exceed HTTP_REQUEST_TIMEOUT_MS",
      'HTTP_KEEPALIVE_TIMEOUT_MS must be an integer between 100 and 600000, got "soon"',
      'HTTP_MAX_CONNECTIONS must be an integer between 1 and 1000000, got "0"',
    ]);
  });
});

describe("configuration of metrics", () => {
  it("serves /metrics nowhere and labels organisations by id by default", () => {
    const ops = parseConfig({}).operations;
    expect({ token: ops.metricsToken, port: ops.metricsPort, label: ops.metricsOrgLabel }).toEqual({ token: null, port: null, label: "id" });
  });

  it("reads METRICS_PORT (0: any free port) and METRICS_ORG_LABEL=name", () => {
    const ops = parseConfig({ METRICS_PORT: "9464", METRICS_ORG_LABEL: "name" }).operations;
    expect({ port: ops.metricsPort, label: ops.metricsOrgLabel }).toEqual({ port: 9464, label: "name" });
    expect(parseConfig({ METRICS_PORT: "0" }).operations.metricsPort).toBe(0);
  });

  it("refuses a METRICS_PORT out of range or equal to PORT, an unknown label and a short token, all at once", () => {
    expect(problemsOf({ METRICS_PORT: "70000", METRICS_ORG_LABEL: "slug", METRICS_TOKEN: "short" })).toEqual([
      "METRICS_TOKEN must be at least 16 characters long",
      'METRICS_PORT must be an integer between 0 and 65535, got "70000"',
      'METRICS_ORG_LABEL must be id or name, got "slug"',
    ]);
    expect(problemsOf({ PORT: "9000", METRICS_PORT: "9000" })).toEqual(["METRICS_PORT must differ from PORT: /metrics has a listener of its own"]);
  });
});

describe("configuration of webhook delivery", () => {
  it("defaults to 8 slots, 2 per endpoint, a 10 s timeout, a circuit after 5 failures, retries from 5 s for 24 h, and no private address", () => {
    expect(parseConfig({}).operations.webhooks).toEqual({
      timeoutMs: 10000,
      concurrency: 8,
      endpointConcurrency: 2,
      circuitFailures: 5,
      retryForMs: 86_400_000,
      firstRetryMs: 5000,
      allowPrivate: [],
    });
  });

  it("reads WEBHOOK_ALLOW_PRIVATE as comma-separated addresses, CIDRs and host names", () => {
    expect(parseConfig({ WEBHOOK_ALLOW_PRIVATE: " 10.0.0.0/8, ::1 ,hooks.corp.internal,127.0.0.1" }).operations.webhooks.allowPrivate).toEqual(["10.0.0.0/8", "::1", "hooks.corp.internal", "127.0.0.1"]);
  });

  it("reports a bad WEBHOOK_ALLOW_PRIVATE entry and more slots per endpoint than in all, together", () => {
    expect(problemsOf({ WEBHOOK_ALLOW_PRIVATE: "10.0.0.0/33,http://x,ok.example", WEBHOOK_CONCURRENCY: "4", WEBHOOK_ENDPOINT_CONCURRENCY: "6", WEBHOOK_CIRCUIT_FAILURES: "0" })).toEqual([
      "WEBHOOK_ENDPOINT_CONCURRENCY must not exceed WEBHOOK_CONCURRENCY",
      'WEBHOOK_ALLOW_PRIVATE must list IP addresses, CIDRs or host names, comma-separated: "10.0.0.0/33" is not a CIDR; "http://x" is neither an IP address, a CIDR nor a host name',
      'WEBHOOK_CIRCUIT_FAILURES must be an integer between 1 and 1000, got "0"',
    ]);
  });

  it("gives one endpoint all the slots there are when there is only one", () => {
    expect(parseConfig({ WEBHOOK_CONCURRENCY: "1" }).operations.webhooks).toMatchObject({ concurrency: 1, endpointConcurrency: 1 });
  });
});
