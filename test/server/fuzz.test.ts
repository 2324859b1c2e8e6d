import fc from "fast-check";
import pino from "pino";
import { MEMBERS, startAdminWorld } from "./admin/support";
import { type FuzzWorld, type HostileRequest, hostileRequest } from "../support/hostile";
import { type TestIssuer, startIssuer } from "../support/oidc";

/**
 * Hostile requests at volume (SCIM, the product API and the admin API) are answered 4xx, never
 * 5xx, each error in its surface's shape, and none of them writes anything to the directory.
 * The requests come from a fixed seed, so a failure replays: FUZZ_SEED=<seed> reruns the same
 * requests, FUZZ_RUNS sets how many (10,000 by default).
 */
const SEED = Number(process.env.FUZZ_SEED ?? 20261129);
const RUNS = Number(process.env.FUZZ_RUNS ?? 10_000);
/** Requests in flight at once: enough to overlap the database's waits, few enough for a shared 2-core machine. */
const IN_FLIGHT = Number(process.env.FUZZ_IN_FLIGHT ?? 8);
const ANSWER_WITHIN_MS = 15_000;

const SCIM_ERROR = "urn:ietf:params:scim:api:messages:2.0:Error";
const SCIM_TYPES = new Set(["invalidFilter", "tooMany", "uniqueness", "mutability", "invalidSyntax", "invalidPath", "noTarget", "invalidValue", "invalidVers", "sensitive"]);

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** What is wrong with an answer, or null. */
function problemOf(req: HostileRequest, answer: Answer): string | null {
  // RFC 7644 §3.11: a service provider without /Me answers it 501.
  const meUnsupported = answer.status === 501 && req.surface === "scim" && /^\/Me(\/|\?|$)/.test(req.path);
  if ((answer.status >= 500 && !meUnsupported) || answer.status < 200) return `answered ${answer.status}`;
  const body = parse(answer.text);
  if (answer.status >= 400) {
    if (req.surface === "scim") {
      if (!answer.contentType.startsWith("application/scim+json")) return `a SCIM error as ${answer.contentType}`;
      if (!isRecord(body) || !Array.isArray(body.schemas) || body.schemas[0] !== SCIM_ERROR || body.status !== String(answer.status) || typeof body.detail !== "string") return "a SCIM error without the Error schema, its status or a detail";
      if (body.scimType !== undefined && !SCIM_TYPES.has(String(body.scimType))) return `scimType ${String(body.scimType)}`;
      return null;
    }
    if (!answer.contentType.startsWith("application/json")) return `an API error as ${answer.contentType}`;
    if (!isRecord(body) || !isRecord(body.error) || typeof body.error.code !== "string" || typeof body.error.message !== "string") return "an API error without {error: {code, message}}";
    return null;
  }
  if (answer.status >= 300) return `answered ${answer.status}`;
  if (req.surface === "scim" && req.path.startsWith("/Bulk") && answer.status === 200) {
    const operations = isRecord(body) && Array.isArray(body.Operations) ? body.Operations : null;
    if (operations === null) return "a BulkResponse without Operations";
    const statuses = operations.map((op) => (isRecord(op) ? Number(op.status) : NaN));
    if (statuses.some((s) => !(s >= 400 && s < 500))) return `bulk operations answered ${statuses.join(", ")}`;
    return null;
  }
  if (req.mustFail) return `a hostile write was accepted (${answer.status})`;
  if (req.matchesNothing && (!isRecord(body) || body.totalResults !== 0)) return `a filter that matches nothing found ${isRecord(body) ? String(body.totalResults) : "?"}`;
  if (req.surface === "scim" && body === undefined && answer.text !== "") return "a SCIM answer that is not JSON";
  return null;
}

