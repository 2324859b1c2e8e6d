/**
 * autocannon in this (the generator) process, with the generator's own CPU share measured over
 * the run: the generator shares the machine's cores with the server under test.
 */
import autocannon from "autocannon";

export interface LoadSpec {
  readonly base: string;
  readonly method: "GET" | "POST" | "PATCH";
  /** Fixed path, or a function giving each request's path. */
  readonly path: string | (() => string);
  readonly body?: () => unknown;
  readonly headers?: Record<string, string>;
  readonly connections: number;
  readonly seconds: number;
}

export interface LoadResult {
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  readonly requests: number;
  readonly errors: number;
  readonly non2xx: number;
  /** Generator CPU time ÷ wall time (1 = one whole core). */
  readonly generatorCpu: number;
  readonly bytesPerResponse: number;
}

export async function load(spec: LoadSpec): Promise<LoadResult> {
  const pathOf = typeof spec.path === "string" ? () => spec.path as string : spec.path;
  const headers = { ...(spec.body ? { "content-type": "application/scim+json" } : {}), ...spec.headers };
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await autocannon({
    url: spec.base,
    connections: spec.connections,
    duration: spec.seconds,
    timeout: 60,
    headers,
    requests: [
      {
        method: spec.method,
        setupRequest: (req) => ({ ...req, method: spec.method, path: pathOf(), ...(spec.body ? { body: JSON.stringify(spec.body()) } : {}) }),
      },
    ],
  });
  const wall = (performance.now() - t0) * 1000;
  const cpu = process.cpuUsage(cpu0);
  const completed = result["2xx"] + result.non2xx;
  return {
    rps: completed / result.duration,
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: completed,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    generatorCpu: (cpu.user + cpu.system) / wall,
    bytesPerResponse: completed > 0 ? result.throughput.total / completed : 0,
  };
}
