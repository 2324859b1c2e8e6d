/**
 * The steps a request takes before a protocol reads it, shared by SCIM and /api: the URL may not
 * hold a NUL, and a JSON body is refused before it is parsed when it nests too deep or holds a NUL
 * (http/raw-input.ts). Failures are HttpProblemErrors, which each protocol renders in its format.
 */
import express, { type RequestHandler } from "express";
import { HttpProblemError } from "./problem";
import { type RawBodyProblem, inspectJsonBody, nulInUrl } from "./raw-input";

/** Throws the problem the raw check found, if any. */
export function refuseRawProblem(problem: RawBodyProblem | null): void {
  if (problem === null) return;
  switch (problem.kind) {
    case "tooDeep":
      throw new HttpProblemError({ kind: "too_deep", maxDepth: problem.maxDepth });
    case "nul":
      throw new HttpProblemError({ kind: "nul_in_body" });
    case "charset":
      throw new HttpProblemError({ kind: "undecodable_charset" });
  }
}

/**
 * A JSON body of at most `limit`, whatever the Content-Type says, checked before it is parsed.
 * `strict: false` accepts any JSON value at the top (SCIM's handlers say what they expected);
 * strict accepts only objects and arrays, as body-parser does by default.
 */
export function jsonBody(options: { readonly limit: number | string; readonly maxDepth: number; readonly strict: boolean }): RequestHandler {
  return express.json({
    type: () => true,
    limit: options.limit,
    strict: options.strict,
    verify: (_req, _res, raw, encoding) => refuseRawProblem(inspectJsonBody(raw, encoding, options.maxDepth)),
  });
}

/** No id or attribute value holds U+0000 (PostgreSQL's text cannot): refused before any route. */
export const refuseNulInUrl: RequestHandler = (req, _res, next) => {
  const nul = nulInUrl(req.originalUrl);
  if (nul === null) return next();
  if (nul.where === "path") return next(new HttpProblemError({ kind: "nul_in_path", path: req.path }));
  next(new HttpProblemError({ kind: "nul_in_query", parameter: nul.parameter }));
};
