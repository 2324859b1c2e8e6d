/**
 * `npm run bench [-- --quick] [--db sqlite|pg] [--only a,b] [--cpu-prof]`
 *
 * Runs every benchmark scenario on SQLite and on PostgreSQL, each beside its baselines measured
 * in the same run: the ceiling (bench/ceiling-process.ts, bare express answering a body of the
 * same size) and the naive peer (bench/naive-peer/, scimmy-routers in-memory). Our server, the
 * ceiling and the peer each run in their own process; this process is the load generator, and
 * its CPU share is reported. Writes bench/RESULTS.md and bench/results/<date>-<db>.json.
 */
import type { Row } from "./lib/row";
import { randomBytes } from "node:crypto";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join, resolve } from "node:path";
import knexFactory from "knex";
import { type Database, openDatabase } from "../db/connection";
import { migrateToLatest } from "../db/migrate";
import { ensureOrg } from "../db/orgs";
import { createToken } from "../db/tokens";
import { createSync } from "../server/bootstrap";
import { applyMappingText, planMappingText, refusalLines } from "../roles";
import { expectStatus, send } from "./lib/http";
import { type LoadResult, type LoadSpec, load } from "./lib/load";
import { type Proc, startProc } from "./lib/procs";
import { openEvents } from "./lib/sse";
import { LAYERS, type Layer, layerShares } from "./lib/layers";
import { median, percentile } from "./lib/stats";
import { oktaImport } from "./scenarios/import";
import { type Seeded, seedDirectory, userNameOf } from "./seed";
import { replicaScenarios } from "./scenarios/staleness";
import { fullSync, syncGroupKey } from "./sync";

// ---------------------------------------------------------------- options and sizes
const argv = process.argv.slice(2);
const QUICK = argv.includes("--quick");
const CPU_PROF = argv.includes("--cpu-prof");
const argOf = (name: string): string | undefined => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : undefined;
};
const ONLY = argOf("--only")?.split(",") ?? null;
const DBS = (argOf("--db")?.split(",") ?? ["sqlite", "pg"]) as ("sqlite" | "pg")[];
const PG_URL = process.env.BENCH_PG_URL ?? "postgres://postgres@127.0.0.1:5432/test";
const wants = (key: string): boolean => ONLY === null || ONLY.includes(key);
/**
 * A full-size run of some scenarios or of one database (e.g. for `--cpu-prof`) is not the reference
 * run: it writes RESULTS-partial.md and *-partial.json, so that it cannot replace bench/RESULTS.md
 * and the committed JSON with a table of two rows.
 */
const PARTIAL = !QUICK && (ONLY !== null || !(DBS.includes("sqlite") && DBS.includes("pg")));

const SIZES = QUICK
  ? { users: 10_000, spares: 200, small: 10, mid: 1_000, large: 10_000, half: 5_000, runs: 2, seconds: 0.75, warm: 0.25, patchPairs: 20, eventPairs: 30, mappingRounds: 2,
      sync: { users: 1_000, groups: 10, perGroup: 300, batch: 100, clients: 8 }, naiveSlowCap: { requests: 1, ms: 3_000 } }
  : { users: 100_000, spares: 1_000, small: 10, mid: 10_000, large: 100_000, half: 50_000, runs: 3, seconds: 2, warm: 1, patchPairs: 60, eventPairs: 100, mappingRounds: 2,
      sync: { users: 100_000, groups: 1_000, perGroup: 300, batch: 100, clients: 8 }, naiveSlowCap: { requests: 2, ms: 20_000 } };
const CONNECTIONS = 10;
/**
 * The targets, per database: SQLite, then PostgreSQL (÷ bare express in the same run, or seconds).
 * authorize's p99 is bounded relative to the ceiling's p99 in the same run, not in milliseconds:
 * on a shared 2-core machine every process's tail moves with the load.
 */
const TARGETS = {
  getUser: { sqlite: 0.45, pg: 0.35 },
  filter: { sqlite: 0.4, pg: 0.3 },
  page: { sqlite: 0.3, pg: 0.2 },
  deepPageToFirst: 3,
  authorize: { sqlite: 0.5, pg: 0.35 },
  authorizeP99ToCeiling: { sqlite: 2, pg: 3 },
  postUser: { sqlite: 0.2, pg: 0.15 },
  mappingApplySeconds: { sqlite: 1.5, pg: 2.5 },
  mappingPlanSeconds: 2,
  syncSeconds: { sqlite: 60, pg: 90 },
  rssMb: 300,
} as const;
/**
 * The full sync is measured whole by default. `--sync-capped` caps each phase (seconds) and
 * projects the total from the measured rates, for a run that cannot spare the sync's minutes.
 */
const SYNC_CAPS = QUICK || !argv.includes("--sync-capped") ? null : { users: 100, groups: 15, members: 40 };
/**
 * The scenarios whose server CPU per request is broken down by layer: after the measured runs, one
 * more run of the same length with the server's main thread profiled (node:inspector), whose busy
 * time per layer (bench/lib/layers.ts) splits the µs per request of the unprofiled runs.
 */
const BUDGETED = new Set(["GET /Users/{id}", "filter", "page 1", "authorize", "POST /Users"]);

const MAPPING = (halfRole: "half-a" | "half-b") => `version: 1
primaryOwner: owner@bench.example
roles:
  small:
    admin: { billing: view }
  big:
    admin: { libraries: view }
  half-a:
    admin: { analytics: view }
  half-b:
    admin: { analytics: manage, privacy: view }
mappings:
  - group: { externalId: "g-small" }
    roles: [small]
  - group: { externalId: "g-mid" }
    roles: [small]
  - group: { externalId: "g-large" }
    roles: [big]
  - group: { externalId: "g-half" }
    roles: [${halfRole}]
`;

const SYNC_MAPPING = `version: 1
primaryOwner: sync0@contoso.example
roles:
  finance:
    admin: { billing: manage, analytics: view }
  auditor:
    admin: { identity_access: view }
mappings:
${Array.from({ length: 10 }, (_, g) => `  - group: { externalId: "${syncGroupKey(g * 5)}" }\n    roles: [${g % 2 === 0 ? "finance" : "auditor"}]`).join("\n")}
  - group: { externalId: "${syncGroupKey(1)}" }
    orgRole: admin
`;

// ---------------------------------------------------------------- results

interface DbReport {
  readonly db: "sqlite" | "pg";
  readonly version: string;
  readonly rows: Row[];
  readonly budgets: Budget[];
  readonly generatorCpu: number[];
  readonly serverCpu: number[];
  readonly seconds: number;
}

/** Server CPU per request, and where it went (µs per layer), for one scenario. */
interface Budget {
  readonly scenario: string;
  /** Our server process's CPU time (all threads) ÷ requests answered, over the measured runs. */
  readonly oursMicros: number;
  /** The same for the ceiling, answering a body of the same size. */
  readonly ceilingMicros: number;
  /**
   * µs per request per layer of the main thread: the profiled run's shares of its busy time × the
   * main thread's CPU per request; null when profiling failed.
   */
  readonly layers: Readonly<Record<Layer, number>> | null;
  /** µs per request on the other threads (the SQLite thread, GC helpers, libuv's pool); null without /proc. */
  readonly otherThreadsMicros: number | null;
}

