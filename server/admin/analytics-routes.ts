/**
 * /api/v1/admin/analytics: the Analytics section's reads (Analytics at view, and Owners), each also
 * a CSV download (`?format=csv` or `Accept: text/csv`, server/csv.ts), and the collection settings
 * (Analytics at manage).
 */
import type { Request, Router } from "express";
import { DECISION_KINDS, type DecisionKind, MEMBER_SERIES, type MemberSeriesKind } from "../../db/analytics";
import { AREAS, type Area, isArea } from "../../mapping";
import * as admin from "../../roles/admin";
import { ApiError } from "../api-errors";
import { AnalyticsSettingsRequest } from "../openapi/requests";
import { validBody } from "../openapi/validate";
import { type CsvValue, sendCsv, toCsv, wantsCsv } from "../csv";
import { actorOf } from "./auth";
import { pageLimit, query } from "./http";
import { asyncRoute } from "../../http/route";

/** The access review's CSV holds at most this many rows (the JSON answer is paged). */
export const ACCESS_REVIEW_CSV_MAX_ROWS = 10_000;
/** A series defaults to the last 30 days, today included. */
const DEFAULT_DAYS = 30;
const DAY_MS = 86_400_000;
const DAY = /^\d{4}-\d{2}-\d{2}$/;

export function analyticsRoutes(router: Router, use: admin.AdminDeps): void {
  const route = asyncRoute;

  router.get("/analytics/settings", route(async (_req, res) => {
    res.json(await admin.readCollectionSettings(use, actorOf(res)));
  }));
  router.put("/analytics/settings", route(async (req, res) => {
    const { collectAuthorize, collectProvisioning } = validBody(req, AnalyticsSettingsRequest);
    res.json(await admin.changeCollectionSettings(use, actorOf(res), {
      ...(collectAuthorize === undefined ? {} : { collectAuthorize }),
      ...(collectProvisioning === undefined ? {} : { collectProvisioning }),
    }));
  }));

  router.get("/analytics/members", route(async (req, res) => {
    const by = oneOf(query(req, "by") ?? "org_role", "by", MEMBER_SERIES) satisfies MemberSeriesKind;
    const series = await admin.memberSeries(use, actorOf(res), by, dayRange(req));
    if (!wantsCsv(req)) return void res.json({ by, ...series });
    sendCsv(res, `members-by-${by}-${series.from}-to-${series.to}.csv`, toCsv(["day", by === "org_role" ? "org role" : "custom role", "members"], series.rows.map((r) => [r.day, r.key, r.members])));
  }));

  router.get("/analytics/provisioning", route(async (req, res) => {
    const series = await admin.provisioningSeries(use, actorOf(res), dayRange(req));
    if (!wantsCsv(req)) return void res.json(series);
    sendCsv(
      res,
      `provisioning-${series.from}-to-${series.to}.csv`,
      toCsv(["day", "idp", "idp label", "creates", "updates", "deactivations", "errors"], series.rows.map((r) => [r.day, r.idp.id, r.idp.label, r.creates, r.updates, r.deactivations, r.errors])),
    );
  }));

  router.get("/analytics/decisions", route(async (req, res) => {
    const kindText = query(req, "kind");
    const kind = kindText === undefined ? undefined : (oneOf(kindText, "kind", DECISION_KINDS) satisfies DecisionKind);
    const series = await admin.decisionSeries(use, actorOf(res), dayRange(req), kind);
    if (!wantsCsv(req)) return void res.json(series);
    sendCsv(res, `authorize-decisions-${series.from}-to-${series.to}.csv`, toCsv(["day", "kind", "name", "allowed", "denied"], series.rows.map((r) => [r.day, r.kind, r.name, r.allowed, r.denied])));
  }));

  router.get("/analytics/access-review", route(async (req, res) => {
    const areaText = query(req, "area");
    if (areaText !== undefined && !isArea(areaText)) throw new ApiError("invalid_request", `area must be one of ${AREAS.join(", ")}`);
    const area: Area | undefined = areaText;
    const levelText = query(req, "level");
    const level = levelText === undefined ? undefined : oneOf(levelText, "level", ["view", "manage"] as const);
    const filter = { ...(area === undefined ? {} : { area }), ...(level === undefined ? {} : { level }) };
    const actor = actorOf(res);
    if (!wantsCsv(req)) {
      const cursor = query(req, "cursor");
      res.json(await admin.accessReview(use, actor, { ...filter, limit: pageLimit(req), ...(cursor === undefined ? {} : { cursor }) }));
      return;
    }
    const rows: CsvValue[][] = [];
    let cursor: string | null | undefined;
    do {
      const page = await admin.accessReview(use, actor, { ...filter, limit: 200, ...(typeof cursor === "string" ? { cursor } : {}) });
      for (const r of page.rows) rows.push([r.member.userName, r.member.id, r.area, r.level, r.orgRole, r.through]);
      cursor = page.nextCursor;
    } while (cursor !== null && rows.length < ACCESS_REVIEW_CSV_MAX_ROWS);
    // Past the cap, the rest is a page away: the JSON answer from this cursor on.
    if (cursor !== null) res.setHeader("X-Next-Cursor", cursor);
    sendCsv(res, "access-review.csv", toCsv(["member", "member id", "area", "level", "org role", "through"], rows));
  }));
}

function oneOf<T extends string>(value: string, name: string, allowed: readonly T[]): T {
  const found = allowed.find((candidate) => candidate === value);
  if (found === undefined) throw new ApiError("invalid_request", `${name} must be one of ${allowed.join(", ")}`);
  return found;
}

/** `from` and `to` (UTC days, inclusive): by default the last 30 days; at most MAX_RANGE_DAYS. */
export function dayRange(req: Request, now = Date.now()): admin.DayRange {
  const day = (name: string): number | undefined => {
    const text = query(req, name);
    if (text === undefined) return undefined;
    const at = DAY.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
    if (Number.isNaN(at) || new Date(at).toISOString().slice(0, 10) !== text) throw new ApiError("invalid_request", `${name} must be a day as YYYY-MM-DD`);
    return at;
  };
  const to = day("to") ?? Math.floor(now / DAY_MS) * DAY_MS;
  const from = day("from") ?? to - (DEFAULT_DAYS - 1) * DAY_MS;
  if (from > to) throw new ApiError("invalid_request", "from must not be after to");
  if ((to - from) / DAY_MS + 1 > admin.MAX_RANGE_DAYS) throw new ApiError("invalid_request", `A range covers at most ${admin.MAX_RANGE_DAYS} days`);
  const text = (at: number) => new Date(at).toISOString().slice(0, 10);
  return { from: text(from), to: text(to) };
}
