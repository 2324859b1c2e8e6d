// BASELINE — NOT OUR SERVER. The naive peer for bench/run.ts: scimmy-routers in its default
// in-memory style (see README.md beside this file). CommonJS throughout, express 4.
"use strict";
const express = require("express");
const { SCIMMY, SCIMMYRouters } = require("scimmy-routers");

const TOKEN = process.env.NAIVE_TOKEN || "naive-token";
/** @type {Map<string, any>} */
const users = new Map();
/** @type {Map<string, any>} */
const groups = new Map();
let next = 0;

const now = () => new Date().toISOString();
const notFound = (id) => new SCIMMY.Types.Error(404, null, `Resource ${id} not found`);

function userOf(id, i) {
  return {
    id,
    userName: `user${i}@bench.example`,
    name: { givenName: "Bench", familyName: `User ${i}` },
    emails: [{ value: `user${i}@bench.example`, type: "work", primary: true }],
    active: true,
    meta: { created: now(), lastModified: now() },
  };
}

SCIMMY.Resources.declare(SCIMMY.Resources.User)
  .ingress((resource, instance) => {
    if (resource.id) {
      const existing = users.get(resource.id);
      if (!existing) throw notFound(resource.id);
      const updated = { ...instance, id: resource.id, meta: { created: existing.meta.created, lastModified: now() } };
      users.set(resource.id, updated);
      return updated;
    }
    const id = `n-${++next}`;
    const created = { ...instance, id, meta: { created: now(), lastModified: now() } };
    users.set(id, created);
    return created;
  })
  .egress((resource) => {
    if (resource.id) {
      const user = users.get(resource.id);
      if (!user) throw notFound(resource.id);
      return user;
    }
    const all = [...users.values()];
    return resource.filter ? resource.filter.match(all) : all;
  })
  .degress((resource) => {
    if (!users.delete(resource.id)) throw notFound(resource.id);
  });

SCIMMY.Resources.declare(SCIMMY.Resources.Group)
  .ingress((resource, instance) => {
    if (resource.id) {
      const existing = groups.get(resource.id);
      if (!existing) throw notFound(resource.id);
      const updated = { ...instance, id: resource.id, members: instance.members ?? [], meta: { created: existing.meta.created, lastModified: now() } };
      groups.set(resource.id, updated);
      return updated;
    }
    const id = `ng-${++next}`;
    const created = { ...instance, id, members: instance.members ?? [], meta: { created: now(), lastModified: now() } };
    groups.set(id, created);
    return created;
  })
  .egress((resource) => {
    if (resource.id) {
      const group = groups.get(resource.id);
      if (!group) throw notFound(resource.id);
      return group;
    }
    const all = [...groups.values()];
    return resource.filter ? resource.filter.match(all) : all;
  })
  .degress((resource) => {
    if (!groups.delete(resource.id)) throw notFound(resource.id);
  });

const app = express();
app.disable("x-powered-by");

// Bench only: fill the directory without 100k HTTP requests.
app.post("/__bench/seed", express.json({ limit: "1mb", type: () => true }), (req, res) => {
  const { users: count = 0, groups: wanted = [] } = req.body || {};
  for (let i = 0; i < count; i++) users.set(`u-${i}`, userOf(`u-${i}`, i));
  for (const g of wanted) {
    const members = [];
    for (let i = 0; i < g.size; i++) members.push({ value: `u-${i}`, display: `user${i}@bench.example` });
    groups.set(g.id, { id: g.id, displayName: g.id, members, meta: { created: now(), lastModified: now() } });
  }
  res.json({ users: users.size, groups: groups.size });
});

app.use(
  "/scim/v2",
  new SCIMMYRouters({
    type: "bearer",
    handler: (request) => {
      if (request.header("Authorization") !== `Bearer ${TOKEN}`) throw new Error("Authorization not detected!");
      return "bench";
    },
  }),
);

const server = app.listen(0, "127.0.0.1", () => {
  process.on("message", (message) => {
    if (message && message.type === "stats") {
      const cpu = process.cpuUsage();
      process.send({ type: "stats", rss: process.memoryUsage().rss, cpuMicros: cpu.user + cpu.system });
    } else if (message && message.type === "exit") {
      server.close();
      server.closeAllConnections();
      process.exit(0);
    }
  });
  process.on("disconnect", () => process.exit(0));
  process.send({ type: "ready", port: server.address().port });
});