const fmtRps = (r: LoadResult | null): string => (r === null ? "—" : `${fmt(r.rps)} req/s (p50 ${fmt(r.p50)} ms, p99 ${fmt(r.p99)} ms)`);
const fmt = (n: number): string => (Number.isNaN(n) ? "—" : n >= 100 ? String(Math.round(n)) : n >= 10 ? n.toFixed(1) : n.toFixed(2));
const missBy = (actual: number, limit: number, higherIsBetter: boolean): string =>
  higherIsBetter ? `missed: ${fmt(actual)} vs ≥ ${fmt(limit)} (${Math.round((1 - actual / limit) * 100)}% short)` : `missed: ${fmt(actual)} vs ≤ ${fmt(limit)} (${fmt(actual / limit)}× the limit)`;

function log(message: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

// ---------------------------------------------------------------- measuring
let failures = 0;

/**
 * A scenario that throws (a 500 from the server, a refused request, a crash) is reported as a
 * failed row and the run goes on: one broken scenario must not cost the other minutes of
 * measurement. The process still exits non-zero.
 */
async function guarded(rows: Row[], key: string, scenario: string, work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    failures += 1;
    const full = (err instanceof Error ? err.message : String(err)).replace(/\s+/g, " ");
    // knex puts the whole statement before the database's message: keep both ends.
    const message = full.length > 300 ? `${full.slice(0, 120)} … ${full.slice(-160)}` : full;
    log(`FAILED ${scenario}: ${message}`);
    rows.push({ key, scenario, ours: `**failed**: ${message.replace(/\|/g, "\\|")}`, ceiling: "—", naive: "—", ratio: null, target: "—", met: false, note: "the scenario threw; see the run's log", data: { error: full.slice(0, 2000) } });
  }
}
function medianResult(results: LoadResult[]): LoadResult {
  return {
    rps: median(results.map((r) => r.rps)),
    p50: median(results.map((r) => r.p50)),
    p99: median(results.map((r) => r.p99)),
    requests: results.reduce((s, r) => s + r.requests, 0),
    errors: results.reduce((s, r) => s + r.errors, 0),
    non2xx: results.reduce((s, r) => s + r.non2xx, 0),
    generatorCpu: median(results.map((r) => r.generatorCpu)),
    bytesPerResponse: median(results.map((r) => r.bytesPerResponse)),
  };
}

interface Side {
  readonly spec: Omit<LoadSpec, "connections" | "seconds">;
  readonly proc: Proc;
}

/**
 * A request that takes the naive peer longer than this is measured sequentially and capped
 * (count and time) instead of under 10 connections, which would only queue minutes of work.
 */
const SLOW_MS = 250;

async function sequentialCapped(side: Side, cap: { requests: number; ms: number }, first: number): Promise<LoadResult & { capped: true }> {
  // The probe that found the peer slow is the first sample: a 100k-user list can take it half a minute.
  const latencies: number[] = [first];
  const cpu0 = process.cpuUsage();
  const t0 = performance.now() - first;
  let non2xx = 0;
  while (latencies.length < cap.requests && performance.now() - t0 < cap.ms) {
    const path = typeof side.spec.path === "string" ? side.spec.path : side.spec.path();
    const reply = await send(side.spec.base, side.spec.method, path, { ...(side.spec.body ? { body: side.spec.body() } : {}), ...(side.spec.headers ? { headers: side.spec.headers } : {}) });
    if (reply.status >= 300) non2xx += 1;
    latencies.push(reply.ms);
  }
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  return { rps: (latencies.length * 1000) / wall, p50: median(latencies), p99: Math.max(...latencies), requests: latencies.length, errors: 0, non2xx, generatorCpu: (cpu.user + cpu.system) / (wall * 1000), bytesPerResponse: 0, capped: true };
}

interface Compared {
  readonly ours: LoadResult;
  readonly ceiling: LoadResult;
  readonly naive: (LoadResult & { capped?: true }) | null;
  readonly serverCpu: number;
  readonly budget: Budget;
  readonly bodyBytes: number;
  readonly baselinesFrom: string;
}

/**
 * The naive peer keeps nothing in a database, so it is measured once per run (during the first
 * database's pass) and its figures are shown again for the second. In --quick mode the ceiling is
 * reused the same way, to stay within two minutes; in the full run it is measured beside every
 * scenario on every database.
 */
const baselineCache = new Map<string, { ceiling: LoadResult | null; naive: (LoadResult & { capped?: true }) | null; ceilingMicros: number; measuredOn: string }>();