function reportOf(req: HostileRequest, answer: Answer | null, problem: string): string {
  const show = (s: string, n: number) => JSON.stringify(s.length > n ? `${s.slice(0, n)}…(${s.length})` : s);
  const body = req.body === undefined ? "" : ` body=${show(req.body.toString("latin1"), 300)}`;
  return `${problem}: ${req.kind} — ${req.method} ${show(req.path, 200)} headers=${JSON.stringify(req.headers)}${body}${answer ? ` → ${answer.status} ${show(answer.text, 300)}` : ""}`;
}

/** The message and first frames of a logged error; null for a request log line (it says only "500"). */
function causeOf(line: string): string | null {
  const entry = parse(line);
  const err = isRecord(entry) && isRecord(entry.err) ? entry.err : null;
  if (err === null || typeof err.stack !== "string" || err.message === "failed with status code 500") return null;
  return `${isRecord(entry) ? String(entry.msg) : ""}: ${err.stack.split("\n").slice(0, 4).join(" | ")}`;
}

describe("hostile requests at volume", () => {
  let op: TestIssuer;
  beforeAll(async () => {
    op = await startIssuer();
  });
  afterAll(async () => op.close());

  it(`answers ${RUNS} hostile requests with 4xx in the right shape and writes nothing (seed ${SEED})`, async () => {
    // What the server logged as errors says why a request was answered 500.
    const logged: string[] = [];
    const logger = pino({ level: "error" }, { write: (line: string) => logged.push(line) });
    const world = await startAdminWorld(op, { harness: { app: { logger } } });
    const { h } = world;
    try {
      const base = await h.serve();
      const memberToken = await op.signIn(MEMBERS.owner);
      const target: FuzzWorld = {
        userId: world.ids.plain,
        userName: MEMBERS.plain,
        otherUserName: MEMBERS.finance,
        groupId: world.groups.finance,
        groupName: "Finance",
        otherGroupName: "People",
      };
      // Read through the same server, so the rendered URLs compare equal.
      const read = async (path: string): Promise<unknown> => (await fetch(`${base}/scim/v2${path}`, { headers: { authorization: `Bearer ${h.token}` } })).json();
      const directory = async () => ({
        users: await read("/Users?count=1000&sortBy=userName"),
        groups: await read("/Groups?count=1000&sortBy=displayName"),
        target: await read(`/Users/${target.userId}`),
        group: await read(`/Groups/${target.groupId}`),
      });
      const before = await directory();

      const requests = fc.sample(hostileRequest(target), { seed: SEED, numRuns: RUNS });
      const roots = { scim: `${base}/scim/v2`, api: `${base}/api/v1`, admin: `${base}/api/v1/admin` };
      const bearer = { scim: h.token, api: h.apiToken, admin: memberToken };
      const failures: string[] = [];
      let next = 0;
      const send = async (req: HostileRequest): Promise<void> => {
        let answer: Answer | null = null;
        try {
          const res = await fetch(`${roots[req.surface]}${req.path}`, {
            method: req.method,
            headers: { authorization: `Bearer ${bearer[req.surface]}`, ...req.headers },
            ...(req.body === undefined ? {} : { body: req.body }),
            signal: AbortSignal.timeout(ANSWER_WITHIN_MS),
          });
          answer = { status: res.status, contentType: res.headers.get("content-type") ?? "", text: await res.text() };
        } catch (err) {
          failures.push(reportOf(req, null, `no answer (${err instanceof Error ? `${err.name}: ${err.message}` : String(err)})`));
          return;
        }
        const problem = problemOf(req, answer);
        if (problem !== null) failures.push(reportOf(req, answer, problem));
      };
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < requests.length) {
          const req = requests[next++];
          if (req !== undefined) await send(req);
        }
      }));

      const after = await directory();
      const causes = [...new Set(logged.map((line) => causeOf(line)).filter((cause) => cause !== null))].slice(0, 10);
      const report = `${failures.length} of ${RUNS} hostile requests failed; replay with FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS}\n${failures.slice(0, 15).join("\n")}\nlogged errors:\n${causes.join("\n")}`;
      expect(failures.length === 0 ? "" : report).toBe("");
      expect(after).toEqual(before);
    } finally {
      await h.close();
    }
  }, 600_000);
});
