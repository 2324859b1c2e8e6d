import type { Executor } from "../db/connection";
import { findOrgById } from "../db/orgs";
import {
  type MemberSnapshot,
  allMembers,
  currentMapping,
  currentMappingVersion,
  deleteMemberPermissions,
  loadMembers,
  lockOrgPermissions,
  membersOfGroup,
  readPermissions,
  storePermissions,
  writePermissionChanges,
} from "../db/permissions";
import {
  type EffectivePermissions,
  type Mapping,
  type PlatformOverrides,
  NO_ACCESS,
  batchResolver,
  emptyMapping,
  mappingFromJSON,
  permissionsEqual,
  resolveMember,
  ruleMatchesGroup,
} from "../mapping";
import { type AfterCommit, type ChangeCause, type GroupIdentity, type PermissionSync, nothingAfterCommit } from "./context";

/**
 * Keeps every member's materialised permissions true to the directory. Called by the SCIM
 * handlers inside their transactions; resolution itself is the pure mapping/ module.
 */
export interface PermissionChangedEvent {
  readonly type: "permissions.changed";
  readonly orgId: string;
  readonly member: { readonly id: string; readonly userName: string };
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
  readonly cause: ChangeCause;
  readonly at: string;
}

export interface EventSink {
  publish(events: readonly PermissionChangedEvent[]): void;
}

export type PlatformSource = (orgName: string) => PlatformOverrides;

interface CachedMapping {
  readonly version: number;
  readonly hash: string;
  readonly mapping: Mapping;
}

export class MappingPermissionSync implements PermissionSync {
  private readonly mappings = new Map<string, CachedMapping>();
  private readonly orgNames = new Map<string, string>();

  constructor(
    private readonly events: EventSink,
    private readonly platform: PlatformSource,
  ) {}

  /** The organisation's mapping in force; re-read when another process (the CLI) applied a new version. */
  async mappingFor(tx: Executor, orgId: string): Promise<{ mapping: Mapping; version: number | null }> {
    const current = await currentMappingVersion(tx, orgId);
    if (!current) return { mapping: emptyMapping(), version: null };
    const cached = this.mappings.get(orgId);
    if (cached && cached.version === current.version && cached.hash === current.hash) return { mapping: cached.mapping, version: cached.version };
    const stored = await currentMapping<unknown>(tx, orgId);
    if (!stored) return { mapping: emptyMapping(), version: null };
    const mapping = mappingFromJSON(stored.mapping);
    this.mappings.set(orgId, { version: stored.version, hash: stored.hash, mapping });
    return { mapping, version: stored.version };
  }

  async platformFor(tx: Executor, orgId: string): Promise<PlatformOverrides> {
    let name = this.orgNames.get(orgId);
    if (name === undefined) {
      name = (await findOrgById(tx, orgId))?.name ?? "";
      this.orgNames.set(orgId, name);
    }
    return this.platform(name);
  }

  async membersChanged(tx: Executor, orgId: string, userIds: readonly string[], cause: ChangeCause): Promise<AfterCommit> {
    if (userIds.length === 0) return nothingAfterCommit;
    await lockOrgPermissions(tx, orgId, "shared");
    const { mapping } = await this.mappingFor(tx, orgId);
    const members = await loadMembers(tx, orgId, [...new Set(userIds)], { forUpdate: true });
    return this.recompute(tx, orgId, members, batchResolver(mapping, await this.platformFor(tx, orgId)), cause);
  }

  /** A user was just created: no groups and no stored permissions yet, so nothing to load. */
  async memberCreated(tx: Executor, orgId: string, member: { id: string; userName: string; active: boolean }, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const { mapping } = await this.mappingFor(tx, orgId);
    const after = resolveMember({ ...member, groups: [] }, mapping, await this.platformFor(tx, orgId));
    return this.store(tx, orgId, [{ member, previous: undefined, after }], cause);
  }

