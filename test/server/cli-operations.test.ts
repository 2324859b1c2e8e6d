import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import request from "supertest";
import type { Express } from "express";
import { type Database, openDatabase } from "../../db/connection";
import { type OutboxWatch, watchOutbox } from "../../db/outbox-watch";
import { ensureOrg } from "../../db/orgs";
import { createToken } from "../../db/tokens";
import { createApp } from "../../server/app";
import { createSync } from "../../server/bootstrap";
import { EventHub } from "../../server/events";
import { silentLogger } from "../../server/logger";
import { WebhookDispatcher } from "../../server/webhooks";
import { cli, runCli } from "../support/cli";
import { CORE_GROUP, userBody } from "../support/harness";
import { type Receiver, startReceiver } from "../support/receiver";
import { openStream, take } from "../support/sse";
import { MAPPING } from "../roles/support";
import { DEFAULT_LIMITS } from "../../server/config";

/**
 * The operator's CLI in its own process against the SQLite file a running server uses: webhooks
 * are managed and tested, `verify` finds and repairs drift, and a mapping applied by the CLI
 * reaches the server's SSE subscribers and webhook receivers like any other change.
 */



// Each test runs the CLI several times, each a process of its own that loads TypeScript.
jest.setTimeout(300_000);
describe("operations from the CLI, beside a running server", () => {
  let dir: string;
  let url: string;
  let db: Database;
  let app: Express;
  let events: EventHub;
  let watch: OutboxWatch;
  let dispatcher: WebhookDispatcher;
  let receiver: Receiver;
  let scimToken: string;
  let apiToken: string;
  let base: string;
  let server: Server;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "scim-ops-cli-"));
    url = `sqlite:${join(dir, "scim.sqlite")}`;
    expect((await cli(url, "tokens", "create", "--org", "acme", "--create-org")).code).toBe(0);
    db = openDatabase(url, { log: silentLogger() });
    const { sync, signal } = createSync();
    events = new EventHub(db, signal, silentLogger());
    watch = watchOutbox(db, { changed: (org) => signal.changed(org), warn: () => undefined });
    dispatcher = new WebhookDispatcher(db, signal, silentLogger(), {
      timeoutMs: 2000,
      concurrency: 4,
      retryForMs: 60_000,
      firstRetryMs: 100,
      pollMs: 5_000,
      allowPrivate: ["127.0.0.0/8"],
    });
    dispatcher.start();
    const limits = DEFAULT_LIMITS;
    app = createApp({ db, config: { limits }, logger: silentLogger(), sync, events });
    const acme = await ensureOrg(db.knex, "acme");
    scimToken = (await createToken(db.knex, { orgId: acme.id, kind: "scim" })).token;
    apiToken = (await createToken(db.knex, { orgId: acme.id, kind: "api" })).token;
    server = await new Promise((ok) => {
      const s = app.listen(0, "127.0.0.1", () => ok(s));
    });
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    receiver = await startReceiver();
  });
  afterAll(async () => {
    events.close();
    await dispatcher.stop(0);
    await watch.close();
    server.closeAllConnections();
    await new Promise((ok) => server.close(ok));
    await receiver.close();
    await db.close();
    await rm(dir, { recursive: true, force: true });
  });

  const scim = (method: "post" | "patch", path: string) => request(app)[method](`/scim/v2${path}`).set("Authorization", `Bearer ${scimToken}`);

  it("adds a webhook (printing its secret once), lists it, tests it, and refuses a non-https URL", async () => {
    const refused = await cli(url, "webhooks", "add", "--org", "acme", "--url", "http://hooks.example.com/x");
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/must be https/);

    // The receiver is on loopback, which webhooks reach only when WEBHOOK_ALLOW_PRIVATE lets them.
    const allowLoopback = { WEBHOOK_ALLOW_PRIVATE: "127.0.0.0/8" };
    const added = await runCli(url, ["webhooks", "add", "--org", "acme", "--url", receiver.url, "--events", "permissions.changed"], allowLoopback);
    expect(added.code).toBe(0);
    const [id, secret] = added.lines;
    expect(secret).toMatch(/^whsec_/);
    receiver.setSecret(secret ?? "");

    const listed = await cli(url, "webhooks", "list", "--org", "acme", "--json");
    expect(JSON.parse(listed.stdout)).toEqual([expect.objectContaining({ id, url: receiver.url, events: ["permissions.changed"], pausedUntil: null })]);
    expect(listed.stdout).not.toContain(secret);
    const table = await cli(url, "webhooks", "list", "--org", "acme");
    expect(table.lines).toEqual([expect.stringMatching(/^ID +URL +EVENTS +CREATED +CIRCUIT$/), expect.stringMatching(new RegExp(`^${id} +${receiver.url} +permissions\\.changed +\\S+ +closed$`))]);
    expect(table.stdout).not.toContain(secret);

    const tested = await runCli(url, ["webhooks", "test", id ?? "", "--org", "acme"], allowLoopback);
    expect(tested.code).toBe(0);
    expect(tested.lines.at(-1)).toBe(`${receiver.url}: 200 ok`);
    expect(receiver.received.at(-1)).toMatchObject({ type: "webhook.test", verified: true });
    // Without the setting, the same test is refused before anything is sent.
    const requests = receiver.requests;
    const untested = await cli(url, "webhooks", "test", id ?? "", "--org", "acme");
    expect([untested.code, untested.stderr]).toEqual([1, expect.stringMatching(/127\.0\.0\.1 is loopback \(127\.0\.0\.0\/8\)/)]);
    expect(receiver.requests).toBe(requests);
  });

  it("refuses to add a webhook to loopback, the metadata service or a private network, saying why, unless WEBHOOK_ALLOW_PRIVATE lists it", async () => {
    const add = (target: string, env: Record<string, string> = {}) => runCli(url, ["webhooks", "add", "--org", "acme", "--url", target], env);
    // One at a time: the server's dispatcher writes to the same SQLite file meanwhile.
    const loopback = await add("http://127.0.0.1:9/hooks");
    const named = await add("http://localhost:9/hooks");
    const metadata = await add("https://169.254.169.254/latest/meta-data/");
    const metadataName = await add("https://metadata.google.internal/computeMetadata/v1/");
    const mapped = await add("https://[::ffff:192.168.1.10]/hooks");
    const allowed = await add("https://10.20.30.40/hooks", { WEBHOOK_ALLOW_PRIVATE: "10.0.0.0/8" });
    expect([loopback.code, loopback.stderr]).toEqual([1, expect.stringMatching(/refused 127\.0\.0\.1:9: 127\.0\.0\.1 is loopback \(127\.0\.0\.0\/8\); .*WEBHOOK_ALLOW_PRIVATE/)]);
    expect([named.code, named.stderr]).toEqual([1, expect.stringMatching(/localhost resolves to (127\.0\.0\.1|::1), loopback/)]);
    expect([metadata.code, metadata.stderr]).toEqual([1, expect.stringMatching(/169\.254\.169\.254 is link-local \(169\.254\.0\.0\/16\), where cloud metadata services answer/)]);
    expect([metadataName.code, metadataName.stderr]).toEqual([1, expect.stringMatching(/metadata\.google\.internal is the cloud metadata service/)]);
    expect([mapped.code, mapped.stderr]).toEqual([1, expect.stringMatching(/is private \(192\.168\.0\.0\/16\)/)]);
    expect(allowed.code).toBe(0);
    const listed = await cli(url, "webhooks", "list", "--org", "acme", "--json");
    expect((JSON.parse(listed.stdout) as Array<{ url: string }>).map((hook) => hook.url)).toEqual([receiver.url, "https://10.20.30.40/hooks"]);
    expect((await cli(url, "webhooks", "remove", allowed.lines[0] ?? "", "--org", "acme")).code).toBe(0);
  });

  it("delivers a mapping applied by the CLI to an SSE subscriber of the server and to the webhook receiver", async () => {
    const ada = (await scim("post", "/Users").send(userBody("ada@acme.example"))).body as { id: string };
    const bob = (await scim("post", "/Users").send(userBody("bob@acme.example"))).body as { id: string };
    expect((await scim("post", "/Groups").send({ schemas: [CORE_GROUP], displayName: "Finance", externalId: "00g1finance", members: [{ value: ada.id }, { value: bob.id }] })).status).toBe(201);
    const stream = await openStream(base, apiToken);
    const before = receiver.received.length;
    const file = join(dir, "acme.yaml");
    await writeFile(file, MAPPING);

    const applied = await cli(url, "mapping", "apply", file, "--org", "acme", "--yes");
    expect(applied.lines.at(-1)).toBe("applied version 1: 2 member(s) changed");
    // The CLI committed before it exited; the server polls SQLite's data_version every 250 ms, so
    // the events follow within 500 ms (1 s allowed for a busy machine).
    const seen = await take(stream, 2, 1_000);
    expect(seen.map((e) => (e.data as { member: { userName: string }; cause: { kind: string } }).member.userName).sort()).toEqual(["ada@acme.example", "bob@acme.example"]);
    expect(seen.every((e) => (e.data as { cause: { kind: string; version: number } }).cause.kind === "mapping")).toBe(true);
    const hooks = await receiver.waitFor(before + 2, 5_000);
    expect(hooks.slice(before).map((m) => (m.data.cause as { kind: string }).kind)).toEqual(["mapping", "mapping"]);
    stream.close();
  });

  it("verify reports no drift on a consistent directory, finds a member whose stored permissions drifted, and repairs it audited", async () => {
    const clean = await cli(url, "verify", "--org", "acme");
    expect(clean.code).toBe(0);
    expect(clean.lines.at(-1)).toMatch(/^\d+ member\(s\) checked, 0 drifted$/);

    const { updateStoredPermissionsForTest } = await import("../support/drift");
    const ada = await updateStoredPermissionsForTest(db, "acme", "ada@acme.example");
    const drifted = await cli(url, "verify", "--org", "acme");
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(new RegExp(`^drift ada@acme\\.example \\(${ada}\\): `, "m"));
    expect(drifted.lines.at(-1)).toMatch(/1 drifted$/);

    const stream = await openStream(base, apiToken);
    const repaired = await cli(url, "verify", "--org", "acme", "--repair");
    expect(repaired.code).toBe(0);
    expect(repaired.lines.at(-1)).toMatch(/1 drifted, 1 repaired$/);
    const [event] = await take(stream, 1, 5_000);
    expect(event?.data).toMatchObject({ member: { id: ada }, cause: { kind: "cli", command: "verify --repair" }, after: { roles: ["finance"] } });
    expect((await cli(url, "verify", "--org", "acme")).code).toBe(0);
    stream.close();
  });

  it("lists failed deliveries with their last error", async () => {
    receiver.respond = () => 500;
    const { failDeliveriesForTest } = await import("../support/drift");
    await failDeliveriesForTest(db);
    const failed = await cli(url, "webhooks", "deliveries", "--org", "acme");
    expect(failed.code).toBe(0);
    expect(failed.lines.length).toBeGreaterThan(1);
    expect(failed.lines[0]).toMatch(/^ID +STATUS +EVENT +ATTEMPTS +URL +LAST ERROR$/);
    expect(failed.lines[1]).toMatch(/^msg_\S+ +failed +\d+ +\d+ +http:\/\/127\.0\.0\.1:\d+\/hooks +gone for the test$/);
    const [hook] = JSON.parse((await cli(url, "webhooks", "list", "--org", "acme", "--json")).stdout) as Array<{ id: string }>;
    const removed = await cli(url, "webhooks", "remove", hook?.id ?? "", "--org", "acme");
    expect(removed.code).toBe(0);
    expect((await cli(url, "webhooks", "list", "--org", "acme", "--json")).stdout).toBe("[]\n");
  });
});
