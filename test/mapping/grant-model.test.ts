/**
 * The trust rule, model-based: random organisations, random actors at random levels, random
 * sequences of admin actions, each described to `judgeGrant` as the admin API's use cases describe
 * it and applied to the model when accepted. After every accepted action an oracle written here —
 * from the product's table, not from grant.ts — checks that nothing changed beyond what the actor's
 * level may grant: what any member holds now (their permissions), what they would hold by the rules
 * their groups and app roles match (so a latent grant counts), what every manual group gives, the
 * tokens, the sign-in settings and primary ownership. Pure: mapping/'s functions, no database.
 */
import fc from "fast-check";
import { AREAS, STANDARD_ORG_ROLES, batchResolver, judgeGrant, matchRules, ruleSelectsGroup } from "../../mapping";
import type {
  Area, EffectivePermissions, GrantChange, GroupMatcher, GroupRef, Level, Mapping, MappingRule, MemberInput, PlatformOverrides, RoleDefinition, StandardOrgRole,
} from "../../mapping";
import { APP_ROLES, CONNECTORS, FEATURES, GROUPS, PRIMARY_OWNER, ROLE_NAMES, areaLevels, mappingArb, platformArb } from "./arbitraries";

/** Enough sequences to meet the rare paths (an Identity & Access manager renaming a group into a rule's name) many times. */
const SEQUENCES = 2000;

interface ModelMember {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
  readonly groupIds: readonly string[];
  readonly appRoles: readonly string[];
}

interface World {
  readonly mapping: Mapping;
  readonly platform: PlatformOverrides;
  readonly groups: readonly GroupRef[];
  readonly members: readonly ModelMember[];
  readonly tokens: ReadonlyArray<{ readonly id: string; readonly active: boolean }>;
  readonly signIn: string;
  readonly serial: number;
}

/** Names that rules and new manual groups share, so that creating or renaming a group meets a rule's name. */
const NAMES = ["Contractors", "Group 1", "Vault", "vault", "Break glass"] as const;
const USERS = [PRIMARY_OWNER, "a@x", "b@x", "c@x", "d@x"] as const;
const ROLE_POOL = [...ROLE_NAMES, "r4"] as const;

type Action =
  | { kind: "put_role"; name: string; admin: Record<Area, Level>; capabilities: string[] }
  | { kind: "delete_role"; name: string }
  | { kind: "add_rule"; target: number; matcher: "id" | "manual" | "displayName" | "appRole"; name: number; roles: string[]; orgRole: StandardOrgRole | null }
  | { kind: "change_rule_org_role"; rule: number; orgRole: StandardOrgRole | null }
  | { kind: "delete_rule"; rule: number }
  | { kind: "set_toggle"; name: string; setting: boolean | null }
  | { kind: "set_standard_role"; role: "admin" | "user"; area: Area; level: Level }
  | { kind: "set_primary_owner"; userName: string }
  | { kind: "create_group"; name: number }
  | { kind: "rename_group"; group: number; name: number }
  | { kind: "delete_group"; group: number }
  | { kind: "add_member"; group: number; member: number }
  | { kind: "remove_member"; group: number; member: number }
  | { kind: "set_active"; member: number; active: boolean }
  | { kind: "token"; op: "create" | "rotate" | "revoke"; token: number }
  | { kind: "sign_in"; issuer: string };

const level = fc.constantFrom<Level>("none", "view", "manage");
const index = fc.nat({ max: 40 });
const orgRole = fc.constantFrom<StandardOrgRole | null>(null, null, null, "owner", "admin", "user");

