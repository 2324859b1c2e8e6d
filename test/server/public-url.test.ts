import { CORE_GROUP, type Harness, createUser, startHarness } from "../support/harness";

const BASE = "https://scim.example.com/scim/v2";

/**
 * Okta and Entra call public HTTPS URLs, so the server is behind TLS and often a proxy: every URL
 * it renders must be the one the IdP can reach. PUBLIC_URL says it outright; without it, forwarded
 * headers count only from proxies TRUST_PROXY names (supertest connects from 127.0.0.1).
 */
describe("the URLs the server renders", () => {
  let h: Harness;
  afterEach(async () => h.close());

  async function renderedUrls(headers: Record<string, string> = {}): Promise<string[]> {
    const ada = await createUser(h, "ada@example.com");
    const post = await h.scim("post", "/Groups").set(headers).send({ schemas: [CORE_GROUP], displayName: "Sales", members: [{ value: ada }] });
    const group = post.body as { id: string; meta: { location: string }; members: Array<{ $ref: string }> };
    const user = (await h.scim("get", `/Users/${ada}`).set(headers)).body as { meta: { location: string }; groups: Array<{ $ref: string }> };
    const schemas = (await h.scim("get", "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User").set(headers)).body as { meta: { location: string } };
    const bulk = await h.scim("post", "/Bulk").set(headers).send({
      schemas: ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
      Operations: [{ method: "POST", path: "/Users", bulkId: "b1", data: { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName: "bob@example.com" } }],
    });
    const bulkLocation = (bulk.body as { Operations: Array<{ location: string }> }).Operations[0]?.location ?? "";
    return [String(post.headers.location), group.meta.location, group.members[0]?.$ref ?? "", user.meta.location, user.groups[0]?.$ref ?? "", schemas.meta.location, bulkLocation];
  }

  it("starts every URL with PUBLIC_URL, whatever Host and forwarded headers the request carries", async () => {
    h = await startHarness({ publicUrl: "https://scim.example.com" });
    const urls = await renderedUrls({ Host: "internal:8080", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "http" });
    expect(urls).toHaveLength(7);
    for (const url of urls) expect(url.startsWith(`${BASE}/`)).toBe(true);
  });

  it("keeps a path prefix of PUBLIC_URL, for a proxy that serves the server below one", async () => {
    h = await startHarness({ publicUrl: "https://example.com/identity" });
    for (const url of await renderedUrls()) expect(url.startsWith("https://example.com/identity/scim/v2/")).toBe(true);
  });

  it("ignores X-Forwarded-Proto and X-Forwarded-Host by default", async () => {
    h = await startHarness();
    const urls = await renderedUrls({ Host: "internal:8080", "X-Forwarded-Host": "evil.example", "X-Forwarded-Proto": "https" });
    for (const url of urls) expect(url.startsWith("http://internal:8080/scim/v2/")).toBe(true);
  });

  it("honours them, port included, from a proxy TRUST_PROXY names (a CIDR, a hop count, or true)", async () => {
    for (const trustProxy of [["127.0.0.0/8", "::1/128"], 1, true] as const) {
      h = await startHarness({ trustProxy });
      const urls = await renderedUrls({ Host: "internal:8080", "X-Forwarded-Host": "scim.example.com:8443", "X-Forwarded-Proto": "https" });
      for (const url of urls) expect(url.startsWith("https://scim.example.com:8443/scim/v2/")).toBe(true);
      await h.close();
    }
    h = await startHarness();
  });

  it("ignores them from a proxy TRUST_PROXY does not name", async () => {
    h = await startHarness({ trustProxy: ["10.0.0.0/8"] });
    const urls = await renderedUrls({ Host: "internal:8080", "X-Forwarded-Host": "scim.example.com", "X-Forwarded-Proto": "https" });
    for (const url of urls) expect(url.startsWith("http://internal:8080/scim/v2/")).toBe(true);
  });
});
