/**
 * The request id every response carries (X-Request-Id), every log line names and every change
 * cause records: the caller's own when it is a plausible id, otherwise a fresh UUID, the same for
 * the whole life of the request.
 */
import { randomUUID } from "node:crypto";
import type { Request } from "express";

const requestIds = new WeakMap<Request, string>();

export function requestIdOf(req: Request): string {
  let id = requestIds.get(req);
  if (id === undefined) {
    const header = req.get("x-request-id");
    id = header && /^[\w.:-]{1,100}$/.test(header) ? header : randomUUID();
    requestIds.set(req, id);
  }
  return id;
}
