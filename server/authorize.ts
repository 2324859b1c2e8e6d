/**
 * `POST /api/v1/authorize`, the HTTP side: one question, or a batch of up to 100. The body is
 * validated against its schema (server/authorize-schema.ts), the questions are answered by the use
 * case (roles/authorize.ts, where consistency, revisions and the member cache live), and the
 * answers rendered. A request that fails validation is diagnosed in the order a person would fix
 * it, so that its 400 names the one thing to change.
 */
import type { AuthorizeQuestion } from "../mapping";
import { AREAS, LEVELS, isArea, isLevel, isObject } from "../mapping";
import { type AuthorizeDeps, AuthorizeError, type Check, type Consistency, authorizeCheck, authorizeChecks } from "../roles";
import { ApiError } from "./api-errors";
import {
  type AuthorizeBatchResult, type AuthorizeCheckError, type AuthorizeConsistency, type AuthorizeResult, MAX_BATCH_CHECKS, isAuthorizeBatchEnvelope, isAuthorizeCheck,
  isAuthorizeSingle,
} from "./authorize-schema";

/** A request as the use case takes it: one question, or a batch whose refused questions already hold their error. */
export type AuthorizeRequestParsed =
  | { readonly kind: "single"; readonly consistency: Consistency; readonly check: Check }
  | { readonly kind: "batch"; readonly consistency: Consistency; readonly checks: readonly (Check | ApiError)[] };

const ASKED_KEYS = ["area", "capability", "connector"] as const;
const QUESTION_KEYS = new Set<string>(["member", "level", ...ASKED_KEYS]);
const QUESTION_SHAPE = "{ member, area (with level) | capability | connector }";
const NOT_AN_OBJECT = `A question is an object ${QUESTION_SHAPE}, and a batch { checks: [question, …] }`;

/** The body of `POST /api/v1/authorize`, answered: validate → ask → render. */
export async function answerAuthorize(deps: AuthorizeDeps, orgId: string, body: unknown): Promise<AuthorizeResult | AuthorizeBatchResult> {
  const request = parseAuthorizeRequest(body);
  if (request.kind === "single") {
    try {
      const { answer, revision } = await authorizeCheck(deps, orgId, request.consistency, request.check);
      return { ...answer, revision: String(revision), consistency: request.consistency.mode };
    } catch (err) {
      throw err instanceof AuthorizeError ? apiErrorOf(err) : err;
    }
  }
  const asked = request.checks.filter((check): check is Check => !(check instanceof ApiError));
  const { outcomes, revision } = await authorizeChecks(deps, orgId, request.consistency, asked);
  const at = String(revision);
  let next = 0;
  const results = request.checks.map((check): AuthorizeResult | AuthorizeCheckError => {
    if (check instanceof ApiError) return checkError(check);
    const outcome = outcomes[next++];
    if (outcome === undefined) throw new Error("authorize answered fewer questions than it was asked");
    // One revision for the batch: every answer reflects at least the oldest state any was read from.
    return outcome.ok ? { ...outcome.answer, revision: at, consistency: request.consistency.mode } : checkError(apiErrorOf(outcome.error));
  });
  return { results, revision: at, consistency: request.consistency.mode };
}

/** An AuthorizeError as the API's error (the same code and message). */
export function apiErrorOf(err: AuthorizeError): ApiError {
  return new ApiError(err.code, err.message);
}

function checkError(err: ApiError): AuthorizeCheckError {
  // Only a question's own refusals are answered in place (CHECK_ERROR_CODES); their statuses are 400 and 404.
  return { status: err.status === 404 ? 404 : 400, error: { code: checkErrorCode(err.code), message: err.message } };
}

function checkErrorCode(code: ApiError["code"]): AuthorizeCheckError["error"]["code"] {
  switch (code) {
    case "member_not_found":
    case "unknown_area":
    case "unknown_level":
    case "unknown_capability":
    case "unknown_connector":
      return code;
    default:
      return "invalid_request";
  }
}

/** The request, validated; a 400 ApiError naming the first thing to fix when the single form or the batch's envelope is not valid. */
export function parseAuthorizeRequest(body: unknown): AuthorizeRequestParsed {
  if (!isObject(body)) throw new ApiError("invalid_request", NOT_AN_OBJECT);
  if ("checks" in body) {
    if (!isAuthorizeBatchEnvelope(body)) throw batchProblem(body);
    return { kind: "batch", consistency: toConsistency(body.consistency), checks: body.checks.map((check) => (isAuthorizeCheck(check) ? toCheck(check) : questionProblem(check, true))) };
  }
  if (!isAuthorizeSingle(body)) throw questionProblem(body, false);
  return { kind: "single", consistency: toConsistency(body.consistency), check: toCheck(body) };
}

function toCheck(question: { readonly member: string; readonly area?: string; readonly level?: string; readonly capability?: string; readonly connector?: string }): Check {
  return { member: question.member, question: toQuestion(question) };
}

