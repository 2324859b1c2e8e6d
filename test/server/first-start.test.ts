import { join } from "node:path";
import { serverProcessesPerTest } from "../support/server-process";

/**
 * The first start of a real server process on a fresh database, with no token configured: stdout
 * is for log pipelines, so it holds JSON log lines only, and the one-time SCIM token goes to
 * stderr, where a person starting the server sees it and a log shipper does not keep it. /metrics
 * stays off the IdPs' port unless a token guards it; METRICS_PORT serves it on the loopback address.
 */
describe("the first start of the server", () => {
  const { tmp, start } = serverProcessesPerTest();

  it("writes only JSON log lines to stdout and the generated SCIM token, which works, to stderr", async () => {
    const server = await start({ DATABASE_URL: `sqlite:${join(tmp.dir, "data", "scim.sqlite")}` });
    const token = /^([A-Za-z0-9_-]{20,})$/m.exec(server.stderr())?.[1];
    expect(server.stderr()).toMatch(/SCIM bearer token for organisation "default" \(shown once/);
    expect(token).toBeDefined();
    const res = await fetch(`${server.base}/scim/v2/Users`, { headers: { Authorization: `Bearer ${token ?? ""}` } });
    expect(res.status).toBe(200);

    const notJson = server.stdoutLines.filter((line) => {
      try {
        const parsed: unknown = JSON.parse(line);
        return typeof parsed !== "object" || parsed === null;
      } catch {
        return true;
      }
    });
    expect(notJson).toEqual([]);
    expect(server.stdoutLines.join("\n")).not.toContain(token);
    expect(server.logs).toContainEqual(expect.objectContaining({ level: 40, org: "default", msg: expect.stringMatching(/written once to stderr/) as unknown }));
  }, 60_000);

  it("serves /metrics on the METRICS_PORT loopback listener only, never on the IdPs' port without METRICS_TOKEN", async () => {
    const server = await start({ DATABASE_URL: tmp.url, SCIM_TOKEN: "first-start-scim-token-0123456789", METRICS_PORT: "0" });
    const listening = server.logs.find((l) => l.msg === "metrics listening");
    const url = typeof listening?.url === "string" ? new URL(listening.url) : null;
    expect(url?.hostname).toBe("127.0.0.1");
    expect((await fetch(`${server.base}/metrics`)).status).toBe(404);
    const scraped = await fetch(String(url));
    expect(scraped.status).toBe(200);
    const text = await scraped.text();
    expect(text).toMatch(/^scim_mapping_version\{org="[0-9a-f-]{36}"\} 0$/m);
    expect(text).not.toContain('org="default"');
  }, 60_000);
});
