import { TokenCache } from "../../server/auth";

describe("the verified-token cache", () => {
  it("remembers an organisation until the time to live has passed", () => {
    const cache = new TokenCache(5000);
    cache.set("hash-a", "org-1", 1_000);
    expect(cache.get("hash-a", 5_999)).toBe("org-1");
    expect(cache.get("hash-a", 6_000)).toBeNull();
    expect(cache.get("hash-b", 1_000)).toBeNull();
  });

  it("remembers nothing when its time to live is zero, so revocation takes effect at once", () => {
    const cache = new TokenCache(0);
    cache.set("hash-a", "org-1", 1_000);
    expect(cache.get("hash-a", 1_000)).toBeNull();
  });

  it("starts over rather than grow past its size limit", () => {
    const cache = new TokenCache(5000, 2);
    cache.set("a", "1", 0);
    cache.set("b", "2", 0);
    cache.set("c", "3", 0);
    expect(cache.get("a", 1)).toBeNull();
    expect(cache.get("c", 1)).toBe("3");
  });
});
