/** A member's effective permissions under a mapping (the evaluation itself is explainMember's). */
import { explainMember } from "./explain";
import { allAreasAt } from "./levels";
import { AREAS } from "./types";
import type { EffectivePermissions, Mapping, MemberInput, PlatformOverrides } from "./types";

/** Inactive and deleted members: no area, no capability, no connector, no role. */
export const NO_ACCESS: EffectivePermissions = Object.freeze({
  orgRole: "user",
  admin: Object.freeze(allAreasAt("none")),
  capabilities: frozenEmptyList(),
  connectors: frozenEmptyList(),
  roles: frozenEmptyList(),
});

/** Shared constant: a caller's `push` must throw rather than grant everyone a capability. */
function frozenEmptyList(): string[] {
  return Object.freeze([]) as unknown as string[];
}

/** A member's effective permissions; deterministic, with every list sorted. */
export function resolveMember(member: MemberInput, mapping: Mapping, platform?: PlatformOverrides): EffectivePermissions {
  const { orgRole, admin, capabilities, connectors, roles } = explainMember(member, mapping, platform);
  return { orgRole, admin, capabilities, connectors, roles };
}

export function permissionsEqual(a: EffectivePermissions, b: EffectivePermissions): boolean {
  return (
    a.orgRole === b.orgRole &&
    AREAS.every((area) => a.admin[area] === b.admin[area]) &&
    sameList(a.capabilities, b.capabilities) &&
    sameList(a.connectors, b.connectors) &&
    sameList(a.roles, b.roles)
  );
}

/**
 * Who may edit roles and the mapping: owners (primary or not), and custom members who manage
 * `identity_access`. Admins may not, even if `standardRoles.admin` gives them identity_access
 * manage — in the product, role editing is an owner power that only custom roles can delegate.
 */
export function canEditRoles(p: EffectivePermissions): boolean {
  if (p.orgRole === "owner" || p.orgRole === "primary_owner") return true;
  return p.orgRole === "custom" && p.admin.identity_access === "manage";
}

/** Order-insensitive, so permissions read back from storage compare correctly even if unsorted. */
function sameList(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((item, i) => item === sortedB[i]);
}

/**
 * Resolves many members under one mapping (a mapping change, a large group's membership): members
 * whose groups and app roles are the same share one computation. The Primary Owner and inactive
 * members are resolved on their own, since for them more than the groups decides.
 */
export function batchResolver(mapping: Mapping, platform?: PlatformOverrides, options: { maxEntries?: number } = {}): (member: MemberInput) => EffectivePermissions {
  const memo = new Map<string, EffectivePermissions>();
  // A directory where nearly every member has groups of their own would keep one result per member:
  // past `maxEntries` the memo starts again, so memory stays bounded and the common case stays fast.
  const maxEntries = options.maxEntries ?? Infinity;
  const primaryOwner = mapping.primaryOwner.toLowerCase();
  return (member) => {
    if (!member.active || (primaryOwner !== "" && member.userName.toLowerCase() === primaryOwner)) {
      return resolveMember(member, mapping, platform);
    }
    const groups = member.groups.map((g) => `${g.id}\u0000${g.externalId ?? ""}\u0000${g.displayName}`).sort();
    const key = `${groups.join("\u0001")}\u0002${[...member.appRoles].sort().join("\u0001")}`;
    let result = memo.get(key);
    if (result === undefined) {
      result = resolveMember(member, mapping, platform);
      if (memo.size >= maxEntries) memo.clear();
      memo.set(key, result);
    }
    return result;
  };
}