/** ours, ceiling and naive peer interleaved run by run; medians of the runs. */
async function compare(name: string, ours: Side, ceiling: Proc, naiveSide: Side | null, report: DbReport): Promise<Compared> {
  const cached = baselineCache.get(name);
  const naive = cached ? null : naiveSide;
  const measureCeiling = !(QUICK && cached?.ceiling);
  const samplePath = typeof ours.spec.path === "string" ? ours.spec.path : ours.spec.path();
  const probe = await send(ours.spec.base, ours.spec.method, samplePath, { ...(ours.spec.body ? { body: ours.spec.body() } : {}), ...(ours.spec.headers ? { headers: ours.spec.headers } : {}) });
  if (probe.status >= 300) throw new Error(`${name}: probe answered ${probe.status} ${probe.body.slice(0, 300)}`);
  const bodyBytes = Buffer.byteLength(probe.body);
  const ceilingSide: Side = { proc: ceiling, spec: { base: ceiling.base, method: ours.spec.method, path: `/bytes/${bodyBytes}`, ...(ours.spec.body ? { body: ours.spec.body } : {}) } };
  let naiveSlow = false;
  let naiveProbeMs = 0;
  if (naive) {
    const samplePathNaive = typeof naive.spec.path === "string" ? naive.spec.path : naive.spec.path();
    const p = await send(naive.spec.base, naive.spec.method, samplePathNaive, { ...(naive.spec.body ? { body: naive.spec.body() } : {}), ...(naive.spec.headers ? { headers: naive.spec.headers } : {}) });
    if (p.status >= 300) throw new Error(`${name} (naive peer): probe answered ${p.status} ${p.body.slice(0, 300)}`);
    naiveSlow = p.ms > SLOW_MS;
    naiveProbeMs = p.ms;
  }
  const run = (side: Side, seconds: number) => load({ ...side.spec, connections: CONNECTIONS, seconds });
  await run(ours, SIZES.warm);
  if (measureCeiling) await run(ceilingSide, SIZES.warm);
  if (naive && !naiveSlow) await run(naive, SIZES.warm);
  const oursRuns: LoadResult[] = [];
  const ceilingRuns: LoadResult[] = [];
  const naiveRuns: LoadResult[] = [];
  const serverCpu: number[] = [];
  let oursCpuMicros = 0;
  let oursMainMicros: number | null = 0;
  let ceilingCpuMicros = 0;
  let ceilingRequests = 0;
  let naiveCapped: (LoadResult & { capped: true }) | null = null;
  for (let r = 0; r < SIZES.runs; r++) {
    const s0 = await ours.proc.stats();
    const t0 = performance.now();
    const result = await run(ours, SIZES.seconds);
    const s1 = await ours.proc.stats();
    serverCpu.push((s1.cpuMicros - s0.cpuMicros) / ((performance.now() - t0) * 1000));
    oursCpuMicros += s1.cpuMicros - s0.cpuMicros;
    oursMainMicros = oursMainMicros === null || s0.mainThreadCpuMicros === null || s1.mainThreadCpuMicros === null ? null : oursMainMicros + s1.mainThreadCpuMicros - s0.mainThreadCpuMicros;
    oursRuns.push(result);
    if (measureCeiling) {
      const c0 = await ceiling.stats();
      const ceilingResult = await run(ceilingSide, SIZES.seconds);
      ceilingCpuMicros += (await ceiling.stats()).cpuMicros - c0.cpuMicros;
      ceilingRequests += ceilingResult.requests;
      ceilingRuns.push(ceilingResult);
    }
    if (naive && !naiveSlow) naiveRuns.push(await run(naive, SIZES.seconds));
    if (naive && naiveSlow && r === 0) naiveCapped = await sequentialCapped(naive, SIZES.naiveSlowCap, naiveProbeMs);
  }
  const measuredNaive = naiveCapped ?? (naiveRuns.length > 0 ? medianResult(naiveRuns) : null);
  const oursRequests = Math.max(1, oursRuns.reduce((n, r) => n + r.requests, 0));
  const oursMicros = oursCpuMicros / oursRequests;
  // The main thread's share, capped by the total: /proc counts in 10 ms ticks, cpuUsage in µs.
  const mainMicros = oursMainMicros === null ? null : Math.min(oursMicros, oursMainMicros / oursRequests);
  const ceilingMicros = ceilingRequests > 0 ? ceilingCpuMicros / ceilingRequests : (cached?.ceilingMicros ?? Number.NaN);
  let layers: Budget["layers"] = null;
  if (BUDGETED.has(name)) {
    const profiling = await ours.proc.profile();
    await run(ours, SIZES.seconds);
    const profile = await profiling.stop();
    if (profile) {
      // Kept for `npx tsx bench/profile-summary.ts` (bench/profiles/ is not committed).
      const dir = resolve(__dirname, "profiles", `${report.db}-layers`);
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, `${name.replace(/[^\w]+/g, "-")}.cpuprofile`), JSON.stringify(profile));
      const { shares } = layerShares(profile);
      layers = Object.fromEntries(LAYERS.map((l) => [l, shares[l] * (mainMicros ?? oursMicros)])) as Record<Layer, number>;
    }
  }
  const budget: Budget = { scenario: name, oursMicros, ceilingMicros, layers, otherThreadsMicros: mainMicros === null ? null : oursMicros - mainMicros };
  const compared: Compared = {
    ours: medianResult(oursRuns),
    ceiling: measureCeiling ? medianResult(ceilingRuns) : (cached?.ceiling ?? medianResult([])),
    naive: cached ? cached.naive : measuredNaive,
    serverCpu: median(serverCpu),
    budget,
    bodyBytes,
    baselinesFrom: cached ? (measureCeiling ? `naive peer measured during the ${cached.measuredOn} pass` : `ceiling and naive peer measured during the ${cached.measuredOn} pass`) : "this pass",
  };
  if (!cached) baselineCache.set(name, { ceiling: compared.ceiling, naive: compared.naive, ceilingMicros, measuredOn: report.db });
  if (BUDGETED.has(name)) report.budgets.push(budget);
  report.generatorCpu.push(...oursRuns.map((r) => r.generatorCpu));
  report.serverCpu.push(...serverCpu);
  if (compared.ours.errors > 0 || compared.ours.non2xx > 0) log(`WARNING ${name}: ${compared.ours.errors} errors, ${compared.ours.non2xx} non-2xx`);
  log(`${name}: ours ${fmtRps(compared.ours)} | ceiling ${fmtRps(compared.ceiling)} | naive ${naiveText(compared.naive)} | server CPU ${fmt(oursMicros)} µs/request (ceiling ${fmt(ceilingMicros)})${layers ? `: ${LAYERS.map((l) => `${l} ${fmt(layers?.[l] ?? 0)}`).join(", ")}` : ""}${budget.otherThreadsMicros !== null ? `; other threads ${fmt(budget.otherThreadsMicros)}` : ""}`);
  return compared;
}

function naiveText(n: (LoadResult & { capped?: true }) | null): string {
  if (n === null) return "—";
  if (n.capped) return `${fmt(n.rps)} req/s, p50 ${fmt(n.p50)} ms (sequential, capped at ${n.requests} request${n.requests === 1 ? "" : "s"})`;
  return fmtRps(n);
}

function throughputRow(key: string, scenario: string, c: Compared, minRatio: number, extra: { p99ToCeiling?: number } = {}): Row {
  const ratio = c.ours.rps / c.ceiling.rps;
  const problems: string[] = [];
  if (ratio < minRatio) problems.push(missBy(ratio, minRatio, true) + " of ceiling");
  const p99Ratio = c.ours.p99 / c.ceiling.p99;
  if (extra.p99ToCeiling !== undefined && !(p99Ratio <= extra.p99ToCeiling)) problems.push(`p99 ${missBy(p99Ratio, extra.p99ToCeiling, false)} of the ceiling's p99`);
  return {
    key,
    scenario,
    ours: fmtRps(c.ours),
    ceiling: fmtRps(c.ceiling),
    naive: naiveText(c.naive),
    // Unrounded: the table and the note each round it once, and so agree (0.2546 showed as 0.26 beside "missed: 0.25").
    ratio,
    target: `≥ ${minRatio} × ceiling${extra.p99ToCeiling !== undefined ? `; p99 ≤ ${extra.p99ToCeiling} × the ceiling's p99` : ""}`,
    met: problems.length === 0,
    note: problems.join("; ") + (c.ours.errors + c.ours.non2xx > 0 ? ` (${c.ours.errors} errors, ${c.ours.non2xx} non-2xx)` : ""),
    data: { ...c, naiveRatioToCeiling: c.naive ? c.naive.rps / c.ceiling.rps : null },
  };
}

/**
 * What usage counting (server/analytics.ts) costs authorize: two fresh servers on the same
 * database, one counting and one not, each warmed alike (the same hot members in memory), then
 * measured alternately with the same questions; medians of the runs. Counting is nested Map
 * increments per decision and a flush every 10 s. (Against the server that ran the scenarios
 * before, a fresh one measured its cold cache, not counting.)
 */
async function countingCost(kind: "sqlite" | "pg", url: string, spec: Omit<LoadSpec, "connections" | "seconds">): Promise<Row> {
  const off = await startProc(`server (${kind}-read, not counting)`, "server-process.ts", { env: { BENCH_DATABASE_URL: url } });
  const on = await startProc(`server (${kind}-read, counting)`, "server-process.ts", { env: { BENCH_DATABASE_URL: url, BENCH_ANALYTICS: "1" } });
  try {
    const run = (proc: Proc, seconds: number) => load({ ...spec, base: proc.base, connections: CONNECTIONS, seconds });
    for (let i = 0; i < 3; i++) {
      await run(off, SIZES.warm);
      await run(on, SIZES.warm);
    }
    const offRuns: LoadResult[] = [];
    const onRuns: LoadResult[] = [];
    // The machine is shared: its load drifts by more than counting costs. So the runs come in
    // pairs, close in time, which goes first alternating, and the figure is the median of the
    // pairs' ratios, beside the medians of each side.
    const pairs = Math.max(SIZES.runs, 10);
    for (let i = 0; i < pairs; i++) {
      if (i % 2 === 0) {
        offRuns.push(await run(off, SIZES.seconds));
        onRuns.push(await run(on, SIZES.seconds));
      } else {
        onRuns.push(await run(on, SIZES.seconds));
        offRuns.push(await run(off, SIZES.seconds));
      }
    }
    const [offResult, onResult] = [medianResult(offRuns), medianResult(onRuns)];
    const ratio = median(onRuns.map((r, i) => r.rps / (offRuns[i]?.rps ?? r.rps)));
    log(`authorize-counting: on ${fmtRps(onResult)} | off ${fmtRps(offResult)} | on ÷ off ${fmt(ratio)}`);
    const minRatio = 0.95;
    return {
      key: "authorize-counting",
      scenario: "POST /api/v1/authorize, 500 members: usage counting on vs off (two servers on one database, runs alternated)",
      ours: `on ${fmtRps(onResult)}; off ${fmtRps(offResult)}`,
      ceiling: "—",
      naive: "n/a (no such API)",
      ratio: null,
      target: `on ≥ ${minRatio} × off`,
      met: ratio >= minRatio,
      note: `on ÷ off = ${fmt(ratio)} (median of ${pairs} paired runs' ratios)${ratio >= minRatio ? "" : ` — ${missBy(ratio, minRatio, true)}`}`,
      data: { on: onResult, off: offResult, onRuns, offRuns, ratio },
    };
  } finally {
    await on.stop();
    await off.stop();
  }
}