const actionArb: fc.Arbitrary<Action> = fc.oneof(
  fc.record({ kind: fc.constant("put_role" as const), name: fc.constantFrom(...ROLE_POOL), admin: areaLevels, capabilities: fc.subarray([...FEATURES]) }),
  fc.record({ kind: fc.constant("delete_role" as const), name: fc.constantFrom(...ROLE_POOL) }),
  fc.record({ kind: fc.constant("add_rule" as const), target: index, matcher: fc.constantFrom("id" as const, "manual" as const, "manual" as const, "displayName" as const, "appRole" as const), name: index, roles: fc.subarray([...ROLE_POOL], { maxLength: 2 }), orgRole }),
  fc.record({ kind: fc.constant("change_rule_org_role" as const), rule: index, orgRole }),
  fc.record({ kind: fc.constant("delete_rule" as const), rule: index }),
  fc.record({ kind: fc.constant("set_toggle" as const), name: fc.constantFrom(...FEATURES, ...CONNECTORS), setting: fc.constantFrom(true, false, null) }),
  fc.record({ kind: fc.constant("set_standard_role" as const), role: fc.constantFrom("admin" as const, "user" as const), area: fc.constantFrom(...AREAS), level }),
  fc.record({ kind: fc.constant("set_primary_owner" as const), userName: fc.constantFrom(...USERS, "ghost@x") }),
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("create_group" as const), name: index }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("rename_group" as const), group: index, name: index }) },
  fc.record({ kind: fc.constant("delete_group" as const), group: index }),
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("add_member" as const), group: index, member: index }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("remove_member" as const), group: index, member: index }) },
  fc.record({ kind: fc.constant("set_active" as const), member: index, active: fc.boolean() }),
  fc.record({ kind: fc.constant("token" as const), op: fc.constantFrom("create" as const, "rotate" as const, "revoke" as const), token: index }),
  fc.record({ kind: fc.constant("sign_in" as const), issuer: fc.constantFrom("https://a.example", "https://b.example") }),
);

/** A step: who acts (a member, by index) and what they try. */
const stepArb = fc.record({ actor: fc.nat({ max: USERS.length - 1 }), action: actionArb });

/**
 * An organisation: a random mapping in which r0 gives Identity & Access manage and r1 User
 * Management manage (so every run has would-be delegated administrators), users with no admin area
 * (the default), five members in random IdP and manual groups, one SCIM token.
 */
const worldArb: fc.Arbitrary<World> = fc
  .record({
    mapping: mappingArb(),
    platform: platformArb,
    members: fc.tuple(...USERS.map(() => fc.record({ active: fc.constantFrom(true, true, true, true, false), groups: fc.subarray([...GROUPS], { maxLength: 3 }), appRoles: fc.subarray([...APP_ROLES], { maxLength: 1 }) }))),
  })
  .map(({ mapping, platform, members }) => {
    const roles = mapping.roles.map((role, i): RoleDefinition => {
      if (i === 0) return { ...role, admin: { ...role.admin, identity_access: "manage" } };
      if (i === 1) return { ...role, admin: { ...allNone(), user_management: "manage" } };
      return role;
    });
    // a@x is meant to manage Identity & Access and b@x User Management, through app roles; other rules may still make them more or less.
    const seeds: Omit<MappingRule, "index">[] = [
      { id: "seed-identity-access", source: { kind: "appRole", value: "Auditors" }, roles: ["r0"], orgRole: null },
      { id: "seed-user-management", source: { kind: "appRole", value: "BillingAdmins" }, roles: ["r1"], orgRole: null },
    ];
    const seeded: Record<string, string> = { "a@x": "Auditors", "b@x": "BillingAdmins" };
    return {
      // Users start with the default (no admin area), as organisations do; owners may change it in a sequence.
      mapping: withRules({ ...mapping, roles, standardRoles: { ...mapping.standardRoles, user: allNone() } }, [...seeds, ...mapping.rules]),
      platform,
      groups: [...GROUPS],
      members: members.map((m, i) => {
        const userName = USERS[i] ?? "";
        const seed = seeded[userName];
        return { id: `u${i}`, userName, active: m.active, groupIds: m.groups.map((g) => g.id), appRoles: seed === undefined ? m.appRoles : [seed] };
      }),
      tokens: [{ id: "t0", active: true }],
      signIn: "https://a.example",
      serial: 0,
    };
  });

function allNone(): Record<Area, Level> {
  return Object.fromEntries(AREAS.map((area) => [area, "none"])) as Record<Area, Level>;
}

// ---- the model: what the admin API's use cases would describe and write ----

function input(world: World, member: ModelMember, groupIds: readonly string[] = member.groupIds, active = member.active): MemberInput {
  const groups = groupIds.flatMap((id) => world.groups.filter((g) => g.id === id));
  return { id: member.id, userName: member.userName, active, groups, appRoles: member.appRoles };
}

