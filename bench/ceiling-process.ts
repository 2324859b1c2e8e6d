/**
 * BASELINE, not our server: the ceiling. A bare express 4 app on the same Node answering a JSON
 * body of the requested size (`/bytes/<n>`), parsing a JSON request body when there is one, as
 * our routes do. Ratios in RESULTS.md are ours ÷ this.
 */
import express from "express";
import type { AddressInfo } from "node:net";
import { attachStatsChannel } from "./lib/child";

const bodies = new Map<number, string>();

function bodyOf(size: number): string {
  let body = bodies.get(size);
  if (body === undefined) {
    const pad = Math.max(0, size - '{"pad":""}'.length);
    body = JSON.stringify({ pad: "x".repeat(pad) });
    bodies.set(size, body);
  }
  return body;
}

const app = express();
app.disable("x-powered-by");
app.set("etag", false);
app.all("/bytes/:n", express.json({ type: () => true }), (req, res) => {
  res.status(200).type("application/scim+json; charset=utf-8").send(bodyOf(Number(req.params.n ?? 0)));
});
const server = app.listen(0, "127.0.0.1", () => {
  attachStatsChannel(async () => {
    server.close();
    server.closeAllConnections();
  });
  process.send?.({ type: "ready", port: (server.address() as AddressInfo).port });
});