// ---------------------------------------------------------------- databases
interface BenchDb {
  readonly kind: "sqlite" | "pg";
  readonly url: string;
  open(): Database;
  drop(): Promise<void>;
}

async function createBenchDb(kind: "sqlite" | "pg", label: string): Promise<BenchDb> {
  const suffix = `${label}_${randomBytes(4).toString("hex")}`;
  if (kind === "sqlite") {
    const path = join(os.tmpdir(), `scim-bench-${suffix}.sqlite`);
    return {
      kind,
      url: `sqlite:${path}`,
      open: () => openDatabase(`sqlite:${path}`),
      drop: async () => {
        for (const ext of ["", "-wal", "-shm"]) rmSync(`${path}${ext}`, { force: true });
      },
    };
  }
  const name = `scim_bench_${suffix}`;
  const admin = knexFactory({ client: "pg", connection: PG_URL, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name}`);
  const url = new URL(PG_URL);
  url.pathname = `/${name}`;
  return {
    kind,
    url: url.toString(),
    open: () => openDatabase(url.toString()),
    drop: async () => {
      await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await admin.destroy();
    },
  };
}

async function databaseVersion(db: Database): Promise<string> {
  if (db.dialect === "pg") {
    const r = (await db.knex.raw("SHOW server_version")) as { rows: { server_version: string }[] };
    return `PostgreSQL ${r.rows[0]?.server_version ?? "?"}`;
  }
  const r = (await db.knex.raw("SELECT sqlite_version() AS v")) as { v: string }[];
  return `SQLite ${r[0]?.v ?? "?"} (better-sqlite3, WAL, synchronous=NORMAL)`;
}

async function startOurs(url: string, label: string): Promise<Proc> {
  const profDir = CPU_PROF ? resolve(__dirname, "profiles", label) : undefined;
  if (profDir) mkdirSync(profDir, { recursive: true });
  return startProc(`server (${label})`, "server-process.ts", { env: { BENCH_DATABASE_URL: url }, ...(profDir ? { cpuProfDir: profDir } : {}) });
}

// ---------------------------------------------------------------- scenarios on a seeded directory
interface Baselines {
  readonly ceiling: Proc;
  readonly naive: Proc;
}

const NAIVE_HEADERS = { Authorization: "Bearer naive-token" };
const randomOf = <T>(list: readonly T[]): T => list[Math.floor(Math.random() * list.length)] as T;

async function readScenarios(kind: "sqlite" | "pg", baselines: Baselines, report: DbReport): Promise<void> {
  const benchDb = await createBenchDb(kind, "read");
  const rows = report.rows;
  try {
    const db = benchDb.open();
    await migrateToLatest(db.knex);
    const t0 = performance.now();
    const groups = [
      { key: "g-small", size: SIZES.small },
      { key: "g-mid", size: SIZES.mid },
      { key: "g-large", size: SIZES.large },
      { key: "g-half", size: SIZES.half },
    ];
    const seeded: Seeded = await seedDirectory(db, { users: SIZES.users + SIZES.spares, groups, mapping: MAPPING("half-a") });
    log(`${kind}: seeded ${seeded.rows} rows in ${fmt((performance.now() - t0) / 1000)} s`);
    await db.close();

    const scim = { Authorization: `Bearer ${seeded.scimToken}` };
    const api = { Authorization: `Bearer ${seeded.apiToken}` };
    const ids = seeded.userIds.slice(0, SIZES.users);
    const spares = seeded.userIds.slice(SIZES.users);
    const naiveSpares = Array.from({ length: SIZES.spares }, (_, i) => `u-${SIZES.users + i}`);
    const ours = await startOurs(benchDb.url, `${kind}-read`);
    const naive = baselines.naive;
    const side = (spec: Side["spec"]): Side => ({ proc: ours, spec });
    const naiveSide = (spec: Omit<Side["spec"], "base" | "headers">): Side => ({ proc: naive, spec: { base: naive.base, headers: NAIVE_HEADERS, ...spec } });
    try {
      const N = SIZES.users.toLocaleString("en");
      if (wants("get-user")) await guarded(rows, "get-user", "GET /Users/{id}", async () => {
        const c = await compare(
          "GET /Users/{id}",
          side({ base: ours.base, method: "GET", path: () => `/scim/v2/Users/${randomOf(ids)}`, headers: scim }),
          baselines.ceiling,
          naiveSide({ method: "GET", path: () => `/scim/v2/Users/u-${Math.floor(Math.random() * SIZES.users)}` }),
          report,
        );
        rows.push(throughputRow("get-user", `GET /Users/{id}, ${N} users`, c, TARGETS.getUser[kind]));
      });
      if (wants("filter")) await guarded(rows, "filter", "GET /Users?filter=userName eq …", async () => {
        const filterPath = (name: string) => `/scim/v2/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`;
        const c = await compare(
          "filter",
          side({ base: ours.base, method: "GET", path: () => filterPath(userNameOf(Math.floor(Math.random() * SIZES.users))), headers: scim }),
          baselines.ceiling,
          naiveSide({ method: "GET", path: () => filterPath(userNameOf(Math.floor(Math.random() * SIZES.users))) }),
          report,
        );
        rows.push(throughputRow("filter", `GET /Users?filter=userName eq "…", ${N} users`, c, TARGETS.filter[kind]));
      });
      if (wants("page")) await guarded(rows, "page", "GET /Users?startIndex=…", async () => {
        const deep = Math.floor(SIZES.users * 0.9) + 1;
        const first = await compare(
          "page 1",
          side({ base: ours.base, method: "GET", path: "/scim/v2/Users?startIndex=1&count=100", headers: scim }),
          baselines.ceiling,
          naiveSide({ method: "GET", path: "/scim/v2/Users?startIndex=1&count=100" }),
          report,
        );
        const last = await compare(
          `page ${deep}`,
          side({ base: ours.base, method: "GET", path: `/scim/v2/Users?startIndex=${deep}&count=100`, headers: scim }),
          baselines.ceiling,
          naiveSide({ method: "GET", path: `/scim/v2/Users?startIndex=${deep}&count=100` }),
          report,
        );
        const ratio = last.ours.p50 / first.ours.p50;
        rows.push(throughputRow("page-1", `GET /Users?startIndex=1&count=100, ${N} users`, first, TARGETS.page[kind]));
        rows.push({
          ...throughputRow("page-deep", `GET /Users?startIndex=${deep}&count=100, ${N} users`, last, 0),
          target: `p50 ≤ ${TARGETS.deepPageToFirst} × p50 of startIndex=1`,
          met: ratio <= TARGETS.deepPageToFirst,
          note: `p50 ${fmt(ratio)}× startIndex=1${ratio <= TARGETS.deepPageToFirst ? "" : ` — ${missBy(ratio, TARGETS.deepPageToFirst, false)}`}`,
          data: { ...last, p50RatioToFirstPage: ratio },
        });
      });
      if (wants("import")) await guarded(rows, "import", "Okta-style import", async () => void rows.push(await oktaImport(ours, baselines.ceiling, scim, { pageSize: 200, expected: SIZES.users + SIZES.spares, targetSeconds: QUICK ? null : 20 })));
      if (wants("authorize")) await guarded(rows, "authorize", "POST /api/v1/authorize", async () => {
        const question = () => ({ member: randomOf(ids), area: "libraries", level: "view" });
        const ask = (label: string, body: () => Record<string, unknown>) =>
          compare(label, side({ base: ours.base, method: "POST", path: "/api/v1/authorize", body, headers: api }), baselines.ceiling, null, report);
        // The default is consistency "full" (never older than an acknowledged write); each mode's cost beside it.
        const c = await ask("authorize", question);
        rows.push({ ...throughputRow("authorize", "POST /api/v1/authorize (consistency full, the default)", c, TARGETS.authorize[kind], { p99ToCeiling: TARGETS.authorizeP99ToCeiling[kind] }), naive: "n/a (no such API)" });
        // The modes side by side on 500 members, which the first of them brings into memory: random
        // members of all would compare cold reads, as the first scenario to run fills the cache for the next.
        const hot = ids.slice(0, 500);
        const hotQuestion = () => ({ member: randomOf(hot), area: "libraries", level: "view" });
        const variants: [string, string, () => Record<string, unknown>][] = [
          ["authorize-full-hot", "POST /api/v1/authorize, consistency full, 500 members", hotQuestion],
          ["authorize-minimize-latency", "POST /api/v1/authorize, consistency minimize_latency, 500 members", () => ({ ...hotQuestion(), consistency: "minimize_latency" })],
          ["authorize-at-least", "POST /api/v1/authorize, consistency { atLeast: the revision in force }, 500 members", () => ({ ...hotQuestion(), consistency: { atLeast: "0" } })],
          ["authorize-full-hot-again", "POST /api/v1/authorize, consistency full, 500 members, after the others", hotQuestion],
          ["authorize-batch-10", "POST /api/v1/authorize, a batch of 10 questions (500 members), full", () => ({ checks: Array.from({ length: 10 }, hotQuestion) })],
        ];
        for (const [key, scenario, body] of variants) {
          const v = await ask(key, body);
          if (key !== "authorize-batch-10") {
            rows.push({ ...throughputRow(key, scenario, v, TARGETS.authorize[kind], { p99ToCeiling: TARGETS.authorizeP99ToCeiling[kind] }), naive: "n/a (no such API)" });
            continue;
          }
          // A batch has no target of its own: what it buys is questions per request.
          const row = throughputRow(key, scenario, v, 0);
          rows.push({ ...row, target: "—", naive: "n/a (no such API)", note: `${fmt(v.ours.rps * 10)} questions/s${row.note ? `; ${row.note}` : ""}` });
        }
        rows.push(await countingCost(kind, benchDb.url, { base: ours.base, method: "POST", path: "/api/v1/authorize", body: hotQuestion, headers: api }));
      });
      if (wants("patch")) await guarded(rows, "patch", "PATCH /Groups/{id} add / remove one member", async () => void rows.push(...(await patchScenarios(kind, ours, naive, seeded, spares, naiveSpares, scim))));
      if (wants("events")) await guarded(rows, "events", "SCIM PATCH response → permissions.changed", async () => void rows.push(await eventLatency(ours, seeded, spares, scim)));
      if (wants("memory")) await guarded(rows, "memory-group-read", "memory: GET /Groups/{id} of the largest group", async () => void rows.push(await groupReadMemory(ours, seeded, scim)));
      if (wants("post-user")) await guarded(rows, "post-user", "POST /Users", async () => {
        let n = 0;
        const stamp = randomBytes(3).toString("hex");
        const userBody = () => {
          n += 1;
          const userName = `post-${stamp}-${n}@bench.example`;
          return { schemas: ["urn:ietf:params:scim:schemas:core:2.0:User"], userName, name: { givenName: "Post", familyName: String(n) }, emails: [{ value: userName, type: "work", primary: true }], active: true };
        };
        const c = await compare(
          "POST /Users",
          side({ base: ours.base, method: "POST", path: "/scim/v2/Users", body: userBody, headers: scim }),
          baselines.ceiling,
          naiveSide({ method: "POST", path: "/scim/v2/Users", body: userBody }),
          report,
        );
        rows.push(throughputRow("post-user", "POST /Users (durable, permissions recompute, audit)", c, TARGETS.postUser[kind]));
      });
    } finally {
      await ours.stop();
    }
    if (wants("mapping")) await guarded(rows, "mapping", "mapping change (plan and apply)", async () => void rows.push(...(await mappingChange(benchDb, seeded))));
  } finally {
    await benchDb.drop();
  }
}

const naivePatchCache = new Map<number, { add: number; remove: number; addP99: number; removeP99: number; pairs: number }>();

async function patchScenarios(kind: string, ours: Proc, naive: Proc, seeded: Seeded, spares: readonly string[], naiveSpares: readonly string[], scim: Record<string, string>): Promise<Row[]> {
  const body = (op: "Add" | "Remove", id: string) => ({ schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op, path: "members", value: [{ value: id }] }] });
  /** Alternately adds a member who is not in the group and removes them again; every request changes one member's permissions. */
  const measure = async (base: string, path: string, headers: Record<string, string>, pool: readonly string[], cap: { pairs: number; ms: number }, expect: number, from = 0) => {
    const adds: number[] = [];
    const removes: number[] = [];
    const t0 = performance.now();
    for (let i = 0; i < cap.pairs && performance.now() - t0 < cap.ms; i++) {
      const id = pool[(from + i) % pool.length] ?? "";
      adds.push(expectStatus(await send(base, "PATCH", path, { body: body("Add", id), headers }), expect, `PATCH add ${path}`).ms);
      removes.push(expectStatus(await send(base, "PATCH", path, { body: body("Remove", id), headers }), expect, `PATCH remove ${path}`).ms);
    }
    return { adds, removes };
  };
  const summary = ({ adds, removes }: { adds: number[]; removes: number[] }) => ({ add: median(adds), remove: median(removes), addP99: percentile(adds, 99), removeP99: percentile(removes, 99), pairs: adds.length });
  const sizes = [
    { key: "g-small", naiveId: "n-small", size: SIZES.small },
    { key: "g-mid", naiveId: "n-mid", size: SIZES.mid },
    { key: "g-large", naiveId: "n-large", size: SIZES.large },
  ];
  // Ours first, the sizes interleaved in rounds, so that a burst of load from elsewhere on the shared
  // machine lands on every size alike; the naive peer after, because its 100k-member PATCH keeps
  // that process busy (collecting garbage) after it answers, which would land on our next figure.
  const ROUNDS = 3;
  const oursSamples = new Map(sizes.map((s) => [s.size, { adds: [] as number[], removes: [] as number[] }]));
  for (const s of sizes) await measure(ours.base, `/scim/v2/Groups/${seeded.groupIds.get(s.key) ?? ""}`, scim, spares.slice(-20), { pairs: 10, ms: 10_000 }, 204); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const s of sizes) {
      const perRound = Math.ceil(SIZES.patchPairs / ROUNDS);
      const got = await measure(ours.base, `/scim/v2/Groups/${seeded.groupIds.get(s.key) ?? ""}`, scim, spares, { pairs: perRound, ms: 20_000 }, 204, round * perRound);
      const into = oursSamples.get(s.size);
      into?.adds.push(...got.adds);
      into?.removes.push(...got.removes);
    }
  }
  const results: { size: number; ours: ReturnType<typeof summary>; naive: ReturnType<typeof summary> }[] = [];
  for (const s of sizes) {
    const oursResult = summary(oursSamples.get(s.size) ?? { adds: [], removes: [] });
    const naiveCap = s.size >= 50_000 ? { pairs: 1, ms: 1 } : { pairs: SIZES.patchPairs, ms: QUICK ? 3_000 : 10_000 };
    const naiveResult = naivePatchCache.get(s.size) ?? summary(await measure(naive.base, `/scim/v2/Groups/${s.naiveId}`, NAIVE_HEADERS, naiveSpares, naiveCap, 200));
    naivePatchCache.set(s.size, naiveResult);
    log(`${kind} PATCH ${s.size}: ours add ${fmt(oursResult.add)} ms / remove ${fmt(oursResult.remove)} ms; naive add ${fmt(naiveResult.add)} ms / remove ${fmt(naiveResult.remove)} ms (${naiveResult.pairs} pairs)`);
    results.push({ size: s.size, ours: oursResult, naive: naiveResult });
  }
  const small = results[0];
  const large = results[results.length - 1];
  if (!small || !large) return [];
  return results.map((r) => {
    const isLarge = r === large;
    const addRatio = r.ours.add / small.ours.add;
    const removeRatio = r.ours.remove / small.ours.remove;
    const met = isLarge ? addRatio <= 1.5 && removeRatio <= 1.5 : null;
    return {
      key: `patch-${r.size}`,
      scenario: `PATCH /Groups/{id} add / remove one member, ${r.size.toLocaleString("en")}-member group (sequential, p50)`,
      ours: `add ${fmt(r.ours.add)} ms / remove ${fmt(r.ours.remove)} ms (p99 ${fmt(r.ours.addP99)} / ${fmt(r.ours.removeP99)} ms, ${r.ours.pairs} pairs)`,
      ceiling: "—",
      naive: `add ${fmt(r.naive.add)} ms / remove ${fmt(r.naive.remove)} ms (${r.naive.pairs} pair${r.naive.pairs === 1 ? "" : "s"}${r.size >= 50_000 ? ", capped" : ""})`,
      ratio: null,
      target: isLarge ? `≤ 1.5 × the ${SIZES.small}-member time` : "(reference)",
      met,
      note: `${fmt(addRatio)}× / ${fmt(removeRatio)}× the ${SIZES.small}-member time; naive ${fmt(r.naive.add / (small.naive.add || Number.NaN))}× / ${fmt(r.naive.remove / (small.naive.remove || Number.NaN))}×` +
        (isLarge && met === false ? ` — missed: ${fmt(Math.max(addRatio, removeRatio))}× vs ≤ 1.5×` : ""),
      data: r,
    };
  });
}

async function eventLatency(ours: Proc, seeded: Seeded, spares: readonly string[], scim: Record<string, string>): Promise<Row> {
  const sse = await openEvents(ours.base, seeded.apiToken);
  const groupId = seeded.groupIds.get("g-small") ?? "";
  const latencies: number[] = [];
  let early = 0;
  try {
    for (let i = 0; i < SIZES.eventPairs * 2; i++) {
      const id = spares[(Math.floor(i / 2) + 37) % spares.length] ?? "";
      const op = i % 2 === 0 ? "Add" : "Remove";
      const reply = expectStatus(
        await send(ours.base, "PATCH", `/scim/v2/Groups/${groupId}`, { body: { schemas: ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], Operations: [{ op, path: "members", value: [{ value: id }] }] }, headers: scim }),
        204,
        "PATCH for event latency",
      );
      const arrived = await sse.waitFor(id, 5_000);
      if (arrived < reply.end) early += 1;
      latencies.push(Math.max(0, arrived - reply.end));
    }
  } finally {
    sse.close();
  }
  const p50 = percentile(latencies, 50);
  const p99 = percentile(latencies, 99);
  log(`event latency: p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms, ${early}/${latencies.length} before the response`);
  return {
    key: "events",
    scenario: "SCIM PATCH response → permissions.changed on GET /api/v1/events",
    ours: `p50 ${fmt(p50)} ms, p99 ${fmt(p99)} ms (${latencies.length} events; ${early} arrived before the PATCH response, counted as 0)`,
    ceiling: "—",
    naive: "n/a (no events)",
    ratio: null,
    target: "p99 ≤ 50 ms",
    met: p99 <= 50,
    note: p99 <= 50 ? "" : missBy(p99, 50, false),
    data: { p50, p99, early, samples: latencies.length },
  };
}

async function groupReadMemory(ours: Proc, seeded: Seeded, scim: Record<string, string>): Promise<Row> {
  const groupId = seeded.groupIds.get("g-large") ?? "";
  const before = (await ours.stats()).rss;
  let peak = before;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      peak = Math.max(peak, (await ours.stats()).rss);
      await new Promise((r) => setTimeout(r, 20));
    }
  })();
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3; i++) {
    const reply = expectStatus(await send(ours.base, "GET", `/scim/v2/Groups/${groupId}`, { headers: scim }), 200, "GET large group");
    bytes = Buffer.byteLength(reply.body);
    times.push(reply.ms);
  }
  sampling = false;
  await sampler;
  const mb = peak / 2 ** 20;
  log(`GET /Groups/{id} ${SIZES.large} members: ${fmt(median(times))} ms, ${fmt(bytes / 2 ** 20)} MB; RSS ${fmt(before / 2 ** 20)} → peak ${fmt(mb)} MB`);
  return {
    key: "memory-group-read",
    scenario: `memory: server RSS during GET /Groups/{id} of a ${SIZES.large.toLocaleString("en")}-member group`,
    ours: `peak ${fmt(mb)} MB (before ${fmt(before / 2 ** 20)} MB); the request takes ${fmt(median(times))} ms for ${fmt(bytes / 2 ** 20)} MB`,
    ceiling: "—",
    naive: "—",
    ratio: null,
    target: `RSS ≤ ${TARGETS.rssMb} MB`,
    met: mb <= TARGETS.rssMb,
    note: mb <= TARGETS.rssMb ? "" : missBy(mb, TARGETS.rssMb, false),
    data: { rssBefore: before, rssPeak: peak, ms: median(times), bytes },
  };
}

async function mappingChange(benchDb: BenchDb, seeded: Seeded): Promise<Row[]> {
  const db = benchDb.open();
  const { sync } = createSync();
  const plans: number[] = [];
  const applies: number[] = [];
  let changedPlan = 0;
  let changedApply = 0;
  try {
    for (let i = 0; i < SIZES.mappingRounds; i++) {
      const text = MAPPING(i % 2 === 0 ? "half-b" : "half-a");
      let t0 = performance.now();
      const plan = await planMappingText(db, sync, { orgId: seeded.orgId, text, sourceName: "bench-mapping.yaml" });
      plans.push(performance.now() - t0);
      if (!plan.ok) throw new Error("bench mapping refused by plan");
      changedPlan = plan.plan.changes.length;
      t0 = performance.now();
      const applied = await applyMappingText(db, sync, { orgId: seeded.orgId, text, sourceName: "bench-mapping.yaml", actor: "bench" });
      applies.push(performance.now() - t0);
      if (!applied.ok) throw new Error("bench mapping refused by apply");
      changedApply = applied.changed;
      log(`mapping change: plan ${fmt(plans[plans.length - 1] ?? 0)} ms (${changedPlan} changes), apply ${fmt(applies[applies.length - 1] ?? 0)} ms (${changedApply} changed)`);
    }
  } finally {
    await db.close();
  }
  const row = (key: string, what: string, times: number[], changed: number, limit: number): Row => {
    const s = median(times) / 1000;
    return {
      key,
      scenario: `mapping change altering ${changed.toLocaleString("en")} members' permissions: ${what} (in-process, ${SIZES.users.toLocaleString("en")} users)`,
      ours: `${fmt(s)} s (median of ${times.length}: ${times.map((t) => fmt(t / 1000)).join(", ")} s)`,
      ceiling: "—",
      naive: "—",
      ratio: null,
      target: `≤ ${limit} s`,
      met: s <= limit,
      note: s <= limit ? "" : missBy(s, limit, false),
      data: { ms: times, changed },
    };
  };
  return [row("mapping-plan", "plan", plans, changedPlan, TARGETS.mappingPlanSeconds), row("mapping-apply", "apply", applies, changedApply, TARGETS.mappingApplySeconds[benchDb.kind])];
}

