import { spawn } from "node:child_process";
import { writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import type { AddressInfo } from "node:net";
import { join, resolve } from "node:path";
import type { TLSSocket } from "node:tls";
import pino from "pino";
import { createTlsServer } from "../../server/tls";
import { type TestCertificate, selfSignedCertificate } from "../support/certificates";
import { type Harness, startHarness } from "../support/harness";
import { eventually } from "../support/eventually";
import { type TempSqlite, tempSqlite } from "../support/temp-sqlite";

interface Answer {
  status: number;
  body: unknown;
  fingerprint256: string;
}

/** One request on a fresh connection, trusting only `trusted`, reporting the certificate the server presented. */
function get(url: string, trusted: readonly TestCertificate[], token?: string): Promise<Answer> {
  return new Promise((ok, fail) => {
    const req = httpsRequest(url, { agent: false, ca: trusted.map((c) => c.certPem), headers: token ? { Authorization: `Bearer ${token}` } : {} }, (res) => {
      const fingerprint256 = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
      let text = "";
      res.on("data", (chunk: Buffer) => (text += chunk.toString()));
      res.on("end", () => ok({ status: res.statusCode ?? 0, body: text === "" ? undefined : (JSON.parse(text) as unknown), fingerprint256 }));
    });
    req.on("error", fail);
    req.end();
  });
}

async function writePair(folder: string, cert: TestCertificate): Promise<{ certFile: string; keyFile: string }> {
  const files = { certFile: join(folder, "cert.pem"), keyFile: join(folder, "key.pem") };
  await writeFile(files.keyFile, cert.keyPem);
  await writeFile(files.certFile, cert.certPem);
  return files;
}

/** Okta and Entra call only HTTPS endpoints; without a proxy the server terminates TLS itself. */
describe("native TLS", () => {
  let tmp: TempSqlite;
  beforeEach(async () => {
    tmp = await tempSqlite();
  });
  afterEach(async () => tmp.remove());

  describe("in process", () => {
    let h: Harness;
    let close: () => Promise<void>;
    const logged: Array<{ msg?: string }> = [];
    const logger = pino({ level: "info" }, { write: (line: string) => void logged.push(JSON.parse(line) as { msg?: string }) });

    async function serve(cert: TestCertificate): Promise<string> {
      h = await startHarness();
      const tls = createTlsServer(h.app, await writePair(tmp.dir, cert), { logger, pollIntervalMs: 20 });
      await new Promise<void>((ok) => tls.server.listen(0, "127.0.0.1", ok));
      close = async () => {
        tls.stopWatching();
        await new Promise((ok) => tls.server.close(ok));
        await h.close();
      };
      return `https://127.0.0.1:${(tls.server.address() as AddressInfo).port}`;
    }
    afterEach(async () => close());

    it("serves SCIM over HTTPS with the PEM pair, rendering https URLs", async () => {
      const cert = selfSignedCertificate();
      const base = await serve(cert);
      expect((await get(`${base}/healthz`, [cert])).status).toBe(200);
      const users = await get(`${base}/scim/v2/Users?count=1`, [cert], h.token);
      expect(users).toMatchObject({ status: 200, fingerprint256: cert.fingerprint256, body: { totalResults: 0 } });
      const schema = await get(`${base}/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group`, [cert], h.token);
      expect(schema.body).toMatchObject({ meta: { location: `${base}/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:Group` } });
    });

    it("presents a renewed certificate to new connections without a restart", async () => {
      // Different subjects: a client trusting both must find each one's issuer by name.
      const first = selfSignedCertificate("scim first");
      const renewed = selfSignedCertificate("scim renewed");
      const base = await serve(first);
      expect((await get(`${base}/healthz`, [first, renewed])).fingerprint256).toBe(first.fingerprint256);
      await writePair(tmp.dir, renewed);
      await eventually(async () => expect(await get(`${base}/healthz`, [first, renewed])).toMatchObject({ status: 200, fingerprint256: renewed.fingerprint256 }));
      expect(logged.some((line) => line.msg === "TLS certificate reloaded")).toBe(true);
    });

    it("keeps the certificate in force when the files on disk do not load, and logs why", async () => {
      const cert = selfSignedCertificate();
      const base = await serve(cert);
      await writeFile(join(tmp.dir, "cert.pem"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n");
      await eventually(() => expect(logged.some((line) => line.msg?.startsWith("TLS certificate files changed but do not load") === true)).toBe(true));
      expect(await get(`${base}/healthz`, [cert])).toMatchObject({ status: 200, fingerprint256: cert.fingerprint256 });
    });
  });

  describe("the server process", () => {
    const ROOT = resolve(__dirname, "../..");
    const TSX = join(ROOT, "node_modules/.bin/tsx");

    function start(env: Record<string, string>): { lines: () => Array<Record<string, unknown>>; exited: Promise<{ code: number | null; stderr: string }>; stop: () => void } {
      const child = spawn(TSX, ["server/main.ts"], { cwd: ROOT, env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", LOG_LEVEL: "info", ...env } });
      let stdout = "";
      let stderr = "";
      child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
      child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
      const exited = new Promise<{ code: number | null; stderr: string }>((ok) => child.on("close", (code) => ok({ code, stderr })));
      const lines = () => stdout.split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l) as Record<string, unknown>);
      return { lines, exited, stop: () => child.kill("SIGTERM") };
    }

    it("serves HTTPS from TLS_CERT_FILE/TLS_KEY_FILE, renders PUBLIC_URL, logs it at start, and picks up a renewed certificate", async () => {
      // Different subjects: a client trusting both must find each one's issuer by name.
      const first = selfSignedCertificate("scim first");
      const renewed = selfSignedCertificate("scim renewed");
      const files = await writePair(tmp.dir, first);
      const token = "tls-e2e-token-0123456789";
      const server = start({
        DATABASE_URL: tmp.url, PORT: "0", HOST: "127.0.0.1", SCIM_TOKEN: token,
        TLS_CERT_FILE: files.certFile, TLS_KEY_FILE: files.keyFile, PUBLIC_URL: "https://scim.example.com/",
      });
      try {
        const started = await eventually(() => {
          const line = server.lines().find((l) => l.msg === "SCIM server listening");
          expect(line).toBeDefined();
          return line;
        }, { timeoutMs: 45_000 });
        expect(started).toMatchObject({ url: "https://scim.example.com/scim/v2", tls: true, listening: expect.stringMatching(/^https:\/\/127\.0\.0\.1:\d+$/) as unknown });
        const base = String(started?.listening);
        const users = await get(`${base}/scim/v2/Users`, [first], token);
        expect(users).toMatchObject({ status: 200, fingerprint256: first.fingerprint256 });
        const created = await new Promise<Answer>((ok, fail) => {
          const req = httpsRequest(`${base}/scim/v2/Groups`, { method: "POST", agent: false, ca: [first.certPem], headers: { Authorization: `Bearer ${token}` } }, (res) => {
            let text = "";
            res.on("data", (c: Buffer) => (text += c.toString()));
            res.on("end", () => ok({ status: res.statusCode ?? 0, body: JSON.parse(text) as unknown, fingerprint256: "" }));
          });
          req.on("error", fail);
          req.end(JSON.stringify({ schemas: ["urn:ietf:params:scim:schemas:core:2.0:Group"], displayName: "Sales" }));
        });
        expect(created.body).toMatchObject({ meta: { location: expect.stringMatching(/^https:\/\/scim\.example\.com\/scim\/v2\/Groups\//) as unknown } });

        await writePair(tmp.dir, renewed);
        await eventually(async () => expect((await get(`${base}/healthz`, [first, renewed])).fingerprint256).toBe(renewed.fingerprint256), { timeoutMs: 15_000 });
      } finally {
        server.stop();
        await server.exited;
      }
    }, 90_000);

    it("refuses to start, naming the variables, when only one of TLS_CERT_FILE and TLS_KEY_FILE is set or TRUST_PROXY is not a form express takes", async () => {
      const server = start({ DATABASE_URL: tmp.url, PORT: "0", TLS_CERT_FILE: join(tmp.dir, "cert.pem"), TRUST_PROXY: "10.0.0.0/33", PUBLIC_URL: "scim.example.com" });
      const { code, stderr } = await server.exited;
      expect(code).toBe(1);
      expect(stderr).toMatch(/TLS_CERT_FILE and TLS_KEY_FILE must be set together/);
      expect(stderr).toMatch(/TRUST_PROXY must be true, a hop count, or .*"10\.0\.0\.0\/33"/);
      expect(stderr).toMatch(/PUBLIC_URL must be an absolute URL/);
    }, 30000);
  });
});