/** One resolver per mapping (members with the same groups share a computation), so 2,000 sequences stay fast. */
const resolvers = new WeakMap<Mapping, (member: MemberInput) => EffectivePermissions>();

function holds(world: World, member: ModelMember, groupIds: readonly string[] = member.groupIds, active = member.active): EffectivePermissions {
  let resolve = resolvers.get(world.mapping);
  if (resolve === undefined) {
    resolve = batchResolver(world.mapping, world.platform);
    resolvers.set(world.mapping, resolve);
  }
  return resolve(input(world, member, groupIds, active));
}

const at = <T>(items: readonly T[], i: number): T | undefined => (items.length === 0 ? undefined : items[i % items.length]);
const manualGroups = (world: World): GroupRef[] => world.groups.filter((g) => g.source === "manual");
const nameTaken = (world: World, name: string, except?: string) => manualGroups(world).some((g) => g.id !== except && g.displayName.toLowerCase() === name.toLowerCase());

function withRules(mapping: Mapping, rules: readonly Omit<MappingRule, "index">[]): Mapping {
  return { ...mapping, rules: rules.map((rule, i) => ({ ...rule, index: i })) };
}

/** The change an action describes, and the world it leaves if accepted; null when the API would refuse it before asking (not found, name taken, IdP group). */
function plan(world: World, action: Action): { change: GrantChange; next: World } | null {
  const mappingEdit = (after: Mapping): { change: GrantChange; next: World } => {
    const successor = world.members.some((m) => m.active && m.userName.toLowerCase() === after.primaryOwner.toLowerCase()) ? "active_member" : "not_a_member";
    return { change: { kind: "mapping", before: world.mapping, after, successor }, next: { ...world, mapping: after } };
  };
  const { mapping } = world;
  switch (action.kind) {
    case "put_role": {
      const role: RoleDefinition = { name: action.name, description: null, admin: action.admin, capabilities: [...action.capabilities].sort(), connectors: [] };
      const exists = mapping.roles.some((r) => r.name === action.name);
      return mappingEdit({ ...mapping, roles: exists ? mapping.roles.map((r) => (r.name === action.name ? role : r)) : [...mapping.roles, role] });
    }
    case "delete_role": {
      if (!mapping.roles.some((r) => r.name === action.name)) return null;
      const rules = mapping.rules.map((r) => ({ ...r, roles: r.roles.filter((name) => name !== action.name) })).filter((r) => r.roles.length > 0 || r.orgRole !== null);
      return mappingEdit(withRules({ ...mapping, roles: mapping.roles.filter((r) => r.name !== action.name) }, rules));
    }
    case "add_rule": {
      const roles = action.roles.filter((name) => mapping.roles.some((r) => r.name === name));
      if (roles.length === 0 && action.orgRole === null) return null;
      const group = at(world.groups, action.target);
      const name = at(NAMES, action.name) ?? "Vault";
      let source: MappingRule["source"];
      if (action.matcher === "appRole") source = { kind: "appRole", value: at(APP_ROLES, action.name) ?? "Admin" };
      else if (action.matcher === "id") source = { kind: "group", matcher: { kind: "id", value: group?.id ?? "nothing" } satisfies GroupMatcher };
      else source = { kind: "group", matcher: { kind: action.matcher, value: action.matcher === "manual" ? name : group?.displayName ?? name } };
      return mappingEdit(withRules(mapping, [...mapping.rules, { id: `x${world.serial}`, source, roles, orgRole: action.orgRole }]));
    }
    case "change_rule_org_role": {
      const rule = at(mapping.rules, action.rule);
      if (rule === undefined || (rule.roles.length === 0 && action.orgRole === null)) return null;
      return mappingEdit(withRules(mapping, mapping.rules.map((r) => (r.id === rule.id ? { ...r, orgRole: action.orgRole } : r))));
    }
    case "delete_rule": {
      const rule = at(mapping.rules, action.rule);
      if (rule === undefined) return null;
      return mappingEdit(withRules(mapping, mapping.rules.filter((r) => r.id !== rule.id)));
    }
    case "set_toggle": {
      const list = (FEATURES as readonly string[]).includes(action.name) ? "features" : "connectors";
      const toggles = { ...mapping.org[list] };
      if (action.setting === null) delete toggles[action.name];
      else toggles[action.name] = action.setting;
      return mappingEdit({ ...mapping, org: { ...mapping.org, [list]: toggles } });
    }
    case "set_standard_role":
      return mappingEdit({ ...mapping, standardRoles: { ...mapping.standardRoles, [action.role]: { ...mapping.standardRoles[action.role], [action.area]: action.level } } });
    case "set_primary_owner":
      return mappingEdit({ ...mapping, primaryOwner: action.userName });
    case "create_group": {
      const name = at(NAMES, action.name) ?? "Vault";
      if (nameTaken(world, name)) return null;
      const group: GroupRef = { id: `n${world.serial}`, externalId: null, displayName: name, source: "manual" };
      return { change: { kind: "manual_group", op: "create", mapping, before: null, after: group, members: [] }, next: { ...world, groups: [...world.groups, group] } };
    }
    case "rename_group": {
      const group = at(manualGroups(world), action.group);
      const name = at(NAMES, action.name) ?? "Vault";
      if (group === undefined || nameTaken(world, name, group.id)) return null;
      const renamed = { ...group, displayName: name };
      return {
        change: { kind: "manual_group", op: "rename", mapping, before: group, after: renamed, members: [] },
        next: { ...world, groups: world.groups.map((g) => (g.id === group.id ? renamed : g)) },
      };
    }
    case "delete_group": {
      const group = at(manualGroups(world), action.group);
      if (group === undefined) return null;
      return {
        change: { kind: "manual_group", op: "delete", mapping, before: group, after: null, members: [] },
        next: { ...world, groups: world.groups.filter((g) => g.id !== group.id), members: world.members.map((m) => ({ ...m, groupIds: m.groupIds.filter((id) => id !== group.id) })) },
      };
    }
    case "add_member":
    case "remove_member": {
      const group = at(manualGroups(world), action.group);
      const member = at(world.members, action.member);
      if (group === undefined || member === undefined) return null;
      const others = member.groupIds.filter((id) => id !== group.id);
      const groupIds = action.kind === "add_member" ? [...others, group.id] : others;
      const before = holds(world, member);
      const after = holds(world, member, groupIds);
      return {
        change: { kind: "group_members", mapping, group, members: [{ userName: member.userName, before, after }] },
        next: { ...world, members: world.members.map((m) => (m.id === member.id ? { ...m, groupIds } : m)) },
      };
    }
    case "set_active": {
      const member = at(world.members, action.member);
      if (member === undefined) return null;
      const after = holds(world, member, member.groupIds, action.active);
      return {
        change: { kind: "member_status", member: { userName: member.userName, before: holds(world, member), after } },
        next: { ...world, members: world.members.map((m) => (m.id === member.id ? { ...m, active: action.active } : m)) },
      };
    }
    case "token": {
      const change: GrantChange = { kind: "scim_token", op: action.op };
      const fresh = { id: `t${world.serial}`, active: true };
      if (action.op === "create") return { change, next: { ...world, tokens: [...world.tokens, fresh] } };
      const token = at(world.tokens.filter((t) => t.active), action.token);
      if (token === undefined) return null;
      const revoked = world.tokens.map((t) => (t.id === token.id ? { ...t, active: false } : t));
      return { change, next: { ...world, tokens: action.op === "rotate" ? [...revoked, fresh] : revoked } };
    }
    case "sign_in":
      return { change: { kind: "sign_in_settings" }, next: { ...world, signIn: action.issuer } };
  }
}

