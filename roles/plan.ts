/**
 * Planning a mapping change: who would gain and lose what if a mapping were applied now, and
 * whether it would lock the organisation out. Reads the directory outside a transaction and
 * changes nothing.
 */
import type { Database } from "../db/connection";
import { allGroups } from "../db/groups";
import { allMembers } from "../db/member-snapshots";
import { type Mapping, type MappingIssue, type MappingPlan, type MemberInput, type SourceLimits, parseMapping, planMappingChange } from "../mapping";
import type { MappingPermissionSync } from "./sync";

export type PlanResult =
  | { readonly ok: true; readonly plan: MappingPlan; /** The file's own warnings (validation), beside the plan's. */ readonly warnings: readonly MappingIssue[] }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function planMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string; limits?: SourceLimits },
): Promise<PlanResult> {
  const parsed = parseMapping(options.text, options.sourceName, options.limits);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  return { ok: true, plan: await planMapping(db, sync, options.orgId, parsed.mapping), warnings: parsed.warnings };
}

/** The plan of replacing the mapping in force by `after`, over the whole directory as it is now. */
export async function planMapping(db: Database, sync: MappingPermissionSync, orgId: string, after: Mapping): Promise<MappingPlan> {
  const { mapping: before, version } = await sync.mappingFor(db.knex, orgId);
  const members: MemberInput[] = [];
  for await (const page of allMembers(db.knex, orgId)) members.push(...page.members);
  return planMappingChange({
    members,
    groups: await allGroups(db.knex, orgId),
    before: version === null ? null : before,
    after,
    platform: await sync.platformFor(db.knex, orgId),
  });
}
