/**
 * A V8 CPU profile's busy time split by the layer of the server that spent it: auth, DB, render,
 * log, metrics, express, node's HTTP, GC, other. Each sample goes to the layer of the frame
 * nearest its leaf that names one (by file path): a statement knex builds for the token lookup is
 * DB, a hash of the token is auth, `JSON.stringify` under `scim/reply.ts` is render. Node's own
 * modules and V8's builtins name no layer, so their time goes to whoever called them; a stack that
 * reaches its root without a layer is node's HTTP (sockets, parsers, timers) or other. Idle time and
 * the profiler's own inspector session are left out of busy time.
 */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export const LAYERS = ["auth", "DB", "render", "log", "metrics", "express", "node http", "GC", "other"] as const;
export type Layer = (typeof LAYERS)[number];

/** Packages and files of each layer; the first rule that matches a frame's path wins. */
const RULES: readonly (readonly [Layer, RegExp])[] = [
  ["log", /node_modules\/(pino|pino-http|pino-std-serializers|sonic-boom|fast-redact|thread-stream|quick-format-unescaped|on-exit-leak-free|atomic-sleep)\/|\/server\/(http-log|logger)\.ts/],
  ["metrics", /node_modules\/(prom-client|tdigest|bintrees)\/|\/server\/metrics\.ts/],
  ["DB", /node_modules\/(knex|better-sqlite3|pg|pg-protocol|pg-pool|pg-types|pgpass|tarn|postgres-[a-z]+)\/|\/db\/|node:internal\/worker/],
  ["auth", /\/server\/(auth|read-cache|entra|rate-limit)\.ts|node_modules\/jose\//],
  ["render", /\/scim\/(reply|respond|projection|user-model|group-model|etag|json)\.ts|\/server\/(api-errors)\.ts/],
  [
    "express",
    /node_modules\/(express|body-parser|raw-body|router|qs|send|finalhandler|on-finished|on-headers|type-is|content-type|content-disposition|mime|mime-types|mime-db|media-typer|parseurl|accepts|negotiator|depd|iconv-lite|statuses|http-errors|encodeurl|escape-html|fresh|range-parser|proxy-addr|forwarded|ipaddr\.js|merge-descriptors|methods|path-to-regexp|utils-merge|vary|cookie|cookie-signature|etag|unpipe|bytes|side-channel|call-bind|get-intrinsic|object-inspect|serve-static)\//,
  ],
];

/** Node's sockets, HTTP parser and writer, streams and timers: what the bare answer costs as well. */
const NODE_HTTP = /^node:(_http_|net$|internal\/(streams|stream_base_commons|http|timers))/;

function layerOfUrl(url: string): Layer | null {
  if (url === "") return null;
  for (const [layer, pattern] of RULES) if (pattern.test(url)) return layer;
  // Our own files outside the layers above (handlers, routers, authorize's logic) and other packages.
  if (url.startsWith("node:")) return null;
  return "other";
}

export interface LayerShares {
  /** Busy time (µs): every sample but (idle). */
  readonly busyMicros: number;
  /** Share of busy time per layer, 0..1; they sum to 1. */
  readonly shares: Readonly<Record<Layer, number>>;
}

/**
 * `from`: drop the samples before the first whose stack holds a frame named so (e.g.
 * `parserOnIncoming`, the first request), to leave out the server's start.
 */
export function layerShares(profile: Profile, from?: string): LayerShares {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const cache = new Map<number, Layer | "idle">();
  const classify = (id: number): Layer | "idle" => {
    const known = cache.get(id);
    if (known !== undefined) return known;
    const leaf = byId.get(id);
    let layer: Layer | "idle" | null = null;
    const name = leaf?.callFrame.functionName ?? "";
    if (name === "(idle)") layer = "idle";
    else if (name === "(garbage collector)") layer = "GC";
    for (let at: number | undefined = id; layer === null && at !== undefined; at = parent.get(at)) {
      const url = byId.get(at)?.callFrame.url ?? "";
      // The profiler's own session (bench/lib/child.ts) is no work of the server's.
      layer = url === "node:inspector" ? "idle" : NODE_HTTP.test(url) ? "node http" : layerOfUrl(url);
    }
    if (layer === null) layer = "other";
    cache.set(id, layer);
    return layer;
  };
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let first = 0;
  if (from !== undefined) {
    const within = (id: number): boolean => {
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const frame = byId.get(at)?.callFrame;
        if (frame && (frame.functionName.includes(from) || frame.url.includes(from))) return true;
      }
      return false;
    };
    first = Math.max(0, samples.findIndex(within));
  }
  const totals = Object.fromEntries(LAYERS.map((l) => [l, 0])) as Record<Layer, number>;
  let busy = 0;
  for (let i = first; i < samples.length; i++) {
    const layer = classify(samples[i] ?? -1);
    const dt = deltas[i] ?? 0;
    if (layer === "idle") continue;
    totals[layer] += dt;
    busy += dt;
  }
  const shares = Object.fromEntries(LAYERS.map((l) => [l, busy > 0 ? totals[l] / busy : 0])) as Record<Layer, number>;
  return { busyMicros: busy, shares };
}