// ---------------------------------------------------------------- two replicas
async function replicaRows(kind: "sqlite" | "pg", report: DbReport): Promise<void> {
  const benchDb = await createBenchDb(kind, "replicas");
  try {
    report.rows.push(...(await replicaScenarios(kind, { url: benchDb.url, open: () => benchDb.open(), startOurs, log, fmt, samples: QUICK ? 20 : 100 })));
  } finally {
    await benchDb.drop();
  }
}

// ---------------------------------------------------------------- full sync
async function syncScenario(kind: "sqlite" | "pg", report: DbReport): Promise<void> {
  const benchDb = await createBenchDb(kind, "sync");
  try {
    const db = benchDb.open();
    await migrateToLatest(db.knex);
    const org = await ensureOrg(db.knex, "default");
    const { token } = await createToken(db.knex, { orgId: org.id, kind: "scim", label: "bench" });
    const { sync } = createSync();
    const applied = await applyMappingText(db, sync, { orgId: org.id, text: SYNC_MAPPING, sourceName: "sync-mapping.yaml", actor: "bench" });
    if (!applied.ok) throw new Error(`sync mapping refused: ${refusalLines(applied).join("; ")}`);
    await db.close();
    const ours = await startOurs(benchDb.url, `${kind}-sync`);
    try {
      const cpu0 = process.cpuUsage();
      const s0 = await ours.stats();
      const t0 = performance.now();
      const result = await fullSync(ours.base, token, { ...SIZES.sync, caps: SYNC_CAPS });
      const wall = performance.now() - t0;
      const s1 = await ours.stats();
      const cpu = process.cpuUsage(cpu0);
      const rss = s1.rss / 2 ** 20;
      const shape = SIZES.sync;
      const limit = TARGETS.syncSeconds[kind];
      log(`${kind} full sync: ${result.complete ? "" : "CAPPED, "}${fmt(result.seconds)} s (projected ${fmt(result.projectedSeconds)} s), ${fmt(result.rps)} req/s; ${result.phases.map((p) => `${p.name} ${p.requests}/${p.planned} in ${fmt(p.seconds)} s`).join(", ")}; RSS ${fmt(rss)} MB`);
      const scaled = QUICK ? ` — QUICK: scaled down to ${shape.users.toLocaleString("en")} users, ${shape.groups} groups, ${result.memberships.toLocaleString("en")} memberships` : "";
      report.rows.push({
        key: "full-sync",
        scenario: `full sync over SCIM: ${shape.users.toLocaleString("en")} users, ${shape.groups} groups, ${result.memberships.toLocaleString("en")} memberships, ${shape.clients} clients, ${shape.batch} members per PATCH${scaled}`,
        ours: result.complete
          ? `${fmt(result.seconds)} s, ${fmt(result.rps)} req/s (${result.phases.map((p) => `${p.name}: ${fmt(p.seconds)} s at ${fmt(p.rps)} req/s`).join("; ")})`
          : `**capped**: ${fmt(result.seconds)} s measured, **${fmt(result.projectedSeconds)} s projected** for the whole sync at ${fmt(result.rps)} req/s (${result.phases.map((p) => `${p.name}: ${p.requests.toLocaleString("en")} of ${p.planned.toLocaleString("en")} in ${fmt(p.seconds)} s at ${fmt(p.rps)} req/s`).join("; ")})`,
        ceiling: "—",
        naive: "—",
        ratio: null,
        target: `≤ ${limit} s` + (QUICK ? " (full size only)" : ""),
        met: QUICK ? null : result.complete && result.seconds <= limit,
        note: QUICK ? "scaled down; target not applicable" : result.complete && result.seconds <= limit ? "" : `${missBy(result.projectedSeconds, limit, false)}${result.complete ? "" : " (projected; phases capped at " + JSON.stringify(SYNC_CAPS) + " s by --sync-capped; run without it to measure it whole)"}`,
        data: { ...result, generatorCpu: (cpu.user + cpu.system) / (wall * 1000), serverCpu: (s1.cpuMicros - s0.cpuMicros) / (wall * 1000) },
      });
      report.rows.push({
        key: "memory-after-sync",
        scenario: `memory: server RSS after the full sync${result.complete ? "" : " (capped run)"}`,
        ours: `${fmt(rss)} MB`,
        ceiling: "—",
        naive: "—",
        ratio: null,
        target: `RSS ≤ ${TARGETS.rssMb} MB`,
        met: rss <= TARGETS.rssMb,
        note: rss <= TARGETS.rssMb ? "" : missBy(rss, TARGETS.rssMb, false),
        data: { rss: s1.rss },
      });
    } finally {
      await ours.stop();
    }
  } finally {
    await benchDb.drop();
  }
}

