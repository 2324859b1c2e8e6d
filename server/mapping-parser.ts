/**
 * Parsing and validating a mapping file costs about a second per megabyte (YAML with positions,
 * the JSON Schema, the semantic checks). The server runs it in a worker thread, so a large file
 * never holds the event loop that answers every organisation's SCIM requests; the CLI, which serves
 * no one else, parses in its own thread.
 */
import { join } from "node:path";
import { Worker } from "node:worker_threads";
import { ISSUE_CODES, type MappingIssue, type ParseResult, type SourceLimits, isObject, mappingFromJSON } from "../mapping";

export type ParseMappingText = (text: string, file: string) => Promise<ParseResult>;

interface Waiting {
  readonly resolve: (result: ParseResult) => void;
  readonly reject: (err: Error) => void;
}

export class MappingParser {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();

  constructor(private readonly limits: SourceLimits) {}

  readonly parse: ParseMappingText = (text, file) =>
    new Promise<ParseResult>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      this.started().postMessage({ id, text, file, limits: this.limits });
    });

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker) await worker.terminate();
  }

  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = parseWorker();
    worker.unref();
    worker.on("message", (message: unknown) => this.settle(message));
    const failAll = (err: Error): void => {
      if (this.worker === worker) this.worker = null;
      for (const waiting of this.waiting.values()) waiting.reject(err);
      this.waiting.clear();
    };
    worker.on("error", failAll);
    worker.on("exit", (code) => failAll(new Error(`mapping parser worker exited (${code})`)));
    this.worker = worker;
    return worker;
  }

  private settle(message: unknown): void {
    if (!isObject(message) || typeof message.id !== "number") return;
    const waiting = this.waiting.get(message.id);
    if (!waiting) return;
    this.waiting.delete(message.id);
    if (typeof message.failure === "string" || typeof message.result !== "string") {
      waiting.reject(new Error(`mapping parser failed: ${typeof message.failure === "string" ? message.failure : "no result"}`));
      return;
    }
    const text = message.result;
    // Decoding a large mapping takes tens of milliseconds: in a turn of its own, after the requests
    // that queued up while the message arrived.
    setImmediate(() => {
      try {
        waiting.resolve(parseResultFromJSON(JSON.parse(text)));
      } catch (err) {
        waiting.reject(err instanceof Error ? err : new Error(String(err)));
      }
    });
  }
}


/** The worker's answer, decoded: structured clone carries data, not types. */
export function parseResultFromJSON(value: unknown): ParseResult {
  if (!isObject(value)) throw new Error("mapping parser answered with something other than a result");
  if (value.ok === true && typeof value.hash === "string") {
    return { ok: true, mapping: mappingFromJSON(value.mapping), hash: value.hash, warnings: issuesFromJSON(value.warnings) };
  }
  if (value.ok === false) return { ok: false, errors: issuesFromJSON(value.errors) };
  throw new Error("mapping parser answered with a malformed result");
}

const CODES: ReadonlySet<string> = new Set(ISSUE_CODES);

function issuesFromJSON(value: unknown): MappingIssue[] {
  if (!Array.isArray(value)) throw new Error("mapping parser answered with malformed issues");
  return value.map((issue): MappingIssue => {
    if (!isObject(issue)) throw new Error("mapping parser answered with a malformed issue");
    const { file, line, column, code, message } = issue;
    if (typeof file !== "string" || typeof line !== "number" || typeof column !== "number" || typeof message !== "string" || typeof code !== "string" || !CODES.has(code)) {
      throw new Error("mapping parser answered with a malformed issue");
    }
    return { file, line, column, code: ISSUE_CODES.find((c) => c === code) ?? "syntax", message };
  });
}

/**
 * The compiled server (dist/) starts the compiled worker beside this file. From TypeScript (tsx in
 * development, ts-jest) the worker does not inherit tsx's hooks in Node 20, so it registers tsx's
 * require hook before loading its file.
 */
function parseWorker(): Worker {
  if (__filename.endsWith(".js")) return new Worker(join(__dirname, "mapping-parse-worker.js"));
  const entry = join(__dirname, "mapping-parse-worker.ts");
  return new Worker(`require("tsx/cjs/api").register(); require(${JSON.stringify(entry)});`, { eval: true });
}