  /** Recomputes the given members under `mapping`; stores and audits what changed. */
  async recompute(
    tx: Executor,
    orgId: string,
    members: readonly MemberSnapshot[],
    resolve: (member: MemberSnapshot) => EffectivePermissions,
    cause: ChangeCause,
    known?: ReadonlyMap<string, EffectivePermissions>,
  ): Promise<AfterCommit & { changed: number }> {
    if (members.length === 0) return Object.assign((): void => undefined, { changed: 0 });
    const stored = known ?? (await readPermissions<EffectivePermissions>(tx, orgId, members.map((m) => m.id)));
    return this.store(tx, orgId, members.map((member) => ({ member, previous: stored.get(member.id), after: resolve(member) })), cause);
  }

  private async store(
    tx: Executor,
    orgId: string,
    results: readonly { member: { id: string; userName: string }; previous: EffectivePermissions | undefined; after: EffectivePermissions }[],
    cause: ChangeCause,
  ): Promise<AfterCommit & { changed: number }> {
    const changed: { userId: string; userName: string; before: EffectivePermissions; after: EffectivePermissions }[] = [];
    const firstSeen: typeof changed = [];
    for (const { member, previous, after } of results) {
      const before = previous ?? NO_ACCESS;
      if (!permissionsEqual(before, after)) changed.push({ userId: member.id, userName: member.userName, before, after });
      else if (previous === undefined) firstSeen.push({ userId: member.id, userName: member.userName, before, after });
    }
    const at = new Date().toISOString();
    await writePermissionChanges(tx, orgId, changed, cause, at);
    // A new member with no access has nothing to audit, but still gets a row so reads never compute.
    await storePermissions(tx, orgId, firstSeen, at);
    return Object.assign(this.announce(orgId, changed, cause, at), { changed: changed.length });
  }

  /** Recomputes every member of the organisation (a mapping change), page by page. */
  async recomputeAll(tx: Executor, orgId: string, mapping: Mapping, cause: ChangeCause): Promise<{ after: AfterCommit; changed: number }> {
    const resolve = batchResolver(mapping, await this.platformFor(tx, orgId));
    const callbacks: AfterCommit[] = [];
    let changed = 0;
    for await (const page of allMembers<EffectivePermissions>(tx, orgId, { withPermissions: true })) {
      const after = await this.recompute(tx, orgId, page.members, resolve, cause, page.stored);
      changed += after.changed;
      callbacks.push(after);
    }
    return { after: () => callbacks.forEach((cb) => cb()), changed };
  }

  async userDeleted(tx: Executor, orgId: string, userId: string, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const [member] = await loadMembers(tx, orgId, [userId]);
    if (!member) return nothingAfterCommit;
    const before = (await readPermissions<EffectivePermissions>(tx, orgId, [userId])).get(userId) ?? NO_ACCESS;
    const at = new Date().toISOString();
    const changes = permissionsEqual(before, NO_ACCESS) ? [] : [{ userId, userName: member.userName, before, after: NO_ACCESS }];
    await writePermissionChanges(tx, orgId, changes, cause, at);
    await deleteMemberPermissions(tx, orgId, userId);
    return this.announce(orgId, changes, cause, at);
  }

  async groupIdentityChanged(tx: Executor, orgId: string, before: GroupIdentity, after: GroupIdentity, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const { mapping } = await this.mappingFor(tx, orgId);
    const matching = (g: GroupIdentity) => mapping.rules.filter((r) => ruleMatchesGroup(r.group, g)).map((r) => r.index).join(",");
    // A rename changes nothing for rules keyed on id/externalId; only recompute when the matched rules differ.
    if (matching(before) === matching(after)) return nothingAfterCommit;
    return this.membersChanged(tx, orgId, await membersOfGroup(tx, after.id), cause);
  }

  private announce(orgId: string, changes: readonly { userId: string; userName: string; before: EffectivePermissions; after: EffectivePermissions }[], cause: ChangeCause, at: string): AfterCommit {
    if (changes.length === 0) return nothingAfterCommit;
    return () =>
      this.events.publish(
        changes.map((c) => ({ type: "permissions.changed", orgId, member: { id: c.userId, userName: c.userName }, before: c.before, after: c.after, cause, at })),
      );
  }
}
