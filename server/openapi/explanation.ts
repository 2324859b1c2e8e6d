/**
 * The explanation of a member's access (mapping/explain.ts) and an audit entry's cause and change,
 * as components of the API's document. Each is checked against the type the server sends at compile
 * time (the assignments at the end), so a field added to one and not the other does not build.
 */
import { type Static, type TSchema, Type } from "@sinclair/typebox";
import { AREAS, type Explanation, GROUP_SOURCES, LEVELS, MATCHER_KINDS, ORG_ROLES, type PermissionChange, STANDARD_ORG_ROLES } from "../../mapping";
import type { ChangeCause } from "../../db/change-cause";
import { bool, enumOf, int, list, nullable, str } from "./types";

const closed = Type.Object;
const CLOSED = { additionalProperties: false } as const;

const level = enumOf(LEVELS);
const areaLevels = closed(Object.fromEntries(AREAS.map((area) => [area, level])) as Record<(typeof AREAS)[number], typeof level>, CLOSED);
const roleGrant = closed({ role: str, rules: list(int, { description: "Indexes of the rules that gave it, in the file" }) }, CLOSED);

const matchGrant = { ruleIndex: int, ruleId: str, roles: list(str), orgRole: nullable(enumOf(STANDARD_ORG_ROLES)) };
const RuleMatch = Type.Union(
  [
    closed(
      {
        ...matchGrant,
        kind: Type.Literal("group"),
        group: closed({ id: str, externalId: nullable(str), displayName: str, source: enumOf(GROUP_SOURCES) }, CLOSED),
        matchedBy: enumOf(MATCHER_KINDS),
        matcherValue: Type.String({ description: "The value the rule names, as written in the file" }),
      },
      CLOSED,
    ),
    closed({ ...matchGrant, kind: Type.Literal("appRole"), appRole: str }, CLOSED),
  ],
  { description: "A rule that matched the member, through one of their groups or app roles" },
);

const AreaChain = closed(
  {
    level,
    source: Type.Union([
      closed({ kind: Type.Literal("inactive") }, CLOSED),
      closed({ kind: Type.Literal("owner"), orgRole: enumOf(["primary_owner", "owner"]) }, CLOSED),
      closed({ kind: Type.Literal("standard_role"), orgRole: enumOf(["admin", "user"]) }, CLOSED),
      closed({ kind: Type.Literal("custom_roles"), grants: list(closed({ role: str, rules: list(int), level }, CLOSED)) }, CLOSED),
    ]),
    reason: str,
  },
  { ...CLOSED, description: "An area's level and where it comes from" },
);

const GrantChain = closed(
  {
    name: str,
    granted: bool,
    base: closed({ granted: bool, via: enumOf(["custom_roles", "org_enabled", "nothing"]), roles: list(roleGrant) }, { ...CLOSED, description: "Before the layers: custom roles that list it, or the org having it on for a standard role" }),
    layers: list(closed({ layer: enumOf(["org", "platform"]), setting: enumOf(["on", "off"]), changed: bool, overridden: bool }, CLOSED)),
    reason: str,
  },
  { ...CLOSED, description: "A capability or connector, and what the roles, the organisation and the platform did to it" },
);

export const ExplanationSchema = closed(
  {
    member: closed({ id: str, userName: str, active: bool }, CLOSED),
    orgRole: enumOf(ORG_ROLES),
    admin: areaLevels,
    capabilities: list(str),
    connectors: list(str),
    roles: list(str),
    inactiveReason: nullable(str, { description: "Set only for an inactive member: why they have no access" }),
    orgRoleReason: str,
    matches: list(RuleMatch),
    customRolesNotApplied: nullable(closed({ roles: list(str), reason: str }, CLOSED), { description: "Custom roles the member's groups give that do not apply, because the org role is not custom" }),
    chains: closed({ admin: closed(Object.fromEntries(AREAS.map((area) => [area, AreaChain])) as Record<(typeof AREAS)[number], typeof AreaChain>, CLOSED), capabilities: list(GrantChain), connectors: list(GrantChain) }, CLOSED),
  },
  { ...CLOSED, description: "Why a member has what they have: the rules that matched, and each area's, capability's and connector's chain" },
);

const listChange = closed({ added: list(str), removed: list(str) }, CLOSED);
export const PermissionChangeSchema = closed(
  {
    changed: bool,
    orgRole: nullable(closed({ before: enumOf(ORG_ROLES), after: enumOf(ORG_ROLES) }, CLOSED)),
    admin: list(closed({ area: enumOf(AREAS), before: level, after: level }, CLOSED), { description: "Only the areas whose level changed" }),
    capabilities: listChange,
    connectors: listChange,
    roles: listChange,
    summary: list(str, { description: "One line per changed field, e.g. billing: none → manage" }),
  },
  { ...CLOSED, description: "What changed between an audit entry's before and after" },
);

const optional = <T extends TSchema>(schema: T) => Type.Optional(schema);
export const ChangeCauseSchema = Type.Union(
  [
    closed({ kind: Type.Literal("scim"), method: str, path: str, requestId: str }, CLOSED),
    closed({ kind: Type.Literal("mapping"), version: int, source: str, actor: optional(str) }, CLOSED),
    closed({ kind: Type.Literal("cli"), actor: str, command: str, reason: optional(str) }, CLOSED),
    closed(
      { kind: Type.Literal("admin"), actor: str, action: str, target: nullable(str), actionSeq: int, version: optional(int), requestId: optional(str), reason: optional(str) },
      CLOSED,
    ),
    closed({ kind: Type.Literal("platform"), version: int, source: str, actor: str }, CLOSED),
  ],
  { description: "What caused a change: a SCIM request, a mapping version, a command, an admin's action, or the operator's platform settings" },
);

/** Compiles only when each of A and B is assignable to the other: the schema and the type say the same. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const agree: [Same<Explanation, Static<typeof ExplanationSchema>>, Same<PermissionChange, Static<typeof PermissionChangeSchema>>, Same<ChangeCause, Static<typeof ChangeCauseSchema>>] = [true, true, true];
void agree;

export function explanationComponents(): Record<string, TSchema> {
  return { Explanation: ExplanationSchema, PermissionChange: PermissionChangeSchema, ChangeCause: ChangeCauseSchema };
}
