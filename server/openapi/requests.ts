/**
 * The admin API's request bodies, one schema each: published in the OpenAPI document and checked
 * by ajv before a route reads them (server/openapi/validate.ts), so what the document says a route
 * takes is what it takes. The use cases still judge the values (a reason's length, a date, a
 * retention's bounds) and refuse them with their own codes; these say only what shape is read.
 */
import { Type } from "@sinclair/typebox";
import { MAX_REASON_LENGTH } from "../../roles/admin";
import { type TSchema, nullable, ref } from "./types";

const CLOSED = { additionalProperties: false } as const;
const text = Type.String({ minLength: 1, pattern: "\\S" });

export const GroupNameRequest = Type.Object({ displayName: text }, CLOSED);
export const PrimaryOwnerRequest = Type.Object({ userName: text }, CLOSED);

export const NewMemberRequest = Type.Object({ email: Type.String({ description: "Their e-mail, which becomes their userName" }), displayName: Type.Optional(nullable(Type.String())) }, CLOSED);
export const SuspensionRequest = Type.Object({ reason: Type.String({ description: `Why, 1–${MAX_REASON_LENGTH} characters; shown to admins and kept in the audit log` }) }, CLOSED);
export const MembershipPlanRequest = Type.Object({ op: Type.Unsafe<"add" | "remove">({ type: "string", enum: ["add", "remove"] }) }, CLOSED);

export const ErasureRequest = Type.Union([Type.Object({ userId: text }, CLOSED), Type.Object({ userName: text }, CLOSED)], { description: "The deleted member, by userId or by userName (one of them)" });

const expiresAt = nullable(Type.String(), { description: "ISO-8601; after it the token authenticates no more (null or left out: until revoked)" });
export const NewScimTokenRequest = Type.Object({ label: Type.Optional(Type.String()), expiresAt: Type.Optional(expiresAt) }, CLOSED);
export const RotationRequest = Type.Object(
  { label: Type.Optional(Type.String()), expiresAt: Type.Optional(expiresAt), overlapSeconds: Type.Optional(Type.Integer({ minimum: 0, maximum: 604800, description: "How long the old token keeps working (default 3600)" })) },
  CLOSED,
);

export const AnalyticsSettingsRequest = Type.Object({ collectAuthorize: Type.Optional(Type.Boolean()), collectProvisioning: Type.Optional(Type.Boolean()) }, CLOSED);

export const SsoRequest = Type.Object(
  {
    issuer: text,
    clientId: text,
    clientSecret: Type.Optional(nullable(Type.String(), { description: "Left out: keep the stored one; null: a client without a secret" })),
    usernameClaim: Type.Optional(Type.String({ description: "Default email" })),
  },
  CLOSED,
);

export const SessionLimitsRequest = Type.Object(
  { idleMinutes: nullable(Type.Number()), sessionHours: nullable(Type.Number()) },
  { ...CLOSED, description: "Both whole numbers, or both null to go back to the defaults" },
);

const change = <K extends string>(kind: K, properties: Record<string, TSchema>) => Type.Object({ kind: Type.Literal(kind), ...properties }, CLOSED);
/** A plan's proposal: a whole mapping, or one fine-grained edit as the edit routes make it. */
export const PlanRequest = Type.Union(
  [
    Type.Object({ document: ref("MappingDocument") }, CLOSED),
    Type.Object(
      {
        change: Type.Union([
          change("put_role", { name: text, role: ref("RoleDocument") }),
          change("delete_role", { name: text }),
          change("add_rule", { rule: ref("Rule") }),
          change("delete_rule", { ruleId: text }),
          change("set_org", { org: Type.Object({ features: Type.Optional(ref("MappingToggles")), connectors: Type.Optional(ref("MappingToggles")) }, CLOSED) }),
          change("set_standard_role", { role: Type.Unsafe<"admin" | "user">({ type: "string", enum: ["admin", "user"] }), levels: ref("MappingAreaLevels") }),
          change("set_primary_owner", { userName: text }),
        ]),
      },
      CLOSED,
    ),
  ],
  { description: "{ document } (a whole mapping) or { change: { kind, … } } (one edit)" },
);
