/**
 * Okta's import, measured whole: the whole directory read as Okta's provisioning reads it, one
 * `GET /Users?startIndex=…&count=200` after the other on one connection until a page comes back
 * short, and every user received exactly once. Beside it, the bare-express ceiling serving the
 * same number of responses of the same sizes, one after the other, so that the noise of a shared
 * machine can be told from the server's own cost.
 */
import { expectStatus, send } from "../lib/http";
import type { Proc } from "../lib/procs";
import type { Row } from "../lib/row";
import { median, percentile } from "../lib/stats";

export interface ImportOptions {
  /** Users per page; Okta asks for 200. */
  readonly pageSize: number;
  /** Users the directory holds: the import must return each of them once. */
  readonly expected: number;
  /** Whole-import target in seconds; none for a scaled-down directory. */
  readonly targetSeconds: number | null;
}

const fmt = (n: number): string => (Number.isNaN(n) ? "—" : n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

function readPage(body: string): { total: number; ids: string[] } {
  const parsed: unknown = JSON.parse(body);
  if (typeof parsed !== "object" || parsed === null || !("totalResults" in parsed) || !("Resources" in parsed)) throw new Error(`import: not a ListResponse: ${body.slice(0, 200)}`);
  const { totalResults, Resources } = parsed;
  if (typeof totalResults !== "number" || !Array.isArray(Resources)) throw new Error(`import: not a ListResponse: ${body.slice(0, 200)}`);
  const ids = Resources.map((r: unknown) => (typeof r === "object" && r !== null && "id" in r && typeof r.id === "string" ? r.id : ""));
  return { total: totalResults, ids };
}

export async function oktaImport(ours: Proc, ceiling: Proc, headers: Record<string, string>, options: ImportOptions): Promise<Row> {
  const pageMs: number[] = [];
  const pageBytes: number[] = [];
  const seen = new Set<string>();
  let total = -1;
  const s0 = await ours.stats();
  const t0 = performance.now();
  for (let startIndex = 1; ; startIndex += options.pageSize) {
    const reply = expectStatus(await send(ours.base, "GET", `/scim/v2/Users?startIndex=${startIndex}&count=${options.pageSize}`, { headers }), 200, `import page at ${startIndex}`);
    pageMs.push(reply.ms);
    pageBytes.push(Buffer.byteLength(reply.body));
    const page = readPage(reply.body);
    if (total === -1) total = page.total;
    else if (page.total !== total) throw new Error(`import: totalResults changed from ${total} to ${page.total} during a read-only import`);
    for (const id of page.ids) {
      if (id === "" || seen.has(id)) throw new Error(`import: page at ${startIndex} repeats or lacks an id`);
      seen.add(id);
    }
    if (page.ids.length < options.pageSize) break;
  }
  const seconds = (performance.now() - t0) / 1000;
  // The server's own CPU time: on a shared machine the wall time also holds other processes' turns.
  const serverCpuSeconds = ((await ours.stats()).cpuMicros - s0.cpuMicros) / 1e6;
  if (seen.size !== options.expected || total !== options.expected) throw new Error(`import: received ${seen.size} users, totalResults ${total}, expected ${options.expected}`);

  // The ceiling answers the same sequence of response sizes, one after the other.
  const c0 = performance.now();
  for (const bytes of pageBytes) expectStatus(await send(ceiling.base, "GET", `/bytes/${bytes}`), 200, "ceiling page");
  const ceilingSeconds = (performance.now() - c0) / 1000;

  const p50 = median(pageMs);
  const p99 = percentile(pageMs, 99);
  const first = pageMs[0] ?? Number.NaN;
  const last = pageMs[pageMs.length - 1] ?? Number.NaN;
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] import: ${fmt(seconds)} s for ${pageMs.length} pages (page p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms), server CPU ${fmt(serverCpuSeconds)} s; ceiling ${fmt(ceilingSeconds)} s\n`);
  const limit = options.targetSeconds;
  const met = limit === null ? null : seconds <= limit;
  return {
    key: "import",
    scenario: `Okta-style import: all ${options.expected.toLocaleString("en")} users, GET /Users?startIndex=…&count=${options.pageSize} one page after the other`,
    ours: `${fmt(seconds)} s for ${pageMs.length} pages, server CPU ${fmt(serverCpuSeconds)} s (page p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms; first ${fmt(first)} ms, last ${fmt(last)} ms)`,
    ceiling: `${fmt(ceilingSeconds)} s for the same ${pageMs.length} response sizes`,
    naive: "—",
    ratio: ceilingSeconds / seconds,
    target: limit === null ? "(full size only)" : `≤ ${limit} s`,
    met,
    note: limit === null || seconds <= limit ? "" : `missed: ${fmt(seconds)} vs ≤ ${limit} s (${fmt(seconds / limit)}× the limit)`,
    data: { seconds, serverCpuSeconds, ceilingSeconds, pages: pageMs.length, users: seen.size, pageSize: options.pageSize, p50, p99, first, last, bytes: pageBytes.reduce((s, b) => s + b, 0) },
  };
}
