/** The role-mapping service: keep permissions in step with the directory; apply, plan, explain, reconcile. */
export { MappingPermissionSync, type PlatformSource, type RecomputeObserver, type Recomputed } from "./sync";
export { type EventSink, PERMISSIONS_CHANGED, type PermissionChangedData } from "./events";
export { applyMappingText, type ApplyResult } from "./apply";
export { planMappingText, type PlanResult } from "./plan";
export { explainUser } from "./explain";
export { reconcileAll } from "./reconcile";
export { verifyPermissions, type Drift, type VerifyResult } from "./verify";
