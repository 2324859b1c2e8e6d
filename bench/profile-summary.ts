/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top] [--from-first-request | --from <frame>]`:
 * the top self-time functions of a V8 CPU profile (from `npm run bench -- --cpu-prof`), and self
 * time grouped by package / our file.
 *
 * `--from-first-request` drops the samples taken before node:http first parses an incoming request
 * (`parserOnIncoming`): the server's start (module loading, tsx compiling) is a large share of a
 * short `--quick` profile and says nothing about the requests. `--from <frame>` does the same from the first
 * sample with a frame whose function name or file contains <frame> (e.g. `applyMappingText` in a
 * profile of the bench process itself, to leave out the seeding).
 *
 * Last, busy time per layer of the server (auth, DB, render, log, metrics, express, node's HTTP, GC,
 * other; bench/lib/layers.ts says how frames are assigned), the breakdown RESULTS.md shows per request.
 */
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { LAYERS, type Profile, layerShares } from "./lib/layers";

/** This checkout's root, so our files are named relative to it wherever the repository lives. */
const ROOT = `file://${resolve(__dirname, "..")}/`;

type ProfileNode = Profile["nodes"][number] & { parent?: number };

function ownerOf(url: string): string {
  if (url === "") return "(native / V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return url;
  if (url.startsWith(ROOT)) return url.slice(ROOT.length);
  const main = url.indexOf("/main/");
  return main >= 0 ? url.slice(main + "/main/".length) : url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  return ownerOf(url);
}

function main(): void {
  const args = process.argv.slice(2);
  const fromAt = args.indexOf("--from");
  const fromFrame = args.includes("--from-first-request") ? "parserOnIncoming" : fromAt >= 0 ? args[fromAt + 1] : undefined;
  const [file, topArg] = args.filter((a, i) => !a.startsWith("--") && (fromAt < 0 || i !== fromAt + 1));
  if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top] [--from-first-request | --from <frame>]");
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile & { nodes: ProfileNode[] };
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  let first = 0;
  if (fromFrame !== undefined) {
    const byId = new Map<number, ProfileNode>(profile.nodes.map((n) => [n.id, n]));
    for (const n of profile.nodes) for (const c of n.children ?? []) {
      const child = byId.get(c);
      if (child) child.parent = n.id;
    }
    const within = (id: number): boolean => {
      for (let n = byId.get(id); n; n = n.parent === undefined ? undefined : byId.get(n.parent)) {
        if (n.callFrame.url.includes(fromFrame) || n.callFrame.functionName.includes(fromFrame)) return true;
      }
      return false;
    };
    first = samples.findIndex(within);
    if (first < 0) throw new Error(`no sample with a frame matching "${fromFrame}"`);
  }
  let skipped = 0;
  samples.forEach((id, i) => {
    if (i < first) skipped += deltas[i] ?? 0;
    else self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0));
  });
  const total = [...self.values()].reduce((a, b) => a + b, 0);
  const byNode = profile.nodes.filter((n) => n.callFrame.functionName !== "(idle)");
  const idle = profile.nodes.filter((n) => n.callFrame.functionName === "(idle)").reduce((s, n) => s + (self.get(n.id) ?? 0), 0);
  const busy = total - idle;
  const byFunction = new Map<string, number>();
  const byOwner = new Map<string, number>();
  for (const n of byNode) {
    const t = self.get(n.id) ?? 0;
    if (t === 0) continue;
    const where = n.callFrame.url ? `${shortUrl(n.callFrame.url)}:${n.callFrame.lineNumber + 1}` : "";
    const key = `${n.callFrame.functionName || "(anonymous)"} ${where}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + t);
    const owner = ownerOf(n.callFrame.url);
    byOwner.set(owner, (byOwner.get(owner) ?? 0) + t);
  }
  const pct = (t: number) => `${((100 * t) / busy).toFixed(1).padStart(5)}%`;
  const from = fromFrame !== undefined ? `; from the first sample in "${fromFrame}" (${(skipped / 1e6).toFixed(1)} s before it left out)` : "";
  console.log(`${file}\nwall ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s${from}; shares are of busy time\n`);
  console.log("top self time by function:");
  for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
  console.log("\nself time by package / file:");
  for (const [k, t] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
  const layers = layerShares(profile, fromFrame);
  console.log("\nbusy time by layer:");
  for (const layer of LAYERS) console.log(`  ${(100 * layers.shares[layer]).toFixed(1).padStart(5)}%  ${layer}`);
}

main();
