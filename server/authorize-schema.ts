/**
 * `POST /api/v1/authorize`'s request and response as JSON Schemas (TypeBox): one source for the
 * OpenAPI document (`AuthorizeRequest`, `AuthorizeResponse`) and for the validation every request
 * passes (server/authorize.ts, with ajv). A question names a member and exactly one of: an admin
 * area (with a level, `view` unless given), a capability, a connector.
 */
import { type Static, type TLiteral, type TProperties, type TUnion, Type } from "@sinclair/typebox";
import Ajv from "ajv";
import { AREAS, LEVELS, ORG_ROLES } from "../mapping";

/** The most questions one batch may ask. */
export const MAX_BATCH_CHECKS = 100;

export const CONSISTENCY_MODES = ["full", "at_least", "minimize_latency"] as const;

/** The codes a question of a batch may be answered with in its place: those it would get alone. */
export const CHECK_ERROR_CODES = ["invalid_request", "member_not_found", "unknown_area", "unknown_level", "unknown_capability", "unknown_connector"] as const;

const ASKED = ["area", "capability", "connector"] as const;

function oneOfValues<T extends string | number>(values: readonly T[], options: { description?: string; default?: T } = {}): TUnion<TLiteral<T>[]> {
  return Type.Union(values.map((value) => Type.Literal(value)), options);
}

const closed = { additionalProperties: false } as const;

const Member = Type.String({ minLength: 1, description: "The member's id or userName (an id match wins over a userName equal to it)" });
const Area = oneOfValues(AREAS, { description: "An admin area" });
const Level = oneOfValues(LEVELS);
const Name = Type.String({ minLength: 1 });

export const AuthorizeConsistency = Type.Union(
  [
    Type.Literal("full"),
    Type.Literal("minimize_latency"),
    Type.Object({ atLeast: Type.Union([Type.String({ pattern: "^[0-9]{1,15}$" }), Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })]) }, closed),
  ],
  {
    description:
      "How fresh the answer must be: full (the default) is never older than a write acknowledged before the request; { atLeast: revision }, from a state at least that revision (an X-Revision header, an answer's revision); minimize_latency, from memory when held (at most 1 s old, and never older than a change the server heard of)",
  },
);

/** One question, each kind refusing the other kinds' keys (and, in a batch, a consistency of its own). */
function questionForm<P extends TProperties>(extra: P, inBatch: boolean) {
  const onlyThis = (own: (typeof ASKED)[number]) => {
    const others: string[] = ASKED.filter((key) => key !== own);
    // A batch's question has no consistency of its own; a single question is not a batch.
    others.push(inBatch ? "consistency" : "checks");
    return { not: { anyOf: others.map((key) => ({ required: [key] })) } };
  };
  return Type.Union([
    Type.Object({ member: Member, area: Area, level: Type.Optional(oneOfValues(LEVELS, { description: "The level asked for", default: "view" })), ...extra }, onlyThis("area")),
    Type.Object({ member: Member, capability: Name, ...extra }, onlyThis("capability")),
    Type.Object({ member: Member, connector: Name, ...extra }, onlyThis("connector")),
  ]);
}

/** A question of a batch: the single form without `consistency`, which the batch gives once. */
export const AuthorizeCheck = questionForm({}, true);
export const AuthorizeSingle = questionForm({ consistency: Type.Optional(AuthorizeConsistency) }, false);

export const AuthorizeBatch = Type.Object(
  {
    checks: Type.Array(AuthorizeCheck, { minItems: 1, maxItems: MAX_BATCH_CHECKS, description: `1 to ${MAX_BATCH_CHECKS} questions, answered in order; a member named twice is looked up once` }),
    consistency: Type.Optional(AuthorizeConsistency),
  },
  closed,
);

/** The batch envelope as validated: its questions are validated one by one, so that one refused is answered in its place. */
export const AuthorizeBatchEnvelope = Type.Object(
  { checks: Type.Array(Type.Unknown(), { minItems: 1, maxItems: MAX_BATCH_CHECKS }), consistency: Type.Optional(AuthorizeConsistency) },
  closed,
);

export const AuthorizeRequest = Type.Union([AuthorizeSingle, AuthorizeBatch], { description: `One question, or { checks: [...] }: a batch of up to ${MAX_BATCH_CHECKS}` });

const Revision = Type.String({ pattern: "^[0-9]+$", description: "The organisation's revision the answer reflects (hand it back as consistency.atLeast)" });
const stamp = { revision: Revision, consistency: oneOfValues(CONSISTENCY_MODES, { description: "The consistency the answer was asked with" }) };
const answered = {
  allowed: Type.Boolean(),
  member: Type.Object({ id: Type.String(), userName: Type.String(), active: Type.Boolean() }, closed),
  orgRole: oneOfValues(ORG_ROLES),
};

/** One answer: the question's own key echoed, for an area also the level the member holds. */
export const AuthorizeResult = Type.Union([
  Type.Object({ ...answered, area: Area, level: Level, granted: Level, ...stamp }, closed),
  Type.Object({ ...answered, capability: Type.String(), ...stamp }, closed),
  Type.Object({ ...answered, connector: Type.String(), ...stamp }, closed),
]);

/** A batch's question that alone would have been refused: its status and the error body it would have had. */
export const AuthorizeCheckError = Type.Object(
  { status: oneOfValues([400, 404] as const), error: Type.Object({ code: oneOfValues(CHECK_ERROR_CODES), message: Type.String() }, closed) },
  closed,
);

export const AuthorizeBatchResult = Type.Object({ results: Type.Array(Type.Union([AuthorizeResult, AuthorizeCheckError]), { maxItems: MAX_BATCH_CHECKS }), ...stamp }, closed);

export const AuthorizeResponse = Type.Union([AuthorizeResult, AuthorizeBatchResult]);

export type AuthorizeSingle = Static<typeof AuthorizeSingle>;
export type AuthorizeCheck = Static<typeof AuthorizeCheck>;
export type AuthorizeBatchEnvelope = Static<typeof AuthorizeBatchEnvelope>;
export type AuthorizeConsistency = Static<typeof AuthorizeConsistency>;
export type AuthorizeResult = Static<typeof AuthorizeResult>;
export type AuthorizeCheckError = Static<typeof AuthorizeCheckError>;
export type AuthorizeBatchResult = Static<typeof AuthorizeBatchResult>;
export type AuthorizeResponse = Static<typeof AuthorizeResponse>;

const ajv = new Ajv({ strict: false });

/** The compiled validators: a few microseconds a request. */
export const isAuthorizeSingle = ajv.compile<AuthorizeSingle>(AuthorizeSingle);
export const isAuthorizeCheck = ajv.compile<AuthorizeCheck>(AuthorizeCheck);
export const isAuthorizeBatchEnvelope = ajv.compile<AuthorizeBatchEnvelope>(AuthorizeBatchEnvelope);
