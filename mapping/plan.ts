/**
 * What applying a new mapping would do to a whole directory, before anyone commits to it: how many
 * members gain and lose each thing, a page of the members whose permissions change, and warnings
 * about mistakes that validation cannot see because they depend on the directory (rules that match
 * nothing, lock-outs).
 *
 * A plan reads every member of an organisation, so it is computed a slice of members at a time
 * ({@link startPlan}: the shell yields to other requests between slices) and keeps only counts and
 * bounded lists: its cost is linear in members × what changes for them, its memory and its answer
 * bounded by PLAN_LIMITS whatever the directory.
 */
import type { DescribedChange } from "./changes";
import { diffPermissions } from "./diff";
import type { PermissionChange } from "./diff";
import { levelRank } from "./levels";
import { PLAN_LIMITS } from "./limits";
import { foldName, ruleSelectsGroup } from "./match";
import { compareText, emptyMapping, sortedUnique } from "./normalise";
import { utf8Length } from "./source";
import { closestMatch } from "./suggest";
import { warningsTouchedBy } from "./planWarnings";
import { batchResolver, canEditRoles } from "./resolve";
import { AREAS, STANDARD_ORG_ROLES } from "./types";
import type { Area, EffectivePermissions, GroupMatcher, GroupRef, Level, Mapping, MappingRule, MemberInput, OrgRole, PlatformOverrides, StandardOrgRole } from "./types";

export interface MemberPlanChange {
  member: { id: string; userName: string; active: boolean };
  before: EffectivePermissions;
  after: EffectivePermissions;
  change: PermissionChange;
}

export const EFFECT_KINDS = ["orgRole", "admin", "role", "capability", "connector"] as const;
export type EffectKind = (typeof EFFECT_KINDS)[number];

/**
 * How many members gain and lose one thing: an org role (becoming it / leaving it), an admin area
 * (its level raised / lowered), a role, a capability or a connector.
 */
export interface PlanEffect {
  kind: EffectKind;
  name: string;
  gained: number;
  lost: number;
}

/** A member's place in a plan's order (userName, then id): where a page of changes starts after. */
export interface PlanPlace {
  userName: string;
  id: string;
}

type ListedWarning =
  | { code: "rule_matches_no_group"; ruleIndex: number; ruleId: string; message: string }
  | { code: "rule_matches_no_app_role"; ruleIndex: number; ruleId: string; appRole: string; message: string }
  | { code: "role_never_reached"; role: string; reason: UnreachedReason; orgRoles: OrgRole[]; message: string }
  | { code: "loses_identity_access_manage"; memberId: string; userName: string; message: string }
  | { code: "no_role_editor"; message: string }
  | { code: "primary_owner_not_in_directory"; userName: string; message: string }
  | { code: "display_name_rule"; ruleIndex: number; ruleId: string; displayName: string; groupIds: string[]; message: string }
  | StandardToCustom;

/**
 * Members whose org role goes from a standard role (owner, admin, user) to custom: custom roles
 * replace the standard role, so what it gave them and their custom roles do not goes with it. Lists
 * what at least one of them loses (each list bounded by PLAN_LIMITS.lostNamed), to grant in a role;
 * absent when they lose nothing.
 */
export interface StandardToCustom {
  code: "standard_to_custom";
  members: number;
  from: StandardOrgRole[];
  admin: Array<{ area: Area; before: Level }>;
  capabilities: string[];
  connectors: string[];
  message: string;
}

/** `more_warnings`: past PLAN_LIMITS.warningsPerCode warnings of one code, how many more there are. */
export type PlanWarning = ListedWarning | { code: "more_warnings"; of: ListedWarning["code"]; count: number; message: string };

