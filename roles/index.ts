/** The role-mapping service: keep permissions in step with the directory; apply, plan, explain, reconcile, administer. */
export { MappingPermissionSync, type Recomputed, type RoleEditorChange } from "./sync";
export type { EventSink, PermissionChangedEvent } from "./events";
export { applyMappingText, refusalLines, type ApplyOptions, type ApplyResult } from "./apply";
export { applyPlatformText, type PlatformApplyResult } from "./platform";
export { planMapping, planMappingText, type PlanResult } from "./plan";
export { explainUser } from "./explain";
export { reconcileAll } from "./reconcile";
export { isKnownGrant } from "./vocabulary";