// ---------------------------------------------------------------- report
function machine(): Record<string, string> {
  const cpus = os.cpus();
  return {
    cpu: `${cpus[0]?.model ?? "unknown"} × ${cpus.length}`,
    memory: `${fmt(os.totalmem() / 2 ** 30)} GiB`,
    os: `${os.type()} ${os.release()} (${os.arch()})`,
    node: process.version,
  };
}

/**
 * Server CPU per request, and where it goes. µs are process CPU time (all threads) ÷ requests over
 * the measured runs; the main thread's part is split by a profiled run of the same scenario, and the
 * other threads' part (the SQLite thread above all) is shown beside it, since a profile of the main
 * thread does not see it.
 */
function budgetTable(budgets: readonly Budget[]): string[] {
  const lines = [
    "Per-request CPU budget: server process CPU time (all threads) ÷ requests, in µs. The main thread's part is split by layer by the busy time of a profiled run of the same scenario (`bench/lib/layers.ts` assigns frames by file path); the other threads' part (the SQLite thread, GC helpers, libuv's pool) is the last column.",
    "",
    `| scenario | ours µs/request | ceiling µs/request | ${LAYERS.join(" | ")} | other threads |`,
    `| --- | --- | --- | ${LAYERS.map(() => "---").join(" | ")} | --- |`,
  ];
  for (const b of budgets) {
    const cells = LAYERS.map((l) => (b.layers === null ? "—" : fmt(b.layers[l])));
    lines.push(`| ${b.scenario} | ${fmt(b.oursMicros)} | ${fmt(b.ceilingMicros)} | ${cells.join(" | ")} | ${b.otherThreadsMicros === null ? "—" : fmt(b.otherThreadsMicros)} |`);
  }
  lines.push("");
  return lines;
}