export interface MappingPlan {
  /** Members whose permissions differ; `changes` lists a page of them. */
  changedCount: number;
  unchangedCount: number;
  /** For every org role, area, role, capability and connector that changes for someone: how many gain it and lose it. */
  effects: PlanEffect[];
  /**
   * Members whose permissions differ, by userName then id: those after the page's `after`, at most
   * its `limit` and about PLAN_LIMITS.memberBytes of JSON (always at least one while any is left).
   */
  changes: MemberPlanChange[];
  /** Where the next page starts, when changed members follow those listed; null on the last page. */
  next: PlanPlace | null;
  warnings: PlanWarning[];
  /** Set when the change would leave no active member able to edit roles (the admin API refuses it). */
  lockout: Lockout | null;
}

/** Who would lose the right to edit roles, when no one would keep it. */
export interface Lockout {
  /** The first PLAN_LIMITS.lockoutMembers of them, by userName. */
  losing: Array<{ id: string; userName: string }>;
  losingCount: number;
  message: string;
}

const NAMED_IN_LOCKOUT = 10;

/**
 * A lock-out: after the change no active member may edit roles (the Primary Owner, an owner, or a
 * custom member with identity_access manage), although someone could before. `losing` are those
 * who could; `remainingEditors` counts who still can after the change (0 = locked out).
 */
export function lockoutOf(
  changes: ReadonlyArray<{ member: { id: string; userName: string }; before: EffectivePermissions; after: EffectivePermissions }>,
  remainingEditors: number,
): Lockout | null {
  if (remainingEditors > 0) return null;
  const losing = changes
    .filter(({ before, after }) => canEditRoles(before) && !canEditRoles(after))
    .map(({ member }) => ({ id: member.id, userName: member.userName }))
    .sort(byPlace);
  return lockoutFrom(losing.slice(0, PLAN_LIMITS.lockoutMembers), losing.length);
}

function lockoutFrom(losing: Array<{ id: string; userName: string }>, losingCount: number): Lockout | null {
  if (losingCount === 0) return null;
  const named = losing.slice(0, NAMED_IN_LOCKOUT).map((m) => m.userName).join(", ");
  const others = losingCount - Math.min(losing.length, NAMED_IN_LOCKOUT);
  const who = others > 0 ? `${named} and ${others} other member${others === 1 ? "" : "s"}` : named;
  return {
    losing,
    losingCount,
    message: `This change would leave no active member able to edit roles: ${who} would lose the right (an active Primary Owner or Owner, or a custom role with identity_access manage, must remain).`,
  };
}

export interface PlanInput {
  members: readonly MemberInput[];
  /** Every group in the directory, including groups with no members. */
  groups: readonly GroupRef[];
  /** The mapping in force; `null` when there is none yet (then `emptyMapping()`: everyone is user). */
  before: Mapping | null;
  after: Mapping;
  platform?: PlatformOverrides;
  /**
   * The parts of an edit (admin API): when given, only the warnings they touch are kept, before each
   * code's cap, so a touched warning is never left out behind untouched ones (planWarnings.ts).
   */
  touchedBy?: readonly DescribedChange[];
}

/** Which changed members a plan lists: those after `after`, at most `limit` (PLAN_LIMITS.maxMembers). */
export interface PlanPage {
  limit?: number;
  after?: PlanPlace | null;
}

/** A plan fed a slice of members at a time; `finish` once every member was added. */
export interface Planner {
  add(members: readonly MemberInput[]): void;
  finish(): MappingPlan;
}

export function planMappingChange(input: PlanInput, page: PlanPage = {}): MappingPlan {
  const planner = startPlan(input, page);
  planner.add(input.members);
  return planner.finish();
}

/** Results kept for members with the same groups and app roles; past it the memo starts again. */
const MEMO_ENTRIES = 10_000;
/** Distinct changes counted before their counts are added to the effects. */
const CHANGES_COUNTED_AT_ONCE = 100;

