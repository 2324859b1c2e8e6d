/** Role administration by the members themselves: the use cases behind /api/v1/admin. */
export { type Actor, type SignInStanding, actorName, loadActor, maySignIn } from "./actor";
export { AdminError, type AdminErrorCode } from "./errors";
export {
  type AdminDeps, type EditOutcome, type IfMatch, type MappingView, type PlanOutcome, ADMIN_SOURCE,
  diffVersions, editMapping, listVersions, planEdit, readMapping, readVersion, rollbackMapping,
} from "./mapping";
export {
  type GroupDetail, type GroupGrants, type GroupSummary, addGroupMember, createManualGroup, deleteManualGroup, grantsOf, listGroups, readGroup, removeGroupMember, renameManualGroup,
} from "./groups";
export { type MemberDetail, type MemberQuery, type MemberRow, listMemberPage, memberDetail } from "./members";
export { type AuditPage, type Me, type RoleSummary, authorizeEventStream, listRoles, readAdminLog, readAuditPage, whoAmI } from "./reads";
export {
  DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS, type NewToken, createScimToken, listScimTokens, revokeScimToken, rotateScimToken,
} from "./tokens";
export {
  type AccessReviewPage, type AccessReviewRow, type DayRange, type Series, MAX_RANGE_DAYS, MAX_SERIES_ROWS, REVIEW_SCAN,
  accessReview, changeCollectionSettings, decisionSeries, memberSeries, provisioningSeries, readCollectionSettings,
} from "./analytics";
