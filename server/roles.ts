import { createHash } from "node:crypto";
import type { Database } from "../db/connection";
import { allGroups, allMembers, currentMapping, insertMapping, insertMappingRefusal, loadMembers, lockOrgPermissions, resolveMappingRefusals } from "../db/permissions";
import {
  type Explanation,
  type Mapping,
  type MappingIssue,
  type MappingPlan,
  type MemberInput,
  explainMember,
  parseMapping,
  planMappingChange,
} from "../mapping";
import type { ChangeCause } from "../scim/context";
import type { MappingPermissionSync } from "../scim/permission-sync";

/**
 * The role-mapping use cases shared by the file watcher, the CLI and the API: validate, plan,
 * apply (atomically, recomputing every member), explain.
 */
export type ApplyResult =
  | { readonly ok: true; readonly version: number; readonly changed: number; readonly unchanged: boolean }
  | { readonly ok: false; readonly errors: readonly MappingIssue[] };

export async function applyMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string; actor: string },
): Promise<ApplyResult> {
  const parsed = parseMapping(options.text, options.sourceName);
  if (!parsed.ok) {
    await insertMappingRefusal(db.knex, options.orgId, { sourceName: options.sourceName, hash: hashText(options.text), errors: parsed.errors });
    return { ok: false, errors: parsed.errors };
  }
  const callbacks: (() => void)[] = [];
  const result = await db.knex.transaction(async (tx) => {
    // Waits for SCIM writes in flight, so every member is recomputed from committed memberships.
    await lockOrgPermissions(tx, options.orgId, "exclusive");
    await resolveMappingRefusals(tx, options.orgId);
    const current = await currentMapping<Mapping>(tx, options.orgId);
    if (current && current.hash === parsed.hash) return { ok: true as const, version: current.version, changed: 0, unchanged: true };
    const version = await insertMapping(tx, options.orgId, {
      hash: parsed.hash,
      mapping: parsed.mapping,
      sourceName: options.sourceName,
      sourceText: options.text,
      appliedBy: options.actor,
    });
    const cause: ChangeCause = { kind: "mapping", version, source: options.sourceName };
    const { after, changed } = await sync.recomputeAll(tx, options.orgId, parsed.mapping, cause);
    callbacks.push(after);
    return { ok: true as const, version, changed, unchanged: false };
  });
  callbacks.forEach((cb) => cb());
  return result;
}

export async function planMappingText(
  db: Database,
  sync: MappingPermissionSync,
  options: { orgId: string; text: string; sourceName: string },
): Promise<{ ok: true; plan: MappingPlan } | { ok: false; errors: readonly MappingIssue[] }> {
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

export async function explainUser(db: Database, sync: MappingPermissionSync, orgId: string, userId: string): Promise<Explanation | null> {
  const [member] = await loadMembers(db.knex, orgId, [userId]);
  if (!member) return null;
  const { mapping } = await sync.mappingFor(db.knex, orgId);
  return explainMember(member, mapping, await sync.platformFor(db.knex, orgId));
}

function hashText(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
