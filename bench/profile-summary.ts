/**
 * `npx tsx bench/profile-summary.ts <file.cpuprofile> [top]`: the top self-time functions of a
 * V8 CPU profile (from `npm run bench -- --cpu-prof`), and self time grouped by package / our file.
 */
import { readFileSync } from "node:fs";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

function ownerOf(url: string): string {
  if (url === "") return "(native / V8)";
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) {
    const rest = url.slice(nm + "node_modules/".length).split("/");
    return `npm:${rest[0]?.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]}`;
  }
  if (url.startsWith("node:")) return url;
  const main = url.indexOf("/main/");
  return main >= 0 ? url.slice(main + "/main/".length) : url;
}

function shortUrl(url: string): string {
  const nm = url.lastIndexOf("node_modules/");
  if (nm >= 0) return url.slice(nm + "node_modules/".length);
  return ownerOf(url);
}

function main(): void {
  const [file, topArg] = process.argv.slice(2);
  if (!file) throw new Error("usage: profile-summary.ts <file.cpuprofile> [top]");
  const top = Number(topArg ?? 25);
  const profile = JSON.parse(readFileSync(file, "utf8")) as Profile;
  const self = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  samples.forEach((id, i) => self.set(id, (self.get(id) ?? 0) + (deltas[i] ?? 0)));
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
  console.log(`${file}\nwall ${((profile.endTime - profile.startTime) / 1e6).toFixed(1)} s; busy ${(busy / 1e6).toFixed(1)} s, idle ${(idle / 1e6).toFixed(1)} s; shares are of busy time\n`);
  console.log("top self time by function:");
  for (const [k, t] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
  console.log("\nself time by package / file:");
  for (const [k, t] of [...byOwner].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`  ${pct(t)}  ${k}`);
}

main();
