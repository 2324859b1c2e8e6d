/**
 * The worker thread of mapping-parser.ts: parses and validates mapping files off the event loop
 * that serves SCIM requests. mapping/ is pure; this file only carries its answer across.
 */
import { parentPort } from "node:worker_threads";
import { type SourceLimits, parseMapping } from "../mapping";

interface ParseRequest {
  readonly id: number;
  readonly text: string;
  readonly file: string;
  readonly limits: SourceLimits;
}

parentPort?.on("message", (request: ParseRequest) => {
  try {
    // As JSON text: the main thread parses a string in milliseconds, where rebuilding a structured
    // clone of a large mapping object by object took about ten times as long.
    parentPort?.postMessage({ id: request.id, result: JSON.stringify(parseMapping(request.text, request.file, request.limits)) });
  } catch (err) {
    parentPort?.postMessage({ id: request.id, failure: err instanceof Error ? err.message : String(err) });
  }
});