export function startPlan(input: Omit<PlanInput, "members">, page: PlanPage = {}): Planner {
  const limit = Math.max(1, Math.min(page.limit ?? PLAN_LIMITS.defaultMembers, PLAN_LIMITS.maxMembers));
  const after = page.after ?? null;
  const resolveBefore = batchResolver(input.before ?? emptyMapping(), input.platform, { maxEntries: MEMO_ENTRIES });
  const resolveAfter = batchResolver(input.after, input.platform, { maxEntries: MEMO_ENTRIES });
  const changeOf = diffMemo();
  const groups = indexGroups(input.groups);
  const owner = input.after.primaryOwner.toLowerCase();

  let changedCount = 0;
  let unchangedCount = 0;
  let changedAfterPlace = 0;
  let editors = 0;
  let editorsBesidesOwner = 0;
  let ownerPresent = false;
  const effects = new Map<string, PlanEffect>();
  const listed = new Bounded<MemberPlanChange>(limit, (a, b) => byPlace(a.member, b.member));
  const losingManage = new Bounded<ListedWarning & { code: "loses_identity_access_manage" }>(PLAN_LIMITS.warningsPerCode, (a, b) => byPlace({ userName: a.userName, id: a.memberId }, { userName: b.userName, id: b.memberId }));
  const losingEditing = new Bounded<{ id: string; userName: string }>(PLAN_LIMITS.lockoutMembers, byPlace);
  const reached = new Set<string>();
  const reachedFrom = new WeakSet<EffectivePermissions>();
  const heldAppRoles = new Set<string>();
  // The org roles of active members, by group and by app role: what a rule that grants an unreached role met.
  const orgRolesByGroup = new Map<string, Set<OrgRole>>();
  const orgRolesByAppRole = new Map<string, Set<OrgRole>>();
  const toCustom = standardToCustomCounter();

  // Members with the same groups share one change object: they are counted per change, and the
  // counts added to the effects once per change (a few changes kept at a time, so memory stays bounded).
  const perChange = new Map<PermissionChange, number>();
  const flush = (): void => {
    for (const [change, count] of perChange) countEffects(effects, change, count);
    perChange.clear();
  };

  const add = (members: readonly MemberInput[]): void => {
    for (const member of members) {
      const before = resolveBefore(member);
      const now = resolveAfter(member);
      for (const appRole of member.appRoles) heldAppRoles.add(appRole);
      if (member.active && member.userName.toLowerCase() === owner) ownerPresent = true;
      if (!reachedFrom.has(now)) {
        reachedFrom.add(now);
        for (const role of now.roles) reached.add(role);
      }
      if (member.active) {
        for (const group of member.groups) addTo(orgRolesByGroup, group.id, now.orgRole);
        for (const appRole of member.appRoles) addTo(orgRolesByAppRole, appRole, now.orgRole);
      }
      const editsAfter = canEditRoles(now);
      if (editsAfter) {
        editors += 1;
        if (now.orgRole !== "primary_owner") editorsBesidesOwner += 1;
      }
      const change = changeOf(before, now);
      if (!change.changed) {
        unchangedCount += 1;
        continue;
      }
      changedCount += 1;
      perChange.set(change, (perChange.get(change) ?? 0) + 1);
      toCustom.add(change);
      const place = { userName: member.userName, id: member.id };
      if (canEditRoles(before) && !editsAfter) losingEditing.offer(place);
      if (before.admin.identity_access === "manage" && now.admin.identity_access !== "manage") {
        losingManage.offer({
          code: "loses_identity_access_manage",
          memberId: member.id,
          userName: member.userName,
          message: `${member.userName} would lose identity_access: manage (now ${now.admin.identity_access}) and with it the ability to manage SSO, SCIM and roles.`,
        });
      }
      if (after !== null && byPlace(place, after) <= 0) continue;
      changedAfterPlace += 1;
      listed.offer({ member: { id: member.id, userName: member.userName, active: member.active }, before, after: now, change });
    }
    if (perChange.size >= CHANGES_COUNTED_AT_ONCE) flush();
  };

  const finish = (): MappingPlan => {
    flush();
    const changes = withinBytes(listed.items(), PLAN_LIMITS.memberBytes);
    const last = changes[changes.length - 1];
    const next = last !== undefined && changes.length < changedAfterPlace ? { userName: last.member.userName, id: last.member.id } : null;
    const context: DirectoryContext = { mapping: input.after, groups, heldAppRoles, orgRolesByGroup, orgRolesByAppRole };
    const warnings: ListedWarning[] = [
      ...rulesMatchingNoGroup(context),
      ...rulesMatchingNoAppRole(context),
      ...displayNameRules(context),
      ...rolesNeverReached(context, reached),
      ...losingManage.items(),
      ...(ownerPresent ? [] : [primaryOwnerMissing(input.after)]),
      ...(editorsBesidesOwner > 0 ? [] : [noRoleEditor()]),
      ...toCustom.warnings(),
    ];
    const lostManage = losingManage.seen - losingManage.items().length;
    const counted = sortedEffects(effects);
    return {
      changedCount,
      unchangedCount,
      effects: counted,
      changes,
      next,
      warnings: [
        ...capPerCode(input.touchedBy === undefined ? warnings : warningsTouchedBy(warnings, input.touchedBy, counted)),
        ...(lostManage > 0 ? [moreWarnings("loses_identity_access_manage", lostManage)] : []),
      ],
      lockout: editors > 0 ? null : lockoutFrom(losingEditing.items(), losingEditing.seen),
    };
  };

  return { add, finish };
}

