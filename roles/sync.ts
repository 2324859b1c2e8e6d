/**
 * Keeps every member's materialised permissions true to the directory and the mapping in force.
 * SCIM handlers call it inside their transactions through scim/'s PermissionSync interface; mapping
 * changes and the start-up reconcile call `recomputeAll`. Resolution itself is the pure mapping/
 * module; this shell loads members, stores what changed, audits it, and writes one event per
 * changed member to the outbox in the same transaction (db/outbox.ts); after commit it only wakes
 * the event readers of this process (other processes learn of the rows by themselves). Every
 * transaction that calls it must be opened with `withAfterCommit` (db/transaction.ts), which
 * writes the staged events before COMMIT.
 */
import { type ChangeCause, actorOf, requestIdOfCause } from "../db/change-cause";
import { appendAudit } from "../db/audit";
import type { Executor } from "../db/connection";
import { lockOrgPermissions } from "../db/locks";
import { type MemberSnapshot, allMembers, loadMembers } from "../db/member-snapshots";
import { membersOfGroup } from "../db/groups";
import { stageOutboxEvents } from "../db/outbox";
import { type PermissionIndex, deleteMemberPermissions, insertFirstPermissionsIf, readPermissions, storePermissions } from "../db/permissions";
import { type AfterCommit, nothingAfterCommit } from "../db/transaction";
import {
  type EffectivePermissions,
  type Mapping,
  NO_ACCESS,
  batchResolver,
  canEditRoles,
  permissionsEqual,
  permissionsFromJSON,
  resolveMember,
  ruleSelectsGroup,
} from "../mapping";
import type { GroupIdentity, NewMember, PermissionSync } from "../scim/context";
import { type EventSink, PERMISSIONS_CHANGED, type PermissionChangedData } from "./events";
import { MappingInForce } from "./in-force";
import { turns } from "./turns";

interface Change {
  readonly userId: string;
  readonly userName: string;
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
}

/** A member recomputed: what was stored (undefined: never computed) and what the mapping gives now. */
interface StoreInput {
  readonly member: { readonly id: string; readonly userName: string };
  readonly previous: EffectivePermissions | undefined;
  readonly after: EffectivePermissions;
}

/** A member whose right to edit roles changed (the lock-out check names them). */
export interface RoleEditorChange {
  readonly member: { readonly id: string; readonly userName: string };
  readonly before: EffectivePermissions;
  readonly after: EffectivePermissions;
}

/** After-commit work that also says how many members changed, and whose right to edit roles did. */
export type Recomputed = AfterCommit & { readonly changed: number; readonly roleEditorChanges: readonly RoleEditorChange[] };

const NOTHING: Recomputed = Object.assign(() => undefined, { changed: 0, roleEditorChanges: [] });

/** What is compared of a member's permissions before and after. */
interface Comparison {
  readonly equal: boolean;
  readonly rolesChanged: boolean;
}

/**
 * Compares permissions once per distinct (before, after) pair of objects: members in the same
 * groups share their resolved permissions (batchResolver) and, read from one page, their stored
 * ones (db/member-snapshots.ts), so a mapping change that gives thousands of members thousands of
 * roles compares those lists a handful of times, not once per member.
 */
function comparer(): (before: EffectivePermissions, after: EffectivePermissions) => Comparison {
  const memo = new WeakMap<EffectivePermissions, WeakMap<EffectivePermissions, Comparison>>();
  return (before, after) => {
    let byAfter = memo.get(before);
    if (!byAfter) memo.set(before, (byAfter = new WeakMap()));
    let comparison = byAfter.get(after);
    if (!comparison) {
      const kept = new Set(after.roles);
      const rolesChanged = before.roles.length !== after.roles.length || before.roles.some((role) => !kept.has(role));
      comparison = { equal: permissionsEqual(before, after), rolesChanged };
      byAfter.set(after, comparison);
    }
    return comparison;
  };
}

/** Stored permissions decoded once per stored object (members with equal stored values share one). */
function decoder(): (stored: unknown) => EffectivePermissions {
  const memo = new WeakMap<object, EffectivePermissions>();
  return (stored) => {
    if (typeof stored !== "object" || stored === null) return permissionsFromJSON(stored);
    let decoded = memo.get(stored);
    if (!decoded) memo.set(stored, (decoded = permissionsFromJSON(stored)));
    return decoded;
  };
}

/** A change with what the admin API filters members by, computed here from the permissions themselves. */
function indexed(change: Change, rolesChanged: boolean): Change & { index: PermissionIndex } {
  return { ...change, index: { orgRole: change.after.orgRole, roleEditor: canEditRoles(change.after), roles: change.after.roles, rolesChanged, previousRoles: change.before.roles } };
}