function toQuestion(question: { readonly area?: string; readonly level?: string; readonly capability?: string; readonly connector?: string }): AuthorizeQuestion {
  // The schema has let through exactly one of area, capability and connector, each well formed.
  if (question.area !== undefined && isArea(question.area)) return { kind: "area", area: question.area, level: question.level !== undefined && isLevel(question.level) ? question.level : "view" };
  if (question.capability !== undefined) return { kind: "capability", capability: question.capability };
  if (question.connector !== undefined) return { kind: "connector", connector: question.connector };
  throw new ApiError("invalid_request", `Ask about one of: area (with level), capability, connector`);
}

function toConsistency(value: AuthorizeConsistency | undefined): Consistency {
  if (value === undefined || value === "full") return { mode: "full" };
  if (value === "minimize_latency") return { mode: "minimize_latency" };
  return { mode: "at_least", revision: Number(value.atLeast) };
}

/** Why a batch's envelope is not valid. */
function batchProblem(body: Record<string, unknown>): ApiError {
  const mixed = Object.keys(body).filter((key) => QUESTION_KEYS.has(key));
  if (mixed.length > 0) return new ApiError("invalid_request", `Ask either one question (member, …) or a batch (checks), not both: ${mixed.map((key) => `"${key}"`).join(", ")} beside checks`);
  const unexpected = Object.keys(body).filter((key) => key !== "checks" && key !== "consistency");
  if (unexpected.length > 0) return new ApiError("invalid_request", `A batch is { checks, consistency }; ${unexpected.map((key) => `"${key}"`).join(", ")} is not part of it`);
  const checks = body.checks;
  if (!Array.isArray(checks)) return new ApiError("invalid_request", `checks must be an array of questions, each ${QUESTION_SHAPE}`);
  if (checks.length === 0) return new ApiError("invalid_request", `checks holds no question; a batch asks 1 to ${MAX_BATCH_CHECKS}`);
  if (checks.length > MAX_BATCH_CHECKS) return new ApiError("invalid_request", `checks holds ${checks.length} questions; a batch asks at most ${MAX_BATCH_CHECKS}`);
  return consistencyProblem(body.consistency) ?? new ApiError("invalid_request", "The batch does not match the schema of POST /api/v1/authorize");
}

/**
 * Why a question is not valid, with the code it would be refused with alone. Exported for the test
 * that holds it to the schema: whatever the schema refuses, this names.
 */
export function questionProblem(question: unknown, inBatch: boolean): ApiError {
  if (!isObject(question)) return new ApiError("invalid_request", NOT_AN_OBJECT);
  if (inBatch && "consistency" in question) return new ApiError("invalid_request", "consistency applies to the whole batch: give it beside checks, not in a check");
  const consistency = inBatch ? null : consistencyProblem(question.consistency);
  if (consistency !== null) return consistency;
  if (typeof question.member !== "string" || question.member === "") return new ApiError("invalid_request", "member must be a member id or userName");
  const asked = ASKED_KEYS.filter((key) => key in question);
  if (asked.length !== 1) {
    return new ApiError("invalid_request", `Ask about one of: area (with level), capability, connector${asked.length > 1 ? ` — one per question, not ${asked.join(" and ")}` : ""}`);
  }
  const { area, level, capability, connector } = question;
  if (asked[0] === "area") {
    if (typeof area !== "string" || !isArea(area)) return new ApiError("unknown_area", `Unknown area ${JSON.stringify(area)}; areas are ${AREAS.join(", ")}`);
    if (level !== undefined && (typeof level !== "string" || !isLevel(level))) return new ApiError("unknown_level", `level must be one of ${LEVELS.join(", ")}`);
  }
  if (asked[0] === "capability" && (typeof capability !== "string" || capability === "")) return new ApiError("invalid_request", "capability must be the name of a capability");
  if (asked[0] === "connector" && (typeof connector !== "string" || connector === "")) return new ApiError("invalid_request", "connector must be the name of a connector");
  return new ApiError("invalid_request", `The question does not match the schema of POST /api/v1/authorize: ${QUESTION_SHAPE}`);
}

const REVISION = /^\d{1,15}$/;

/** Why `consistency` is not one the API knows, or null when it is (or absent). */
function consistencyProblem(value: unknown): ApiError | null {
  if (value === undefined || value === "full" || value === "minimize_latency") return null;
  if (isObject(value) && Object.keys(value).length === 1 && "atLeast" in value) {
    const raw = value.atLeast;
    if ((typeof raw === "number" && Number.isSafeInteger(raw) && raw >= 0) || (typeof raw === "string" && REVISION.test(raw))) return null;
    return new ApiError("invalid_request", "consistency.atLeast must be a revision: the decimal string of an X-Revision header or an answer's revision");
  }
  return new ApiError("invalid_request", 'consistency must be "full" (the default), "minimize_latency", or { "atLeast": "<revision>" }');
}