/** Every plan orders members the same way: userName, then id. */
function byPlace(a: PlanPlace, b: PlanPlace): number {
  return compareText(a.userName, b.userName) || compareText(a.id, b.id);
}

/**
 * The `limit` smallest items offered, in order, and how many were offered. Offering costs at most
 * `limit` moves, so keeping the first page of a directory of any size is linear in the directory.
 */
class Bounded<T> {
  private readonly kept: T[] = [];
  seen = 0;

  constructor(
    private readonly limit: number,
    private readonly compare: (a: T, b: T) => number,
  ) {}

  offer(item: T): void {
    this.seen += 1;
    const last = this.kept[this.kept.length - 1];
    if (this.kept.length >= this.limit && last !== undefined && this.compare(item, last) >= 0) return;
    let low = 0;
    let high = this.kept.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      const at = this.kept[middle];
      if (at !== undefined && this.compare(at, item) <= 0) low = middle + 1;
      else high = middle;
    }
    this.kept.splice(low, 0, item);
    if (this.kept.length > this.limit) this.kept.pop();
  }

  items(): T[] {
    return [...this.kept];
  }
}

/** Members share the results of batchResolver, so their changes can be shared too (and computed once). */
function diffMemo(): (before: EffectivePermissions, after: EffectivePermissions) => PermissionChange {
  const memo = new WeakMap<EffectivePermissions, WeakMap<EffectivePermissions, PermissionChange>>();
  return (before, after) => {
    let byAfter = memo.get(before);
    if (byAfter === undefined) {
      byAfter = new WeakMap();
      memo.set(before, byAfter);
    }
    let change = byAfter.get(after);
    if (change === undefined) {
      change = diffPermissions(before, after);
      byAfter.set(after, change);
    }
    return change;
  };
}

function addTo<K, V>(map: Map<K, Set<V>>, key: K, value: V): void {
  const set = map.get(key);
  if (set === undefined) map.set(key, new Set([value]));
  else set.add(value);
}

function countEffects(effects: Map<string, PlanEffect>, change: PermissionChange, members: number): void {
  const bump = (kind: EffectKind, name: string, side: "gained" | "lost"): void => {
    const key = `${kind}\u0000${name}`;
    let effect = effects.get(key);
    if (effect === undefined) {
      effect = { kind, name, gained: 0, lost: 0 };
      effects.set(key, effect);
    }
    effect[side] += members;
  };
  if (change.orgRole !== null) {
    bump("orgRole", change.orgRole.after, "gained");
    bump("orgRole", change.orgRole.before, "lost");
  }
  for (const area of change.admin) bump("admin", area.area, levelRank(area.after) > levelRank(area.before) ? "gained" : "lost");
  for (const [kind, list] of [["role", change.roles], ["capability", change.capabilities], ["connector", change.connectors]] as const) {
    for (const name of list.added) bump(kind, name, "gained");
    for (const name of list.removed) bump(kind, name, "lost");
  }
}