function roleEditorChanges(changes: readonly Change[]): RoleEditorChange[] {
  return changes
    .filter((c) => canEditRoles(c.before) !== canEditRoles(c.after))
    .map((c) => ({ member: { id: c.userId, userName: c.userName }, before: c.before, after: c.after }));
}

function decodeAll(stored: ReadonlyMap<string, unknown>): Map<string, EffectivePermissions> {
  const decode = decoder();
  const decoded = new Map<string, EffectivePermissions>();
  for (const [id, value] of stored) decoded.set(id, decode(value));
  return decoded;
}

/**
 * Members a whole-organisation recompute reads and writes at once. The page's stored permissions
 * are parsed in one go when read (tens of kilobytes each with thousands of roles), so pages stay
 * at one write chunk (db/chunks.ts): each page's permissions, audit and role rows are one statement
 * each. 500 rather than 200: 2.5 times fewer statements; a 50k-member apply on a machine loaded
 * far beyond its cores took 6.4–6.7 s of process CPU against 7.0–8.1 s at 200 on SQLite
 * (alternated), and 57–60 s against 69–85 s of wall time on PostgreSQL.
 */
const RECOMPUTE_PAGE = 500;
/** Members resolved between two looks at the clock. */
const STEP = 25;
/** Results kept for members with the same groups and app roles; past it the memo starts again (as a plan's). */
const MEMO_ENTRIES = 10_000;

/** Told how many members were recomputed and how many of them changed (for metrics). */
export type RecomputeObserver = (recomputed: number, changed: number) => void;

export class MappingPermissionSync implements PermissionSync {
  constructor(
    private readonly events: EventSink,
    private readonly observe: RecomputeObserver = () => undefined,
    /** What every recompute resolves with; the admin API's reads share it (roles/in-force.ts). */
    readonly inForce: MappingInForce = new MappingInForce(),
  ) {}

  async membersChanged(tx: Executor, orgId: string, userIds: readonly string[], cause: ChangeCause): Promise<Recomputed> {
    if (userIds.length === 0) return NOTHING;
    await lockOrgPermissions(tx, orgId, "shared");
    const { mapping, platform } = await this.inForce.both(tx, orgId);
    const members = await loadMembers(tx, orgId, [...new Set(userIds)], { forUpdate: true });
    if (members.length === 0) return NOTHING;
    const stored = decodeAll(await readPermissions(tx, orgId, members.map((m) => m.id)));
    return this.recompute(tx, orgId, members, batchResolver(mapping, platform), cause, stored);
  }

  /**
   * A user was just created: no groups and no stored permissions yet, so nothing to load. Most new
   * members get no access (their groups come later): their row is written with the mapping last
   * seen in force, by a statement that writes it only if that is still the one in force, so the
   * versions are not read first; otherwise (another version stored since, or access to audit and
   * announce) the versions are read and the member computed as any other.
   */
  async memberCreated(tx: Executor, orgId: string, member: NewMember, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const known = this.inForce.lastSeen(orgId);
    if (known) {
      const after = resolveMember({ ...member, groups: [] }, known.mapping, known.platform);
      if (permissionsEqual(NO_ACCESS, after)) {
        const index = indexed({ userId: member.id, userName: member.userName, before: NO_ACCESS, after }, false).index;
        if (await insertFirstPermissionsIf(tx, orgId, { userId: member.id, after, index }, known.versions)) {
          this.observe(1, 0);
          return nothingAfterCommit;
        }
      }
    }
    const { mapping, platform } = await this.inForce.both(tx, orgId);
    const after = resolveMember({ ...member, groups: [] }, mapping, platform);
    return this.store(tx, orgId, [{ member, previous: undefined, after }], cause);
  }

  /**
   * Recomputes every member of the organisation, page by page, under `mapping` (a mapping being
   * applied) or else the mapping in force once the lock is held (the start-up reconcile). Takes the
   * organisation's permission lock exclusively: SCIM writes in flight finish first, so every member
   * is recomputed from committed memberships.
   */
  async recomputeAll(tx: Executor, orgId: string, cause: ChangeCause, mapping?: Mapping): Promise<Recomputed> {
    await lockOrgPermissions(tx, orgId, "exclusive");
    const inForce = await this.inForce.both(tx, orgId);
    const resolve = batchResolver(mapping ?? inForce.mapping, inForce.platform, { maxEntries: MEMO_ENTRIES });
    // The event loop serves every organisation meanwhile: members are resolved in slices with turns
    // between them, and only what changed is written, in set-based statements (db/permissions.ts).
    const turn = turns();
    const compare = comparer();
    const pages: Recomputed[] = [];
    for await (const page of allMembers(tx, orgId, { withPermissions: true, pageSize: RECOMPUTE_PAGE })) {
      const decode = decoder();
      const results: StoreInput[] = [];
      for (const member of page.members) {
        const stored = page.stored.get(member.id);
        results.push({ member, previous: stored === undefined ? undefined : decode(stored), after: resolve(member) });
        if (results.length % STEP === 0) await turn.maybeYield();
      }
      pages.push(await this.store(tx, orgId, results, cause, compare));
      await turn.maybeYield();
    }
    return Object.assign(() => pages.forEach((announce) => announce()), {
      changed: pages.reduce((sum, page) => sum + page.changed, 0),
      roleEditorChanges: pages.flatMap((page) => page.roleEditorChanges),
    });
  }

