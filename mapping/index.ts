/** Public API of the pure role-mapping core. Nothing here does I/O. */
export { AREAS, LEVELS, ORG_ROLES, STANDARD_ORG_ROLES, MATCHER_KINDS, ISSUE_CODES, IDENTITY_PROVIDERS } from "./types";
export type {
  Area, Level, OrgRole, StandardOrgRole, AreaLevels, MatcherKind, GroupMatcher, RuleSource, RoleDefinition, MappingRule, Toggles,
  Mapping, IssueCode, MappingIssue, ParseResult, GroupRef, IdentityProvider, MemberInput, PlatformOverrides, EffectivePermissions,
} from "./types";
export { parseMapping } from "./parse";
export { hashMapping, canonicalJSON } from "./hash";
export { emptyMapping } from "./normalise";
export { ruleMatchesGroup, ruleSelectsGroup, ruleMatchesAppRoles, matchRules } from "./match";
export { mappingFromJSON, permissionsFromJSON, StoredMappingError, StoredPermissionsError } from "./fromJSON";
export { resolveMember, batchResolver, permissionsEqual, canEditRoles, NO_ACCESS } from "./resolve";
export { explainMember } from "./explain";
export type { Explanation, AreaChain, AreaSource, GrantChain, LayerEffect, RoleGrant, RuleMatch } from "./explain";
export { diffPermissions } from "./diff";
export type { PermissionChange, ListChange } from "./diff";
export { planMappingChange } from "./plan";
export type { MappingPlan, MemberPlanChange, PlanWarning, PlanInput } from "./plan";
export { parsePlatformFile, platformFor } from "./platform";
export type { PlatformFile, PlatformParseResult } from "./platform";
export { levelRank } from "./levels";
export { isArea, isLevel } from "./guards";