// ---- the oracle: the product's table, read directly ----

interface Level_ {
  readonly primary: boolean;
  readonly owner: boolean;
  readonly identityAccess: boolean;
  readonly userManagement: boolean;
}

function levelOf(actor: EffectivePermissions): Level_ {
  const primary = actor.orgRole === "primary_owner";
  const owner = primary || actor.orgRole === "owner";
  return { primary, owner, identityAccess: owner || (actor.orgRole === "custom" && actor.admin.identity_access === "manage"), userManagement: actor.admin.user_management === "manage" };
}

const givesStandard = (rule: MappingRule): boolean => rule.orgRole === "owner" || rule.orgRole === "admin";
function givesArea(rule: MappingRule, mapping: Mapping): boolean {
  return rule.roles.some((name) => AREAS.some((area) => (mapping.roles.find((r) => r.name === name)?.admin[area] ?? "none") !== "none"));
}

/** The rules whose rights a member would hold by their groups and app roles, active or not: owner/admin ones, and ones giving an admin area. */
function latent(world: World, member: ModelMember): { standard: string; areas: string } {
  const matched = matchRules(input(world, member), world.mapping.rules);
  const ids = (keep: (rule: MappingRule) => boolean) =>
    [...new Set(matched.flatMap((m) => world.mapping.rules.filter((r) => r.id === m.ruleId && keep(r)).map((r) => `${r.id}:${r.orgRole ?? ""}`)))].sort().join(",");
  return { standard: ids(givesStandard), areas: ids((r) => givesArea(r, world.mapping)) };
}

