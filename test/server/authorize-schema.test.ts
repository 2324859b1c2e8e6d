import fc from "fast-check";
import { AREAS, LEVELS } from "../../mapping";
import { ApiError } from "../../server/api-errors";
import { parseAuthorizeRequest, questionProblem } from "../../server/authorize";
import { isAuthorizeCheck, isAuthorizeSingle } from "../../server/authorize-schema";

const RUNS = { numRuns: 500 };

/** Values near a question: its keys, with good and bad values, and sometimes a stray key. */
const nearQuestion = fc.record(
  {
    member: fc.oneof(fc.constantFrom("ada@example.com", "u1", ""), fc.anything()),
    area: fc.oneof(fc.constantFrom(...AREAS, "treasure", ""), fc.anything()),
    level: fc.oneof(fc.constantFrom(...LEVELS, "owner"), fc.anything()),
    capability: fc.oneof(fc.constantFrom("web_search", "web_serch", ""), fc.anything()),
    connector: fc.oneof(fc.constantFrom("slack", ""), fc.anything()),
    consistency: fc.oneof(fc.constantFrom("full", "minimize_latency", "eventual", { atLeast: "12" }, { atLeast: 12 }, { atLeast: -1 }, { atLeast: "1", extra: true }), fc.anything()),
    extra: fc.anything(),
  },
  { requiredKeys: [] },
);
const anyBody = fc.oneof(nearQuestion, fc.anything());

/** The schema decides what is valid; the diagnosis only words the refusal. They must agree. */
describe("authorize's request schema and the messages of its refusals", () => {
  it("accepts exactly the single questions the schema accepts, and words every other refusal precisely", () => {
    fc.assert(
      fc.property(anyBody, (body) => {
        fc.pre(typeof body !== "object" || body === null || !("checks" in body));
        let refusal: ApiError | null = null;
        try {
          parseAuthorizeRequest(body);
        } catch (err) {
          if (!(err instanceof ApiError)) throw err;
          refusal = err;
        }
        expect(refusal === null).toBe(isAuthorizeSingle(body));
        if (refusal !== null) expect(refusal.message).not.toMatch(/does not match the schema/);
      }),
      RUNS,
    );
  });

  it("names, for every question of a batch the schema refuses, the reason it would be refused alone", () => {
    fc.assert(
      fc.property(anyBody, (check) => {
        fc.pre(!isAuthorizeCheck(check));
        const problem = questionProblem(check, true);
        expect(problem.status).toBe(400);
        expect(problem.message).not.toMatch(/does not match the schema/);
      }),
      RUNS,
    );
  });

  it("takes level as view when a question about an area gives none", () => {
    const parsed = parseAuthorizeRequest({ member: "ada@example.com", area: "billing" });
    expect(parsed).toEqual({ kind: "single", consistency: { mode: "full" }, check: { member: "ada@example.com", question: { kind: "area", area: "billing", level: "view" } } });
  });
});
