/** Public API of the pure role-mapping core. Nothing here does I/O. */
export { AREAS, LEVELS, ORG_ROLES, STANDARD_ORG_ROLES, MATCHER_KINDS, ISSUE_CODES, IDENTITY_PROVIDERS, GROUP_SOURCES } from "./types";
export type {
  Area, Level, OrgRole, StandardOrgRole, AreaLevels, MatcherKind, GroupMatcher, RuleSource, RoleDefinition, MappingRule, Toggles,
  Mapping, IssueCode, MappingIssue, ParseResult, GroupRef, IdentityProvider, GroupSource, MemberInput, PlatformOverrides, EffectivePermissions,
} from "./types";
export { parseMapping } from "./parse";
export { DEFAULT_SOURCE_LIMITS, type SourceLimits } from "./source";
export { hashMapping, canonicalJSON } from "./hash";
export { emptyMapping } from "./normalise";
export { ruleMatchesGroup, ruleSelectsGroup, ruleMatchesAppRoles, matchRules } from "./match";
export { mappingFromJSON, permissionsFromJSON, StoredMappingError, StoredPermissionsError } from "./fromJSON";
export { resolveMember, batchResolver, permissionsEqual, canEditRoles, NO_ACCESS } from "./resolve";
export { explainMember } from "./explain";
export type { Explanation, AreaChain, AreaSource, GrantChain, LayerEffect, RoleGrant, RuleMatch } from "./explain";
export { diffPermissions } from "./diff";
export type { PermissionChange, ListChange } from "./diff";
export { EFFECT_KINDS, indexGroups, planMappingChange, rulesByRole, startPlan, lockoutOf, matchingGroups } from "./plan";
export type { EffectKind, GroupIndex, MappingPlan, MemberPlanChange, PlanEffect, PlanPlace, PlanWarning, PlanInput, PlanPage, Planner, Lockout, StandardToCustom, UnreachedReason } from "./plan";
export { newValidationWarnings, warningsTouchedBy } from "./planWarnings";
export { MAPPING_LIMITS, PLAN_ANSWER_MAX_BYTES, PLAN_LIMITS } from "./limits";
export { decide, nameToConfirm } from "./authorize";
export type { AskedName, AuthorizeAnswer, AuthorizeMember, AuthorizeQuestion, AuthorizeRefusal, AuthorizeVerdict } from "./authorize";
export { ADMIN_ACTIONS, POLICY_RULES, RULE_FOR, allowedActions, judgeAction } from "./policy";
export type { ActionDecision, AdminAction, AllowedActions, PolicyRule } from "./policy";
export { mappingChanges, refuseMappingChange } from "./changes";
export type { ChangeKind, ChangeRefusal, DescribedChange, MappingChangePart } from "./changes";
export { mappingToDocument, mappingToYaml, roleDocument, ruleDocument } from "./document";
export { applyEdit } from "./edits";
export type { EditResult, MappingEdit } from "./edits";
export type { AreaLevelsDocument, MappingDocument, OrgDocument, RoleDocument, RuleDocument, RuleTargetDocument, ToggleSetting } from "./document";
export { describeRuleTarget } from "./rules";
export { BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, isKnownName, knownNames } from "./vocabulary";
export type { GrantKind } from "./vocabulary";
export { parsePlatformFile, platformFor, platformFromJSON, hashPlatform, StoredPlatformError } from "./platform";
export type { PlatformFile, PlatformParseResult } from "./platform";
export { levelRank } from "./levels";
export { closestMatch } from "./suggest";
export { isArea, isLevel, isOrgRole } from "./guards";
export { type JsonObject, isObject } from "./json";
export { REACHES, judgeGrant, memberChangeReach, reachOf, ruleReach } from "./grant";
export type { GrantChange, GrantDecision, GrantRule, MemberChange, Reach } from "./grant";
export { areaHolding } from "./review";
export type { AccessPath, AreaHolding } from "./review";