/** What each manual group gives, by rule, in a world: owner/admin rules and rules giving an admin area. */
function groupGifts(world: World, groupId: string): { standard: string; areas: string } {
  const group = world.groups.find((g) => g.id === groupId);
  const rules = group === undefined ? [] : world.mapping.rules.filter((rule) => ruleSelectsGroup(rule, group));
  const ids = (keep: (rule: MappingRule) => boolean) => rules.filter(keep).map((r) => `${r.id}:${r.orgRole ?? ""}`).sort().join(",");
  return { standard: ids(givesStandard), areas: ids((r) => givesArea(r, world.mapping)) };
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);
const STANDARD_HOLDERS = new Set(["primary_owner", ...STANDARD_ORG_ROLES.filter((r) => r !== "user")]);

/** A member's permissions and latent rules in a world, computed once per world (each world is the next step's "before"). */
const views = new WeakMap<World, Map<string, { p: EffectivePermissions; l: { standard: string; areas: string } }>>();
function view(world: World, member: ModelMember): { p: EffectivePermissions; l: { standard: string; areas: string } } {
  let byMember = views.get(world);
  if (byMember === undefined) {
    byMember = new Map();
    views.set(world, byMember);
  }
  let seen = byMember.get(member.id);
  if (seen === undefined) {
    seen = { p: holds(world, member), l: latent(world, member) };
    byMember.set(member.id, seen);
  }
  return seen;
}

/** Everything that changed beyond the actor's grant; empty when the action stayed within it. */
function beyondGrant(actor: EffectivePermissions, before: World, after: World): string[] {
  const who = levelOf(actor);
  const out: string[] = [];
  const mappingOnly = (m: Mapping) => ({ roles: m.roles, rules: m.rules.map(({ index: _index, ...rule }) => rule) });
  if (before.mapping.primaryOwner.toLowerCase() !== after.mapping.primaryOwner.toLowerCase()) {
    if (!who.primary) out.push("primary ownership moved by someone other than the Primary Owner");
    if (!after.members.some((m) => m.active && m.userName.toLowerCase() === after.mapping.primaryOwner.toLowerCase())) out.push("primary ownership passed to no active member");
  }
  if (!who.owner) {
    if (after.tokens.some((t) => !before.tokens.some((b) => b.id === t.id))) out.push("a SCIM token created by a non-owner");
    if (after.signIn !== before.signIn) out.push("sign-in settings changed by a non-owner");
    if (!same(before.mapping.org, after.mapping.org) || !same(before.mapping.standardRoles, after.mapping.standardRoles)) out.push("toggles or standard roles changed by a non-owner");
  }
  if (!who.identityAccess) {
    if (after.tokens.some((t) => !t.active && before.tokens.some((b) => b.id === t.id && b.active))) out.push("a SCIM token revoked by someone who may not");
    if (!same(mappingOnly(before.mapping), mappingOnly(after.mapping))) out.push("roles or rules changed by someone who may not edit roles");
    if (!same(before.groups.map((g) => [g.id, g.displayName]), after.groups.map((g) => [g.id, g.displayName]))) out.push("a manual group created, renamed or deleted by someone who may not");
  }
  if (!who.identityAccess && !who.userManagement && !same(before.members, after.members)) out.push("memberships or status changed by someone with no grant");
  for (const member of after.members) {
    const was = before.members.find((m) => m.id === member.id);
    if (was === undefined) continue;
    const [{ p, l }, { p: q, l: k }] = [view(before, was), view(after, member)];
    const changed = !same(p, q);
    if (changed && p.orgRole !== q.orgRole && (p.orgRole === "primary_owner" || q.orgRole === "primary_owner") && !who.primary) out.push(`${member.userName} became or ceased to be Primary Owner`);
    if (who.owner) continue;
    if (l.standard !== k.standard) out.push(`${member.userName}'s owner/admin rules changed (${l.standard} → ${k.standard})`);
    if (changed && (STANDARD_HOLDERS.has(p.orgRole) || STANDARD_HOLDERS.has(q.orgRole))) out.push(`${member.userName} changed while ${p.orgRole} → ${q.orgRole}`);
    if (who.identityAccess) continue;
    if (l.areas !== k.areas) out.push(`${member.userName}'s admin-area rules changed (${l.areas} → ${k.areas})`);
    if (!same(p.admin, q.admin)) out.push(`${member.userName}'s admin areas changed`);
  }
  if (!who.owner) {
    for (const id of new Set([...before.groups, ...after.groups].filter((g) => g.source === "manual").map((g) => g.id))) {
      const [g, h] = [groupGifts(before, id), groupGifts(after, id)];
      if (g.standard !== h.standard) out.push(`manual group ${id} now gives other owner/admin rules (${g.standard} → ${h.standard})`);
      if (!who.identityAccess && g.areas !== h.areas) out.push(`manual group ${id} now gives other admin-area rules`);
    }
  }
  return out;
}

