/** Role administration by the members themselves: the use cases behind /api/v1/admin. */
export { type Actor, type SignInStanding, actorName, loadActor, maySignIn } from "./actor";
export { AdminError, type AdminErrorCode } from "./errors";
export {
  type AdminDeps, type EditOutcome, type IfMatch, type MappingView, type PlanOutcome, ADMIN_SOURCE,
  diffVersions, editMapping, listVersions, planEdit, readMapping, readVersion, rollbackMapping,
} from "./mapping";
export {
  type GroupDetail, type GroupGrants, type GroupSummary, type ManualGroupRow, addGroupMember, listManualGroups, planGroupMembership, createManualGroup, deleteManualGroup, grantsOf, listGroups, readGroup, removeGroupMember, renameManualGroup,
} from "./groups";
export { type MemberDetail, type MemberProvenance, type MemberQuery, type MemberRow, listMemberPage, memberDetail } from "./members";
export { type AuditPage, type Me, type RoleSummary, authorizeEventStream, listRoles, readAdminLog, readAuditPage, whoAmI } from "./reads";
export {
  DEFAULT_ROTATION_OVERLAP_SECONDS, MAX_ROTATION_OVERLAP_SECONDS, type NewToken, type Operator, createScimToken, createTokenAsOperator, listScimTokens, revokeScimToken,
  revokeTokenAsOperator, rotateScimToken,
} from "./tokens";
export {
  AUDIT_LOG_FLOOR_DAYS, DELETED_MEMBERS_LIST_LIMIT, ERASURE_ERASES, EXPORT_LIST_LIMIT, MEMBER_SEARCH_LIMIT, NOT_ERASED_WHY, RETENTION_BOUNDS,
  type DeletedMembers, type EffectiveRetention, type ErasureOutcome, type NotErased, type PersonalDataExport, type PrivacyDefaults, type RetentionSetting, type RetentionView, type StatementRow,
  changeRetentionSettings, checkRetentionChange, effectiveRetention, eraseDeletedMember, eraseIn, exportMemberData, exportOwnData, pseudonymOf,
  readDeletedMembers, readPrivacyStatement, readRetentionSettings, searchMembersForExport,
} from "./privacy";
export { privacyStatement, statementMarkdown } from "./privacy-statement";
export { type MyAccess, explainMyAccess } from "./access";
export { logAdminAction } from "./log";
export {
  type ScimConnection, type SessionLimitsView, type SignInChange, type SignInContext, type SignInView,
  changeSessionLimits, changeSignIn, listScimConnections, readSessionLimits, readSignIn, readTokenErrors,
} from "./identity";
export {
  type AddedMember, type MemberPlan, type StandingOutcome, MAX_REASON_LENGTH, addLocalMember, idpName, planSuspension, reactivateAsOperator, reactivateMember, removeLocalMember,
  signOutMember, suspendAsOperator, suspendMember,
} from "./member-admin";
export {
  type AccessReviewPage, type AccessReviewRow, type DayRange, type Series, MAX_RANGE_DAYS, MAX_SERIES_ROWS, REVIEW_SCAN,
  accessReview, changeCollectionSettings, decisionSeries, memberSeries, provisioningSeries, readCollectionSettings,
} from "./analytics";