function markdown(reports: DbReport[], started: Date, seconds: number): string {
  const m = machine();
  const lines: string[] = [];
  lines.push(`# Benchmark results${QUICK ? " — QUICK MODE (smaller directories, shorter runs; not the reference figures)" : PARTIAL ? " — PARTIAL RUN (some scenarios or one database; not the reference figures)" : ""}`);
  lines.push("");
  lines.push(`Run on ${started.toISOString().slice(0, 10)} (${started.toISOString()}), ${fmt(seconds / 60)} minutes in all, by \`npm run bench${QUICK ? " -- --quick" : ""}\`${ONLY ? ` (only: ${ONLY.join(", ")})` : ""}${PARTIAL && ONLY === null ? ` (only: ${DBS.join(", ")})` : ""}.`);
  lines.push("");
  lines.push(`- Machine: ${m.cpu}; ${m.memory} RAM; ${m.os}`);
  lines.push(`- Node ${m.node}; ${reports.map((r) => r.version).join("; ")}`);
  lines.push(
    `- Mode: ${QUICK ? "**quick**" : "full"}: ${SIZES.users.toLocaleString("en")} users (+${SIZES.spares.toLocaleString("en")} spare users outside every group, used as the PATCH targets), groups of ${SIZES.small}, ${SIZES.mid.toLocaleString("en")}, ${SIZES.large.toLocaleString("en")} and ${SIZES.half.toLocaleString("en")} members; throughput figures are medians of ${SIZES.runs} runs of ${SIZES.seconds} s at ${CONNECTIONS} connections (autocannon), after a ${SIZES.warm} s warm-up.`,
  );
  lines.push("- Every server runs in its own process; the load generator (autocannon, in the bench process) shares the 2 cores with it. Ratios are ours ÷ ceiling.");
  lines.push(`- **Ceiling**: bare express 4 on the same Node answering a JSON body of the same size as ours (\`bench/ceiling-process.ts\`). **Naive peer** (a baseline, not our server): scimmy-routers in its documented in-memory style (\`bench/naive-peer/\`), seeded with the same number of users in memory. The naive peer holds no database, so it is measured once per run, during the first database's pass, and shown again for the second${QUICK ? "; in quick mode the ceiling is reused the same way" : ""}. A naive request slower than ${SLOW_MS} ms is measured sequentially and capped (${SIZES.naiveSlowCap.requests} requests or ${SIZES.naiveSlowCap.ms / 1000} s) rather than queued 10 deep; its 100k-member PATCH is one add and one remove.`);
  lines.push("");
  for (const r of reports) {
    const gen = median(r.generatorCpu);
    const srv = median(r.serverCpu);
    lines.push(`## ${r.db === "sqlite" ? "SQLite" : "PostgreSQL"} — ${r.version}`);
    lines.push("");
    lines.push(`Load generator CPU during our throughput runs: median ${Math.round(gen * 100)}% of one core (range ${Math.round(Math.min(...r.generatorCpu) * 100)}–${Math.round(Math.max(...r.generatorCpu) * 100)}%); server process: median ${Math.round(srv * 100)}% of one core. This section took ${fmt(r.seconds / 60)} min.`);
    lines.push("");
    lines.push("| scenario | ours | ceiling | naive peer | ours ÷ ceiling | target | met? | note |");
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const row of r.rows) {
      const met = row.met === null ? "—" : row.met ? "yes" : "**no**";
      lines.push(`| ${row.scenario} | ${row.ours} | ${row.ceiling} | ${row.naive} | ${row.ratio === null ? "—" : fmt(row.ratio)} | ${row.target} | ${met} | ${row.note} |`);
    }
    lines.push("");
    if (r.budgets.length > 0) lines.push(...budgetTable(r.budgets));
  }
  lines.push("Reproduce: `npm run bench` (both databases, ≈ 15 min; PostgreSQL at `postgres://postgres@127.0.0.1:5432/test` or `BENCH_PG_URL`, where a throw-away database is created and dropped), `npm run bench -- --quick` (< 2 min; writes `RESULTS-quick.md`), `--db sqlite|pg`, `--only get-user,filter,page,authorize,patch,events,memory,post-user,mapping,staleness,sync` (a full-size run with either writes `RESULTS-partial.md`), `--sync-capped` (caps the full sync's phases and projects its time), `--cpu-prof` (writes the server's profiles to `bench/profiles/`; summarise with `npx tsx bench/profile-summary.ts <file.cpuprofile>`). Causes of missed targets: [PROFILE.md](PROFILE.md).");
  lines.push("");
  return lines.join("\n");
}