describe("the grant, against a model of the organisation (property-based)", () => {
  it(`never lets an accepted admin action change anything beyond the actor's grant, over ${SEQUENCES} random sequences`, () => {
    const accepted = new Map<string, number>();
    const count = (key: string) => accepted.set(key, (accepted.get(key) ?? 0) + 1);
    fc.assert(
      fc.property(worldArb, fc.array(stepArb, { minLength: 1, maxLength: 12 }), (initial, steps) => {
        let world = initial;
        for (const step of steps) {
          const actorMember = world.members[step.actor];
          if (actorMember === undefined) continue;
          const actor = holds(world, actorMember);
          const planned = plan({ ...world, serial: world.serial + 1 }, step.action);
          if (planned === null) continue;
          const decision = judgeGrant(actor, planned.change);
          const who = levelOf(actor);
          // The Primary Owner may do everything but hand primary ownership to no active member.
          if (!decision.allowed && who.primary && decision.rule !== "primary_owner_not_member") throw new Error(`the Primary Owner was refused ${JSON.stringify(step.action)}: ${decision.message}`);
          if (!decision.allowed) continue;
          if (!same({ ...planned.next, serial: 0 }, { ...world, serial: 0 })) count(`${who.primary ? "primary" : who.owner ? "owner" : who.identityAccess ? "identity_access" : who.userManagement ? "user_management" : "nobody"} ${step.action.kind}`);
          const beyond = beyondGrant(actor, world, planned.next);
          if (beyond.length > 0) throw new Error(`${actorMember.userName} (${actor.orgRole}, ${JSON.stringify(actor.admin)}) was allowed ${JSON.stringify(step.action)}: ${beyond.join("; ")}`);
          world = planned.next;
        }
      }),
      { numRuns: SEQUENCES },
    );
    // The rule is exercised, not vacuous: delegated administrators had accepted actions of every kind they may take.
    for (const key of [
      "identity_access put_role", "identity_access add_rule", "identity_access create_group", "identity_access rename_group", "identity_access delete_group",
      "identity_access add_member", "identity_access remove_member", "identity_access token", "user_management add_member", "user_management remove_member",
      "user_management set_active", "owner add_member", "owner token", "owner sign_in", "primary set_primary_owner",
    ]) {
      expect([key, (accepted.get(key) ?? 0) > 0]).toEqual([key, true]);
    }
    for (const key of accepted.keys()) expect(key).not.toMatch(/^nobody/);
  });
});