function sortedEffects(effects: Map<string, PlanEffect>): PlanEffect[] {
  return [...effects.values()].sort((a, b) => EFFECT_KINDS.indexOf(a.kind) - EFFECT_KINDS.indexOf(b.kind) || compareText(a.name, b.name));
}

/** The listed changes, in order, while their JSON stays within `budget` bytes; the first always. */
function withinBytes(changes: readonly MemberPlanChange[], budget: number): MemberPlanChange[] {
  const kept: MemberPlanChange[] = [];
  const sizes = new WeakMap<object, number>();
  let bytes = 0;
  for (const entry of changes) {
    bytes += jsonBytes(entry, sizes);
    if (kept.length > 0 && bytes > budget) break;
    kept.push(entry);
  }
  return kept;
}

/**
 * The size of `value` as JSON, at least (strings are counted without escapes): members share their
 * permissions and changes, so each shared object is measured once instead of serialised per member.
 */
function jsonBytes(value: unknown, sizes: WeakMap<object, number>): number {
  if (typeof value === "string") return utf8Length(value) + 2;
  if (typeof value !== "object" || value === null) return String(value).length;
  const known = sizes.get(value);
  if (known !== undefined) return known;
  let bytes = 2;
  if (Array.isArray(value)) {
    for (const item of value as unknown[]) bytes += jsonBytes(item, sizes) + 1;
  } else {
    for (const [key, item] of Object.entries(value)) bytes += utf8Length(key) + 4 + jsonBytes(item, sizes);
  }
  sizes.set(value, bytes);
  return bytes;
}

/** At most PLAN_LIMITS.warningsPerCode warnings of each code, then one saying how many more. */
function capPerCode(warnings: readonly ListedWarning[]): PlanWarning[] {
  const counts = new Map<ListedWarning["code"], number>();
  const kept: PlanWarning[] = [];
  for (const warning of warnings) {
    const count = (counts.get(warning.code) ?? 0) + 1;
    counts.set(warning.code, count);
    if (count <= PLAN_LIMITS.warningsPerCode) kept.push(warning);
  }
  for (const [code, count] of counts) if (count > PLAN_LIMITS.warningsPerCode) kept.push(moreWarnings(code, count - PLAN_LIMITS.warningsPerCode));
  return kept;
}

function moreWarnings(of: ListedWarning["code"], count: number): PlanWarning {
  return { code: "more_warnings", of, count, message: `${count} more warning${count === 1 ? "" : "s"} of the kind '${of}' are left out.` };
}

/** "1, 2, 3" — or the first `max` and how many more. */
function namedList(items: readonly (string | number)[], max: number): string {
  const shown = items.slice(0, max).join(", ");
  return items.length > max ? `${shown} and ${items.length - max} more` : shown;
}

/**
 * The directory's groups by what rules name them by, so finding a rule's groups costs a lookup,
 * not a pass over every group (thousands of rules × thousands of groups).
 */
export interface GroupIndex {
  matching(rule: MappingRule): GroupRef[];
  byId(id: string): readonly GroupRef[];
  /** Groups whose displayName folds to `name`'s. */
  byName(name: string): readonly GroupRef[];
  /** Whether Okta pushed any group without an externalId (externalId rules then get a hint). */
  readonly oktaPushedWithoutExternalId: boolean;
}

export function indexGroups(groups: readonly GroupRef[]): GroupIndex {
  const by = new Map<string, GroupRef[]>();
  const put = (key: string, group: GroupRef): void => {
    const list = by.get(key);
    if (list === undefined) by.set(key, [group]);
    else list.push(group);
  };
  for (const group of groups) {
    put(`id\u0000${group.id}`, group);
    if (group.externalId !== undefined && group.externalId !== null) put(`externalId\u0000${group.externalId}`, group);
    put(`name\u0000${foldName(group.displayName)}`, group);
  }
  return {
    byId: (id) => by.get(`id\u0000${id}`) ?? [],
    byName: (name) => by.get(`name\u0000${foldName(name)}`) ?? [],
    oktaPushedWithoutExternalId: groups.some((group) => group.provisionedBy === "okta" && (group.externalId ?? null) === null),
    matching: (rule) => {
      if (rule.source.kind !== "group") return [];
      const { kind, value } = rule.source.matcher;
      const key = kind === "id" || kind === "externalId" ? `${kind}\u0000${value}` : `name\u0000${foldName(value)}`;
      // The index narrows; ruleSelectsGroup decides, so the plan matches exactly as resolution does.
      return (by.get(key) ?? []).filter((group) => ruleSelectsGroup(rule, group));
    },
  };
}