// ---------------------------------------------------------------- main
async function main(): Promise<void> {
  const started = new Date();
  const t0 = performance.now();
  log(`mode ${QUICK ? "quick" : "full"}; databases ${DBS.join(", ")}`);
  const ceiling = await startProc("ceiling", "ceiling-process.ts");
  const naive = await startProc("naive peer", "naive-peer/server.cjs");
  const reports: DbReport[] = [];
  try {
    const seed = await send(naive.base, "POST", "/__bench/seed", {
      body: { users: SIZES.users + SIZES.spares, groups: [{ id: "n-small", size: SIZES.small }, { id: "n-mid", size: SIZES.mid }, { id: "n-large", size: SIZES.large }] },
    });
    expectStatus(seed, 200, "seed naive peer");
    for (const kind of DBS) {
      const d0 = performance.now();
      const probe = await createBenchDb(kind, "probe");
      const probeDb = probe.open();
      const version = await databaseVersion(probeDb);
      await probeDb.close();
      await probe.drop();
      const report: DbReport = { db: kind, version, rows: [], budgets: [], generatorCpu: [], serverCpu: [], seconds: 0 };
      log(`── ${version}`);
      await readScenarios(kind, { ceiling, naive }, report);
      if (wants("staleness")) await guarded(report.rows, "authorize-staleness", "replicas: authorize staleness and token revocation", () => replicaRows(kind, report));
      if (wants("sync")) await guarded(report.rows, "full-sync", "full sync over SCIM", () => syncScenario(kind, report));
      reports.push({ ...report, seconds: (performance.now() - d0) / 1000 });
    }
  } finally {
    await ceiling.stop();
    await naive.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  const date = started.toISOString().slice(0, 10);
  mkdirSync(resolve(__dirname, "results"), { recursive: true });
  for (const r of reports) {
    const file = resolve(__dirname, "results", `${date}-${r.db}${QUICK ? "-quick" : PARTIAL ? "-partial" : ""}.json`);
    writeFileSync(file, `${JSON.stringify({ date: started.toISOString(), mode: QUICK ? "quick" : "full", only: ONLY, machine: machine(), database: r.version, sizes: SIZES, connections: CONNECTIONS, seconds: r.seconds, generatorCpu: r.generatorCpu, serverCpu: r.serverCpu, budgets: r.budgets, rows: r.rows }, null, 2)}\n`);
  }
  // Neither a quick nor a partial run overwrites the reference figures of a full run.
  const out = QUICK ? "RESULTS-quick.md" : PARTIAL ? "RESULTS-partial.md" : "RESULTS.md";
  writeFileSync(resolve(__dirname, out), markdown(reports, started, seconds));
  log(`done in ${fmt(seconds / 60)} min; wrote bench/${out}`);
  if (failures > 0) {
    log(`${failures} scenario${failures === 1 ? "" : "s"} failed (rows marked **failed**)`);
    process.exitCode = 1;
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
