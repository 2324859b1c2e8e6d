/**
 * What `POST /api/v1/authorize` takes and answers, as TypeBox schemas the OpenAPI document publishes
 * (server/openapi.ts). Self-contained: nothing here refers to another component, so the document
 * stays whole whichever way the authorize route grows.
 *
 * A question names a member (id or userName) and exactly one of: an admin `area` (with a `level`,
 * `view` when left out), a `capability`, or a `connector`. A member the organisation does not have is
 * 404 `member_not_found`, not a "no": the caller asked about someone who is not there. Names the
 * product could never grant are 400 (`unknown_area`, `unknown_capability`, …), for the same reason.
 */
import { Type } from "@sinclair/typebox";
import { AREAS, LEVELS, ORG_ROLES } from "../mapping";
import { API_ERROR_STATUS } from "./api-errors";
import { CONSISTENCY_MODES, MAX_BATCH_CHECKS } from "./authorize";

const strings = <const T extends string>(values: readonly T[], description?: string) => Type.Unsafe<T>({ type: "string", enum: [...values], ...(description === undefined ? {} : { description }) });

const member = Type.String({ minLength: 1, description: "The member's id, or their userName (any case)" });
const level = strings(LEVELS, "The least level that answers yes (default view)");

const revision = Type.String({ pattern: "^[0-9]+$", description: "The organisation's revision the answer was read at (a write's X-Revision): hand it back as consistency.atLeast" });

const consistency = Type.Union(
  [
    strings(["full", "minimize_latency"]),
    Type.Object({ atLeast: Type.Union([revision, Type.Integer({ minimum: 0 })]) }, { additionalProperties: false }),
  ],
  {
    description:
      "How fresh the answer must be: full (the default) is never older than a write acknowledged before the request; atLeast, from a state at least that revision; minimize_latency, from memory when held (at most 1 s old, and never older than a change the server heard of)",
  },
);

/** One question: the member and one thing to ask about. */
export const AuthorizeQuestion = Type.Union(
  [
    Type.Object({ member, area: strings(AREAS, "An admin area"), level: Type.Optional(level) }, { additionalProperties: false, title: "AreaQuestion" }),
    Type.Object({ member, capability: Type.String({ minLength: 1, description: "A feature capability (built in or known to the organisation)" }) }, { additionalProperties: false, title: "CapabilityQuestion" }),
    Type.Object({ member, connector: Type.String({ minLength: 1, description: "A connector (built in or known to the organisation)" }) }, { additionalProperties: false, title: "ConnectorQuestion" }),
  ],
  { description: "A member, and an area (with a level), a capability or a connector" },
);

const withConsistency = (question: (typeof AuthorizeQuestion.anyOf)[number]) =>
  Type.Object({ ...question.properties, consistency: Type.Optional(consistency) }, { additionalProperties: false, ...(question.title === undefined ? {} : { title: question.title }) });

/** One question (with its consistency), or a batch of up to MAX_BATCH_CHECKS answered in order. */
export const AuthorizeRequest = Type.Union(
  [
    ...AuthorizeQuestion.anyOf.map(withConsistency),
    Type.Object(
      { checks: Type.Array(AuthorizeQuestion, { maxItems: MAX_BATCH_CHECKS }), consistency: Type.Optional(consistency) },
      { additionalProperties: false, title: "AuthorizeBatch", description: `Up to ${MAX_BATCH_CHECKS} questions answered in order; a member named twice is looked up once; a question that alone would be refused is answered in its place with its error` },
    ),
  ],
  { description: "One question, or a batch of them under checks" },
);

const memberRef = Type.Object({ id: Type.String(), userName: Type.String(), active: Type.Boolean() }, { additionalProperties: false });
const orgRole = strings(ORG_ROLES);

/** The answer to one question: allowed or not, with what it was judged on. */
export const AuthorizeAnswer = Type.Object(
  {
    allowed: Type.Boolean(),
    member: memberRef,
    orgRole,
    area: Type.Optional(strings(AREAS)),
    level: Type.Optional(strings(LEVELS)),
    granted: Type.Optional(strings(LEVELS, "The level the member holds in the area")),
    capability: Type.Optional(Type.String()),
    connector: Type.Optional(Type.String()),
    revision,
    consistency: strings(CONSISTENCY_MODES),
  },
  { title: "AuthorizeAnswer" },
);

/** A batch's question that was refused (as it alone would have been), in its place. */
export const AuthorizeCheckError = Type.Object(
  {
    status: Type.Integer({ description: "The status the question alone would have had: 400 or 404" }),
    error: Type.Object({ code: strings(Object.keys(API_ERROR_STATUS)), message: Type.String() }, { additionalProperties: false }),
  },
  { additionalProperties: false, title: "AuthorizeCheckError" },
);

export const AuthorizeResponse = Type.Union([
  AuthorizeAnswer,
  Type.Object(
    { results: Type.Array(Type.Union([AuthorizeAnswer, AuthorizeCheckError])), revision, consistency: strings(CONSISTENCY_MODES) },
    { additionalProperties: false, title: "AuthorizeBatchAnswer" },
  ),
]);