interface DirectoryContext {
  readonly mapping: Mapping;
  readonly groups: GroupIndex;
  readonly heldAppRoles: ReadonlySet<string>;
  readonly orgRolesByGroup: ReadonlyMap<string, ReadonlySet<OrgRole>>;
  readonly orgRolesByAppRole: ReadonlyMap<string, ReadonlySet<OrgRole>>;
}

/** The groups a rule matches in the directory (the console's "groups giving this role"); none for an app-role rule. */
export function matchingGroups(rule: MappingRule, groups: readonly GroupRef[]): GroupRef[] {
  return groups.filter((group) => ruleSelectsGroup(rule, group));
}

/** Whether anything in the directory can match the rule: a group for a group rule, a member holding the app role for an app-role rule. */
function ruleReachesDirectory(rule: MappingRule, context: DirectoryContext): boolean {
  return rule.source.kind === "group" ? context.groups.matching(rule).length > 0 : context.heldAppRoles.has(rule.source.value);
}

function rulesMatchingNoGroup(context: DirectoryContext): ListedWarning[] {
  return context.mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "group" || context.groups.matching(rule).length > 0) return [];
    return [{
      code: "rule_matches_no_group" as const,
      ruleIndex: rule.index,
      ruleId: rule.id,
      message: `Rule ${rule.index} (${source.matcher.kind} '${source.matcher.value}') matches no group in the directory, so it grants nothing.${externalIdHint(source.matcher, context.groups)}`,
    }];
  });
}

/**
 * An externalId rule that matches nothing, in a directory with groups Okta pushed: Okta's Push
 * Groups send no externalId (fixtures/okta/push-group.json), so the rule most likely meant one of
 * those groups by its name or id.
 */
function externalIdHint(matcher: GroupMatcher, groups: GroupIndex): string {
  if (matcher.kind !== "externalId" || !groups.oktaPushedWithoutExternalId) return "";
  const named = [...groups.byId(matcher.value), ...groups.byName(matcher.value)].find((group) => group.provisionedBy === "okta" && (group.externalId ?? null) === null);
  const suggestion = named === undefined ? "" : ` For '${named.displayName}', use \`group: { id: "${named.id}" }\`.`;
  return ` Okta's Push Groups send no externalId, so groups Okta pushed are matched by \`id\` or \`displayName\`.${suggestion}`;
}

/** "Did you mean" compares a value with every value held: offered for this many rules, so the cost stays linear. */
const MAX_HINTS = 20;

/**
 * App-role values are compared exactly, as Entra sends them; a rule naming a value no member holds
 * is most often a typo or a difference of case, so the plan names the closest value it saw.
 */
function rulesMatchingNoAppRole(context: DirectoryContext): ListedWarning[] {
  const held = sortedUnique([...context.heldAppRoles]);
  let hintsLeft = MAX_HINTS;
  return context.mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "appRole" || context.heldAppRoles.has(source.value)) return [];
    const near = hintsLeft-- > 0 ? closestMatch(source.value, held) : null;
    const hint =
      near === null ? "" : near.toLowerCase() === source.value.toLowerCase() ? ` Members hold '${near}': app-role values are case-sensitive.` : ` Did you mean '${near}'?`;
    return [{
      code: "rule_matches_no_app_role" as const,
      ruleIndex: rule.index,
      ruleId: rule.id,
      appRole: source.value,
      message: `Rule ${rule.index} (app role '${source.value}') matches no member: no user's SCIM roles carry that value, so it grants nothing.${hint}`,
    }];
  });
}

