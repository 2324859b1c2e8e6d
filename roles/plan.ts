/**
 * Planning a mapping change: who would gain and lose what if a mapping were applied now, and
 * whether it would lock the organisation out. Reads the directory outside a transaction and
 * changes nothing.
 *
 * A plan reads every member of the organisation, and any member who may view roles may ask for
 * one: members are read a page at a time and planned in slices of a few milliseconds, with a turn
 * of the event loop between slices, so other organisations' requests are answered meanwhile; the
 * pure planner keeps counts and bounded lists, never every member's change.
 */
import type { Database } from "../db/connection";
import { allGroups } from "../db/groups";
import { allMembers } from "../db/member-snapshots";
import { type DescribedChange, type Mapping, type MappingIssue, type MappingPlan, type ParseResult, type PlanPage, type SourceLimits, parseMapping, startPlan } from "../mapping";
import type { MappingPermissionSync } from "./sync";
import { turns } from "./turns";

export type PlanResult =
  | { readonly ok: true; readonly plan: MappingPlan; /** The file's own warnings (validation), beside the plan's. */ readonly warnings: readonly MappingIssue[] }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function planMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string; limits?: SourceLimits; page?: PlanPage; parse?: (text: string, file: string) => Promise<ParseResult> },
): Promise<PlanResult> {
  const parsed = options.parse ? await options.parse(options.text, options.sourceName) : parseMapping(options.text, options.sourceName, options.limits);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  return { ok: true, plan: await planMapping(db, sync, options.orgId, parsed.mapping, options.page), warnings: parsed.warnings };
}

/** Members read from the database at once: a page is one query, and the query holds the event loop on SQLite. */
const PAGE_SIZE = 1000;
/** Members planned between two looks at the clock. */
const STEP = 25;

/**
 * The plan of replacing the mapping in force by `after`, over the whole directory as it is now; with
 * `touchedBy` (an edit's parts), only the warnings the edit touches.
 */
export async function planMapping(db: Database, sync: MappingPermissionSync, orgId: string, after: Mapping, page: PlanPage = {}, touchedBy?: readonly DescribedChange[]): Promise<MappingPlan> {
  const { mapping: before, version } = await sync.inForce.mapping(db.knex, orgId);
  const planner = startPlan(
    { groups: await allGroups(db.knex, orgId), before: version === null ? null : before, after, platform: await sync.inForce.platform(db.knex, orgId), ...(touchedBy === undefined ? {} : { touchedBy }) },
    page,
  );
  const turn = turns();
  for await (const { members } of allMembers(db.knex, orgId, { pageSize: PAGE_SIZE })) {
    for (let i = 0; i < members.length; i += STEP) {
      planner.add(members.slice(i, i + STEP));
      await turn.maybeYield();
    }
  }
  await turn.yield();
  return planner.finish();
}
