import { ClientGoneError, type HttpProblem, HttpProblemError, httpProblemOf } from "../../http/problem";
import { toScimError } from "../../scim/respond";
import { toApiError } from "../../server/api-errors";
import { silentLogger } from "../../server/logger";

/** Every kind of problem a request can have before a protocol reads it, with how each protocol answers it. */
const ANSWERS: readonly [HttpProblem, { scim: [number, string | undefined]; api: [number, string] }][] = [
  [{ kind: "bad_json" }, { scim: [400, "invalidSyntax"], api: [400, "invalid_json"] }],
  [{ kind: "too_large", limitBytes: 1024 }, { scim: [413, undefined], api: [413, "payload_too_large"] }],
  [{ kind: "unsupported_encoding" }, { scim: [400, "invalidSyntax"], api: [400, "invalid_request"] }],
  [{ kind: "undecodable_charset" }, { scim: [400, "invalidSyntax"], api: [400, "invalid_request"] }],
  [{ kind: "too_deep", maxDepth: 64 }, { scim: [400, "invalidSyntax"], api: [400, "invalid_request"] }],
  [{ kind: "nul_in_body" }, { scim: [400, "invalidValue"], api: [400, "invalid_request"] }],
  [{ kind: "nul_in_path", path: "/Users/%00" }, { scim: [404, undefined], api: [404, "not_found"] }],
  [{ kind: "nul_in_query", parameter: "filter" }, { scim: [400, "invalidValue"], api: [400, "invalid_request"] }],
  [{ kind: "client_aborted", reason: "request.aborted" }, { scim: [499, undefined], api: [499, "client_closed_request"] }],
];

describe("a problem of the request itself", () => {
  it("is recognised from body-parser's errors, a client that went away, and the shared steps' own", () => {
    expect([
      httpProblemOf(Object.assign(new SyntaxError("Unexpected token"), { type: "entity.parse.failed", status: 400 })),
      httpProblemOf(Object.assign(new Error("too large"), { type: "entity.too.large", limit: 2048 })),
      httpProblemOf(Object.assign(new Error("unsupported charset"), { type: "charset.unsupported" })),
      httpProblemOf(Object.assign(new Error("aborted"), { type: "request.aborted" })),
      httpProblemOf(new ClientGoneError()),
      httpProblemOf(new HttpProblemError({ kind: "nul_in_query", parameter: "count" })),
      httpProblemOf(new Error("something else")),
    ]).toEqual([
      { kind: "bad_json" },
      { kind: "too_large", limitBytes: 2048 },
      { kind: "unsupported_encoding" },
      { kind: "client_aborted", reason: "request.aborted" },
      { kind: "client_aborted", reason: "response" },
      { kind: "nul_in_query", parameter: "count" },
      null,
    ]);
  });

  it.each(ANSWERS.map(([problem, answer]) => [problem.kind, problem, answer] as const))("%s is answered by SCIM and by /api alike, each in its own format", (_kind, problem, answer) => {
    const scim = toScimError(new HttpProblemError(problem), silentLogger(), "req-1");
    const api = toApiError(new HttpProblemError(problem), silentLogger(), "req-1");
    expect({ scim: [scim.status, scim.scimType], api: [api.status, api.code] }).toEqual(answer);
  });
});
