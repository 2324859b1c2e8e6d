/**
 * Usage analytics for Analytics viewers (and Owners): members over time by org role and by custom
 * role, provisioning per IdP connection per day, authorize's decisions per day, an access review
 * (who holds each admin area, and through what), and the collection settings, which Analytics
 * managers change (an admin action, in the admin log like every other).
 */
import {
  type AnalyticsSettings, type DecisionKind, type DecisionPoint, type MemberPoint, type MemberSeriesKind, type ProvisioningPoint,
  DEFAULT_ANALYTICS_SETTINGS, activeMembersAfter, liveMemberCounts, readAnalyticsSettings, readDecisionSeries, readMemberSeries, readProvisioningSeries, storeAnalyticsSettings,
} from "../../db/analytics";
import { loadMembers } from "../../db/member-snapshots";
import { withAfterCommit } from "../../db/transaction";
import { AREAS, type Area, type AreaHolding, type Level, type OrgRole, areaHolding, explainMember, levelRank, permissionsFromJSON } from "../../mapping";
import { type Actor, actorName, loadActor, requireAction, requireGrant } from "./actor";
import { decodeCursor, encodeCursor } from "./cursor";
import { logAdminAction } from "./log";
import type { AdminDeps } from "./mapping";

/** The longest day range a series covers: a year, leap day included. */
export const MAX_RANGE_DAYS = 366;
/** The most rows one series answer holds; past it the answer says `truncated`. */
export const MAX_SERIES_ROWS = 20_000;
/** Members the access review reads per page, holders or not: each page's work is bounded. */
export const REVIEW_SCAN = 500;

export interface DayRange {
  readonly from: string;
  readonly to: string;
}

export interface Series<T> {
  readonly from: string;
  readonly to: string;
  readonly rows: readonly T[];
  readonly truncated: boolean;
}

function today(now: number): string {
  return new Date(now).toISOString().slice(0, 10);
}

export async function readCollectionSettings(deps: AdminDeps, actor: Actor): Promise<AnalyticsSettings> {
  requireAction(actor, "read_analytics");
  return (await readAnalyticsSettings(deps.db.knex, [actor.orgId])).get(actor.orgId) ?? DEFAULT_ANALYTICS_SETTINGS;
}

export async function changeCollectionSettings(deps: AdminDeps, signedIn: Actor, change: { collectAuthorize?: boolean; collectProvisioning?: boolean }): Promise<AnalyticsSettings> {
  return withAfterCommit(deps.db, async (tx, onCommit) => {
    const actor = await loadActor(tx, signedIn.orgId, signedIn.userName);
    requireAction(actor, "configure_analytics");
    requireGrant(actor, { kind: "analytics_settings" });
    const before = (await readAnalyticsSettings(tx, [actor.orgId])).get(actor.orgId) ?? DEFAULT_ANALYTICS_SETTINGS;
    const after = { collectAuthorize: change.collectAuthorize ?? before.collectAuthorize, collectProvisioning: change.collectProvisioning ?? before.collectProvisioning };
    const stored = await storeAnalyticsSettings(tx, actor.orgId, after, actorName(actor));
    await logAdminAction(deps, tx, onCommit, actor.orgId, {
      actor: actorName(actor),
      action: "analytics.settings",
      target: null,
      detail: { before: { collectAuthorize: before.collectAuthorize, collectProvisioning: before.collectProvisioning }, after },
    });
    return stored;
  });
}

async function bounded<T>(range: DayRange, read: (limit: number) => Promise<T[]>): Promise<Series<T>> {
  const rows = await read(MAX_SERIES_ROWS + 1);
  return { from: range.from, to: range.to, rows: rows.slice(0, MAX_SERIES_ROWS), truncated: rows.length > MAX_SERIES_ROWS };
}

