/**
 * Every write's response says the revision it left its organisation at (db/revisions.ts): the
 * `X-Revision` header on SCIM and /api writes, and a `revision` field in the admin API's JSON
 * objects. A client hands it back as authorize's `consistency: { "atLeast": … }` to be answered by
 * any replica from a state that includes its write. Mounted after the body is read: body-parser
 * resumes the request from the stream's callbacks, outside the context the sink travels in.
 */
import type { RequestHandler, Response } from "express";
import { reportingRevisions } from "../db/revisions";

export const REVISION_HEADER = "X-Revision";

const WRITES = new Set(["POST", "PUT", "PATCH", "DELETE"]);

export function reportRevision(options: { inBody?: boolean } = {}): RequestHandler {
  return (req, res, next) => {
    if (!WRITES.has(req.method)) return next();
    let revision: number | null = null;
    if (options.inBody === true) addToBody(res, () => revision);
    reportingRevisions(
      {
        orgId: () => (typeof res.locals.orgId === "string" ? res.locals.orgId : null),
        committed: (committed) => {
          // A SCIM bulk request commits several times: the last state it reached is the one to wait for.
          revision = Math.max(revision ?? 0, committed);
          if (!res.headersSent) res.setHeader(REVISION_HEADER, String(revision));
        },
      },
      next,
    );
  };
}

/** A JSON object answered after a write gets `revision` beside what it says. */
function addToBody(res: Response, revision: () => number | null): void {
  const json = res.json.bind(res);
  res.json = (body: unknown) => {
    const at = revision();
    const plain = typeof body === "object" && body !== null && !Array.isArray(body) && !("error" in body) && !("revision" in body);
    return json(at !== null && plain ? { ...body, revision: String(at) } : body);
  };
}
