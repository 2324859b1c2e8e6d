/**
 * Planning a mapping change: who would gain and lose what if a mapping file were applied now.
 * Reads the directory outside a transaction and changes nothing.
 */
import type { Database } from "../db/connection";
import { allGroups } from "../db/groups";
import { allMembers } from "../db/member-snapshots";
import { type MappingIssue, type MappingPlan, type MemberInput, parseMapping, planMappingChange } from "../mapping";
import type { MappingPermissionSync } from "./sync";

export type PlanResult = { readonly ok: true; readonly plan: MappingPlan } | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function planMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string },
): Promise<PlanResult> {
  const parsed = parseMapping(options.text, options.sourceName);
  if (!parsed.ok) return { ok: false, errors: parsed.errors };
  const { mapping: before, version } = await sync.mappingFor(db.knex, options.orgId);
  const members: MemberInput[] = [];
  for await (const page of allMembers(db.knex, options.orgId)) members.push(...page.members);
  const plan = planMappingChange({
    members,
    groups: await allGroups(db.knex, options.orgId),
    before: version === null ? null : before,
    after: parsed.mapping,
    platform: await sync.platformFor(db.knex, options.orgId),
  });
  return { ok: true, plan };
}