/** Daily snapshots of `[from, to]`; today, when in range, counted now rather than from the morning's snapshot. */
export async function memberSeries(deps: AdminDeps, actor: Actor, kind: MemberSeriesKind, range: DayRange, now = Date.now()): Promise<Series<MemberPoint>> {
  requireAction(actor, "read_analytics");
  const day = today(now);
  const series = await bounded(range, (limit) => readMemberSeries(deps.db.knex, actor.orgId, kind, range.from, range.to, limit));
  if (range.from > day || range.to < day) return series;
  const live = (await liveMemberCounts(deps.db.knex, actor.orgId))[kind];
  const rows = [...series.rows.filter((row) => row.day !== day), ...[...live].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([key, members]) => ({ day, key, members }))];
  return { ...series, rows: rows.slice(0, MAX_SERIES_ROWS), truncated: series.truncated || rows.length > MAX_SERIES_ROWS };
}

export async function decisionSeries(deps: AdminDeps, actor: Actor, range: DayRange, kind?: DecisionKind): Promise<Series<DecisionPoint>> {
  requireAction(actor, "read_analytics");
  return bounded(range, (limit) => readDecisionSeries(deps.db.knex, actor.orgId, range.from, range.to, limit, kind));
}

export async function provisioningSeries(deps: AdminDeps, actor: Actor, range: DayRange): Promise<Series<ProvisioningPoint>> {
  requireAction(actor, "read_analytics");
  return bounded(range, (limit) => readProvisioningSeries(deps.db.knex, actor.orgId, range.from, range.to, limit));
}

export interface AccessReviewRow extends AreaHolding {
  readonly member: { readonly id: string; readonly userName: string };
  readonly orgRole: OrgRole;
}

export interface AccessReviewPage {
  readonly rows: readonly AccessReviewRow[];
  /** Where the next page starts; null at the end of the directory. */
  readonly nextCursor: string | null;
}

const isSeq = (value: unknown): value is number => typeof value === "number" && Number.isInteger(value) && value >= 0;

/**
 * Who holds each admin area (or `area`) at view or more (or at `level` exactly), one row per member
 * and area, with the groups, app roles and roles it comes through. A page reads at most
 * REVIEW_SCAN members and explains at most `limit` holders; a page may hold fewer rows than asked
 * (even none) and still have a next one.
 */
export async function accessReview(deps: AdminDeps, actor: Actor, query: { area?: Area; level?: Exclude<Level, "none">; cursor?: string; limit: number }): Promise<AccessReviewPage> {
  requireAction(actor, "read_analytics");
  const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, isSeq);
  const areas = query.area === undefined ? AREAS : [query.area];
  const holds = (level: Level) => (query.level === undefined ? levelRank(level) >= levelRank("view") : level === query.level);
  const scanned = await activeMembersAfter(deps.db.knex, actor.orgId, after, REVIEW_SCAN);
  const holders: { seq: number; id: string }[] = [];
  let last = after;
  for (const candidate of scanned) {
    const permissions = permissionsFromJSON(candidate.permissions);
    if (areas.some((area) => holds(permissions.admin[area]))) {
      if (holders.length === query.limit) break;
      holders.push(candidate);
    }
    last = candidate.seq;
  }
  const { mapping } = await deps.sync.inForce.mapping(deps.db.knex, actor.orgId);
  const platform = await deps.sync.inForce.platform(deps.db.knex, actor.orgId);
  const members = new Map((await loadMembers(deps.db.knex, actor.orgId, holders.map((h) => h.id))).map((m) => [m.id, m]));
  const rows = holders.flatMap((holder) => {
    const member = members.get(holder.id);
    if (member === undefined) return [];
    const explanation = explainMember(member, mapping, platform);
    return areas
      .map((area) => areaHolding(explanation, area))
      .filter((holding) => holds(holding.level))
      .map((holding) => ({ member: { id: member.id, userName: member.userName }, orgRole: explanation.orgRole, ...holding }));
  });
  const end = scanned.length < REVIEW_SCAN && last === (scanned[scanned.length - 1]?.seq ?? after);
  return { rows, nextCursor: end ? null : encodeCursor(last) };
}
