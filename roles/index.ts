/** The role-mapping service: keep permissions in step with the directory; apply, plan, explain, reconcile, verify, administer. */
export { MappingPermissionSync, type RecomputeObserver, type Recomputed, type RoleEditorChange } from "./sync";
export { type EventSink, PERMISSIONS_CHANGED, type PermissionChangedData } from "./events";
export { applyMappingText, refuseMappingSource, refusalLines, type ApplyOptions, type ApplyResult } from "./apply";
export { applyPlatformText, type PlatformApplyResult } from "./platform";
export { planMapping, planMappingText, type PlanResult } from "./plan";
export { explainUser } from "./explain";
export { reconcileAll } from "./reconcile";
export { verifyPermissions, type Drift, type VerifyResult } from "./verify";
export { isKnownGrant } from "./vocabulary";
export {
  AuthorizeError, MemberReader, SharedRevisionReads, authorizeCheck, authorizeChecks,
  type Answered, type AuthorizeDeps, type AuthorizeErrorCode, type Check, type CheckOutcome, type Consistency, type FoundMember, type MemberCache, type MemberSource,
} from "./authorize";