/** Matching by displayName breaks when the IdP renames the group: the plan warns of every such rule. */
function displayNameRules(context: DirectoryContext): ListedWarning[] {
  return context.mapping.rules.flatMap((rule) => {
    const { source } = rule;
    if (source.kind !== "group" || source.matcher.kind !== "displayName") return [];
    const matched = context.groups.matching(rule);
    const stable = matched.length === 1 && matched[0] !== undefined ? stableMatcherHint(matched[0]) : "";
    const several = matched.length > 1 ? ` It currently matches ${matched.length} groups (${namedList(matched.map((group) => `'${group.displayName}'`), PLAN_LIMITS.groupsNamed)}).` : "";
    return [{
      code: "display_name_rule" as const,
      ruleIndex: rule.index,
      ruleId: rule.id,
      displayName: source.matcher.value,
      groupIds: matched.map((group) => group.id).sort(compareText).slice(0, PLAN_LIMITS.groupsNamed),
      message: `Rule ${rule.index} matches groups by displayName '${source.matcher.value}'; it stops matching, and its members lose what it grants, if the group is renamed in the IdP.${several}${stable}`,
    }];
  });
}

/**
 * The matcher that survives a rename of this group, by the IdP that created it: Okta's Push Groups
 * send no externalId, so the id this server gave the group (fixtures/okta/push-group.json); Entra
 * sends the group's object id as externalId (fixtures/entra/create-group.json). Unknown: both.
 */
function stableMatcherHint(group: GroupRef): string {
  const byId = `\`group: { id: "${group.id}" }\``;
  const externalId = group.externalId ?? "";
  const byExternalId = `\`group: { externalId: "${externalId}" }\``;
  switch (group.provisionedBy) {
    case "okta":
      return ` Okta pushed this group and sends no externalId for it: use ${byId} instead, the id this server gave it.`;
    case "entra":
      return externalId !== "" ? ` Entra created this group: use ${byExternalId} instead, its object id in Entra.` : ` Use ${byId} instead.`;
    default:
      return externalId !== ""
        ? ` Use ${byExternalId} (the IdP's id for it, as Entra sends) or ${byId} (the id this server gave it, the stable choice for groups Okta pushes) instead.`
        : ` Use ${byId} instead.`;
  }
}

/** The rules granting each role, in rule order: one pass over the rules instead of one per role. */
export function rulesByRole(mapping: Mapping): Map<string, MappingRule[]> {
  const granting = new Map<string, MappingRule[]>();
  for (const rule of mapping.rules) {
    for (const role of new Set(rule.roles)) {
      const rules = granting.get(role);
      if (rules === undefined) granting.set(role, [rule]);
      else rules.push(rule);
    }
  }
  return granting;
}

function rolesNeverReached(context: DirectoryContext, reached: ReadonlySet<string>): ListedWarning[] {
  const granting = rulesByRole(context.mapping);
  return context.mapping.roles
    .filter((role) => !reached.has(role.name))
    .map((role) => {
      const why = unreachedBecause(granting.get(role.name) ?? [], context);
      return { code: "role_never_reached" as const, role: role.name, reason: why.reason, orgRoles: why.orgRoles, message: `Role '${role.name}' would apply to no member: ${why.text}.` };
    });
}

/** Why no member would hold a role, as a code a console words itself and as text. */
export type UnreachedReason = "no_rule" | "rules_match_nothing" | "no_active_member" | "standard_roles";