  async userDeleted(tx: Executor, orgId: string, userId: string, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const [member] = await loadMembers(tx, orgId, [userId]);
    if (!member) return nothingAfterCommit;
    const stored = (await readPermissions(tx, orgId, [userId])).get(userId);
    const before = stored === undefined ? NO_ACCESS : permissionsFromJSON(stored);
    const at = new Date().toISOString();
    const comparison = comparer()(before, NO_ACCESS);
    const changes = comparison.equal ? [] : [indexed({ userId, userName: member.userName, before, after: NO_ACCESS }, comparison.rolesChanged)];
    this.observe(1, changes.length);
    await this.record(tx, orgId, changes, cause, at);
    await deleteMemberPermissions(tx, orgId, userId);
    return this.announce(orgId, changes);
  }

  async groupIdentityChanged(tx: Executor, orgId: string, before: GroupIdentity, after: GroupIdentity, cause: ChangeCause): Promise<AfterCommit> {
    await lockOrgPermissions(tx, orgId, "shared");
    const { mapping } = await this.inForce.mapping(tx, orgId);
    const matching = (g: GroupIdentity) => mapping.rules.filter((r) => ruleSelectsGroup(r, g)).map((r) => r.index).join(",");
    // A rename changes nothing for rules keyed on id/externalId; only recompute when the matched rules differ.
    if (matching(before) === matching(after)) return nothingAfterCommit;
    return this.membersChanged(tx, orgId, await membersOfGroup(tx, after.id), cause);
  }

  /** Recomputes the given members; stores and audits what changed against what was `stored`. */
  private async recompute(
    tx: Executor,
    orgId: string,
    members: readonly MemberSnapshot[],
    resolve: (member: MemberSnapshot) => EffectivePermissions,
    cause: ChangeCause,
    stored: ReadonlyMap<string, EffectivePermissions>,
  ): Promise<Recomputed> {
    return this.store(tx, orgId, members.map((member) => ({ member, previous: stored.get(member.id), after: resolve(member) })), cause);
  }

  /** Stores, audits and announces what changed among `results`; members whose permissions did not change are not written. */
  private async store(tx: Executor, orgId: string, results: readonly StoreInput[], cause: ChangeCause, compare = comparer()): Promise<Recomputed> {
    const changed: (Change & { index: PermissionIndex })[] = [];
    const firstSeen: (Change & { index: PermissionIndex })[] = [];
    for (const { member, previous, after } of results) {
      const before = previous ?? NO_ACCESS;
      const comparison = compare(before, after);
      const change = { userId: member.id, userName: member.userName, before, after };
      if (!comparison.equal) changed.push(indexed(change, comparison.rolesChanged));
      else if (previous === undefined) firstSeen.push(indexed(change, comparison.rolesChanged));
    }
    const at = new Date().toISOString();
    this.observe(results.length, changed.length);
    await this.record(tx, orgId, changed, cause, at);
    // A new member with no access has nothing to audit, but still gets a row so reads never compute.
    await storePermissions(tx, orgId, firstSeen, at);
    return Object.assign(this.announce(orgId, changed), { changed: changed.length, roleEditorChanges: roleEditorChanges(changed) });
  }

  /** Stores the new permissions, audits each change and stages its event, in the caller's transaction. */
  private async record(tx: Executor, orgId: string, changes: readonly (Change & { index: PermissionIndex })[], cause: ChangeCause, at: string): Promise<void> {
    if (changes.length === 0) return;
    await storePermissions(tx, orgId, changes, at);
    await appendAudit(tx, orgId, changes, cause, actorOf(cause), { at, requestId: requestIdOfCause(cause) });
    stageOutboxEvents(
      tx,
      changes.map((c) => {
        const data: PermissionChangedData = { member: { id: c.userId, userName: c.userName }, before: c.before, after: c.after, cause, at };
        return { orgId, type: PERMISSIONS_CHANGED, memberId: c.userId, payload: data };
      }),
    );
  }

  /**
   * After commit: `orgId` has new outbox rows that a write staged itself (an admin action's event),
   * so this process's readers look at once rather than at their next safety poll.
   */
  eventsStaged(orgId: string): AfterCommit {
    return () => this.events.changed(orgId);
  }

  /** After commit: the outbox has new rows for `orgId`. */
  private announce(orgId: string, changes: readonly Change[]): AfterCommit {
    if (changes.length === 0) return nothingAfterCommit;
    return () => this.events.changed(orgId);
  }
}