function unreachedBecause(granting: readonly MappingRule[], context: DirectoryContext): { reason: UnreachedReason; orgRoles: OrgRole[]; text: string } {
  if (granting.length === 0) return { reason: "no_rule", orgRoles: [], text: "no rule grants it" };
  const ruleList = namedList(granting.map((rule) => rule.index), PLAN_LIMITS.rulesNamed);
  if (granting.every((rule) => !ruleReachesDirectory(rule, context))) {
    return { reason: "rules_match_nothing", orgRoles: [], text: `the rules granting it (${ruleList}) match no group or app role in the directory` };
  }
  // The org roles of the active members the granting rules match, gathered per group and app role as members were read.
  const orgRoles = new Set<OrgRole>();
  for (const rule of granting) {
    const sets = rule.source.kind === "appRole"
      ? [context.orgRolesByAppRole.get(rule.source.value)]
      : context.groups.matching(rule).map((group) => context.orgRolesByGroup.get(group.id));
    for (const set of sets) for (const orgRole of set ?? []) orgRoles.add(orgRole);
  }
  if (orgRoles.size === 0) return { reason: "no_active_member", orgRoles: [], text: `no active member is matched by the rules granting it (${ruleList})` };
  const held = [...orgRoles].sort(compareText);
  return { reason: "standard_roles", orgRoles: held, text: `every active member it is mapped to has a standard role (${held.join(", ")}), and custom roles apply only to custom members` };
}

function primaryOwnerMissing(mapping: Mapping): ListedWarning {
  return {
    code: "primary_owner_not_in_directory",
    userName: mapping.primaryOwner,
    message: `No active member has the userName '${mapping.primaryOwner}' named by \`primaryOwner\`, so the organisation would have no Primary Owner.`,
  };
}

const isStandard = (role: OrgRole): role is StandardOrgRole => (STANDARD_ORG_ROLES as readonly string[]).includes(role);

/**
 * Gathers the members who move from a standard org role to custom, and the union of what they lose:
 * per change object (members with the same groups share one), so its cost is that of the changes.
 */
function standardToCustomCounter(): { add(change: PermissionChange): void; warnings(): StandardToCustom[] } {
  let members = 0;
  const from = new Set<StandardOrgRole>();
  const admin = new Map<Area, Level>();
  const capabilities = new Set<string>();
  const connectors = new Set<string>();
  return {
    add(change) {
      const move = change.orgRole;
      if (move === null || move.after !== "custom" || !isStandard(move.before)) return;
      members += 1;
      from.add(move.before);
      for (const area of change.admin) {
        if (levelRank(area.after) >= levelRank(area.before)) continue;
        const known = admin.get(area.area);
        if (known === undefined || levelRank(area.before) > levelRank(known)) admin.set(area.area, area.before);
      }
      for (const name of change.capabilities.removed) capabilities.add(name);
      for (const name of change.connectors.removed) connectors.add(name);
    },
    warnings() {
      if (members === 0) return [];
      const lost = {
        from: STANDARD_ORG_ROLES.filter((role) => from.has(role)),
        admin: AREAS.flatMap((area) => {
          const before = admin.get(area);
          return before === undefined ? [] : [{ area, before }];
        }),
        capabilities: sortedUnique([...capabilities]).slice(0, PLAN_LIMITS.lostNamed),
        connectors: sortedUnique([...connectors]).slice(0, PLAN_LIMITS.lostNamed),
      };
      const what = [
        ...lost.admin.map(({ area, before }) => `${area} ${before}`),
        ...lost.capabilities.map((name) => `the capability ${name}`),
        ...lost.connectors.map((name) => `the connector ${name}`),
      ];
      // A move that takes nothing away (the standard role gave nothing their custom roles do not) needs no word.
      if (what.length === 0) return [];
      const who = members === 1 ? "1 member moves" : `${members} members move`;
      return [{
        code: "standard_to_custom" as const,
        members,
        ...lost,
        message: `${who} from a standard role (${lost.from.join(", ")}) to custom roles, which replace the standard role: what it gave them and their custom roles do not goes with it (${what.join(", ")}). Grant these in a custom role to keep them.`,
      }];
    },
  };
}

/** A mapping that leaves only the Primary Owner able to fix it is one typo away from a lock-out. */
function noRoleEditor(): ListedWarning {
  return {
    code: "no_role_editor",
    message: "No one besides the Primary Owner could edit roles: no active member would be an owner or a custom member with identity_access: manage.",
  };
}
