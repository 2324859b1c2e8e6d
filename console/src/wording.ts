/**
 * Sentences the console builds from what the server answers: a mapping change part, a plan
 * warning, a place in the mapping document — in the product's words, with role display names and
 * labels, never a rule id or a JSON path. The server's own messages speak the file format (they are
 * for files, logs and the CLI); the console words the structured parts beside them.
 */
import type { Area, ChangePart, Level, PlanAnswer, RoleDocument, RuleDocument, RuleTargetDocument } from "./api/types";
import {
  AREAS, LEVEL_LABELS, type RoleNames, areaLabel, capabilityLabel, connectorLabel, humanise, listInWords, orgRoleLabel, ordinal, plural, roleLabel,
} from "./labels";

const levelLabel = (level: Level): string => LEVEL_LABELS[level];

/** "the Finance approvers role". */
export const theRole = (name: string, names: RoleNames): string => `the ${roleLabel(name, names)} role`;

type Segment = string | number;

/** `roles.finance.connectors[1]` → ["roles", "finance", "connectors", 1]. */
function segmentsOf(path: string): Segment[] {
  const segments: Segment[] = [];
  for (const part of path.split(".")) {
    const match = /^([^[\]]*)((?:\[\d+\])*)$/.exec(part);
    if (match === null) return [path];
    if (match[1] !== undefined && match[1] !== "") segments.push(match[1]);
    for (const index of (match[2] ?? "").matchAll(/\[(\d+)\]/g)) segments.push(Number(index[1]));
  }
  return segments;
}

const FIELD_WORDS: Readonly<Record<string, string>> = {
  displayName: "display name",
  description: "description",
  admin: "admin levels",
  capabilities: "capabilities",
  connectors: "connectors",
};
const ITEM_WORDS: Readonly<Record<string, string>> = { capabilities: "capability", connectors: "connector", roles: "role" };

/** What a role's field is, in words: "Billing level", "second connector", "display name". */
function roleField(rest: readonly Segment[]): string {
  const [field, item] = rest;
  if (field === undefined) return "";
  if (typeof field === "number") return `${ordinal(field)} entry`;
  if (field === "admin" && typeof item === "string") return `${areaLabel(item)} level`;
  if (typeof item === "number") return `${ordinal(item)} ${ITEM_WORDS[field] ?? humanise(field).toLowerCase()}`;
  return FIELD_WORDS[field] ?? humanise(field).toLowerCase();
}

/**
 * A place in the mapping document in words: `roles.finance.connectors[1]` → "the Finance role's
 * second connector", `mappings[3]` → "the fourth rule", `org.connectors` → "the organisation's
 * connector settings". A path it does not know is humanised, never shown raw.
 */
export function pathInWords(path: string, names: RoleNames): string {
  const segments = segmentsOf(path);
  const [head, second, ...rest] = segments;
  const possessive = (owner: string, field: string): string => (field === "" ? owner : `${owner}'s ${field}`);
  switch (head) {
    case "roles":
      if (typeof second !== "string") return "the custom roles";
      return possessive(theRole(second, names), roleField(rest));
    case "standardRoles": {
      if (typeof second !== "string") return "the standard roles";
      const area = rest[1];
      return possessive(`the ${orgRoleLabel(second)} role`, typeof area === "string" ? `${areaLabel(area)} level` : "admin levels");
    }
    case "org": {
      const list = second === "features" ? "feature" : second === "connectors" ? "connector" : null;
      const name = rest[0];
      if (list === null) return "the organisation's settings";
      if (typeof name === "string") return `the organisation's ${list === "feature" ? capabilityLabel(name) : connectorLabel(name)} setting`;
      return `the organisation's setting for ${list}s`;
    }
    case "mappings": {
      if (typeof second !== "number") return "the rules";
      const [field, inner] = rest;
      const rule = `the ${ordinal(second)} rule`;
      if (field === "group") return possessive(rule, "group");
      if (field === "appRole") return possessive(rule, "app role");
      if (field === "roles") return possessive(rule, typeof inner === "number" ? `${ordinal(inner)} role` : "roles");
      if (field === "orgRole") return possessive(rule, "org role");
      return rule;
    }
    case "primaryOwner":
      return "the Primary Owner setting";
    default:
      return segments.map((s) => (typeof s === "number" ? ordinal(s) : humanise(s).toLowerCase())).join(" ");
  }
}

/**
 * A server message with every `path` in it in words, and "Role 'x'" as the role's name: for the
 * messages the console cannot word itself (a mapping file's validation warnings and errors).
 */
export function inWords(message: string, names: RoleNames): string {
  return message
    // The explanation names the rule that matched by its place in the file; people know the group.
    .replace(/\b([Rr])ule \d+ \((manual group|group) '([^']*)', matched by \w+ '[^']*'\)/g, (_whole, r: string, kind: string, name: string) => `${r === "R" ? "Their" : "their"} ${kind} “${name}”`)
    .replace(/\b([Rr])ule \d+ \(app role '([^']*)'\)/g, (_whole, r: string, value: string) => `${r === "R" ? "Their" : "their"} app role “${value}”`)
    .replace(/`([A-Za-z][\w]*(?:\.[^\s`]+|\[\d+\][^\s`]*)?)`/g, (whole, path: string) => (/^(roles|org|mappings|standardRoles|primaryOwner)\b/.test(path) ? pathInWords(path, names) : whole))
    .replace(/\bRole '([^']+)'/g, (_whole, name: string) => `The ${roleLabel(name, names)} role`)
    .replace(/\bthe (capability|feature) '([^']+)'/g, (_whole, _kind: string, name: string) => `the capability ${capabilityLabel(name)}`)
    .replace(/\bthe connector '([^']+)'/g, (_whole, name: string) => `the connector ${connectorLabel(name)}`);
}

/** One line of a role's change: what it was and what it becomes. */
export interface ChangeLine {
  readonly what: string;
  readonly before: string;
  readonly after: string;
}

const listed = (items: readonly string[], label: (name: string) => string): string => (items.length === 0 ? "none" : items.map(label).join(", "));

/**
 * A custom role's own changes, field by field, before → after: display name, description, each
 * area's level, and the capabilities and connectors it grants (added and removed named).
 */
export function roleChangeLines(before: RoleDocument | null, after: RoleDocument | null): ChangeLine[] {
  const was = before ?? { admin: {}, capabilities: [], connectors: [] };
  const now = after ?? { admin: {}, capabilities: [], connectors: [] };
  const lines: ChangeLine[] = [];
  const text = (value: string | undefined): string => (value === undefined || value === "" ? "none" : `“${value}”`);
  if ((was.displayName ?? "") !== (now.displayName ?? "")) lines.push({ what: "Display name", before: text(was.displayName), after: text(now.displayName) });
  if ((was.description ?? "") !== (now.description ?? "")) lines.push({ what: "Description", before: text(was.description), after: text(now.description) });
  for (const area of AREAS) {
    const [b, a] = [was.admin[area] ?? "none", now.admin[area] ?? "none"];
    if (b !== a) lines.push({ what: areaLabel(area), before: levelLabel(b), after: levelLabel(a) });
  }
  for (const [list, what, label] of [["capabilities", "Capabilities", capabilityLabel], ["connectors", "Connectors", connectorLabel]] as const) {
    const b = [...was[list]].sort();
    const a = [...now[list]].sort();
    if (b.join("\u0000") !== a.join("\u0000")) lines.push({ what, before: listed(b, label), after: listed(a, label) });
  }
  return lines;
}

/** What a rule document matches, in words: "the group Finance", "members with the app role Admins". */
export function ruleTargetInWords(rule: RuleTargetDocument | null, groupNames: ReadonlyMap<string, string>): string {
  if (rule === null) return "a rule";
  if ("appRole" in rule) return `members with the app role ${rule.appRole.value}`;
  const { id, manual, externalId, displayName } = rule.group;
  if (id !== undefined) return groupNames.has(id) ? `the group ${groupNames.get(id) ?? ""}` : `the group with id ${id}`;
  if (manual !== undefined) return `the manual group ${manual}`;
  if (externalId !== undefined) return `the identity provider's group ${externalId}`;
  return displayName !== undefined ? `the group named ${displayName}` : "a rule";
}

/** What a rule document gives, in words: "the Finance role and the Owner org role". */
function ruleGivesInWords(rule: RuleDocument | null, names: RoleNames): string {
  if (rule === null) return "nothing";
  const orgRole = rule.orgRole === undefined ? null : `the ${orgRoleLabel(rule.orgRole)} org role`;
  const gives = [...(rule.roles ?? []).map((r) => theRole(r, names)), ...(orgRole === null ? [] : [orgRole])];
  return gives.length === 0 ? "nothing" : listInWords(gives);
}

/** One changed part of the mapping, as a heading and the role's own before → after lines. */
export interface PartInWords {
  readonly title: string;
  readonly lines: readonly ChangeLine[];
}

const toggleWord = (setting: "on" | "off" | null): string => (setting === null ? "not set" : setting === "on" ? "on" : "off");

export function partInWords(part: ChangePart, names: RoleNames, groupNames: ReadonlyMap<string, string> = new Map()): PartInWords {
  switch (part.part) {
    case "primary_owner":
      return { title: "Primary Owner", lines: [{ what: "Primary Owner", before: part.before === "" ? "nobody" : part.before, after: part.after }] };
    case "org_toggle": {
      const label = part.list === "features" ? capabilityLabel(part.name) : connectorLabel(part.name);
      return { title: `${label} ${part.list === "features" ? "feature" : "connector"} for the organisation`, lines: [{ what: label, before: toggleWord(part.before), after: toggleWord(part.after) }] };
    }
    case "standard_role":
      return { title: `The ${orgRoleLabel(part.role)} role's ${areaLabel(part.area)} level`, lines: [{ what: areaLabel(part.area), before: levelLabel(part.before), after: levelLabel(part.after) }] };
    case "role": {
      const { before, after } = part;
      // A role is named as it was when deleted, as it becomes otherwise.
      const shown = after?.displayName ?? before?.displayName ?? part.name;
      const title = part.change === "added" ? `New role ${shown}` : part.change === "removed" ? `Role ${shown} deleted` : `Role ${shown}`;
      return { title, lines: part.change === "removed" ? [] : roleChangeLines(before, after) };
    }
    case "rule": {
      const rule = part.after ?? part.before;
      const target = ruleTargetInWords(rule, groupNames);
      if (part.change === "added") return { title: `Give ${ruleGivesInWords(part.after, names)} to ${target}`, lines: [] };
      if (part.change === "removed") return { title: `Stop giving ${ruleGivesInWords(part.before, names)} to ${target}`, lines: [] };
      return {
        title: `What ${target} gives`,
        lines: [{ what: "Gives", before: ruleGivesInWords(part.before, names), after: ruleGivesInWords(part.after, names) }],
      };
    }
  }
}

type Warning = PlanAnswer["warnings"][number];

/** The rule a warning is about, in words, from the plan's own parts (a warning is shown only beside a part it touches). */
function ruleOfWarning(ruleId: string, plan: PlanAnswer, names: RoleNames, groupNames: ReadonlyMap<string, string>): string {
  const part = plan.parts.find((p) => p.part === "rule" && p.id === ruleId);
  return part !== undefined && part.part === "rule" ? `The rule giving ${ruleGivesInWords(part.after ?? part.before, names)} to ${ruleTargetInWords(part.after ?? part.before, groupNames)}` : "A rule";
}

const WARNING_KINDS: Readonly<Record<Exclude<Warning["code"], "more_warnings">, string>> = {
  rule_matches_no_group: "rules that match no group",
  rule_matches_no_app_role: "rules that match no member",
  role_never_reached: "roles no one would hold",
  loses_identity_access_manage: "members losing Identity & Access at Can manage",
  no_role_editor: "no one to change roles",
  primary_owner_not_in_directory: "a missing Primary Owner",
  display_name_rule: "rules matching a group by its name",
  standard_to_custom: "members moving to custom roles",
};

/** A plan warning in the product's words, from its structured fields (the message is the file format's). */
export function warningInWords(warning: Warning, plan: PlanAnswer, names: RoleNames, groupNames: ReadonlyMap<string, string> = new Map()): string {
  switch (warning.code) {
    case "rule_matches_no_group":
      return `${ruleOfWarning(warning.ruleId, plan, names, groupNames)} matches no group in the directory, so it gives nothing.`;
    case "rule_matches_no_app_role":
      return `${ruleOfWarning(warning.ruleId, plan, names, groupNames)} matches no member: no one's identity provider assigned the app role ${warning.appRole} (app role values are case-sensitive).`;
    case "display_name_rule":
      return `${ruleOfWarning(warning.ruleId, plan, names, groupNames)} matches the group by its name, ${warning.displayName}: if the group is renamed in the identity provider, the rule stops matching and its members lose what it gives.`;
    case "role_never_reached": {
      const role = roleLabel(warning.role, names);
      const why: Record<typeof warning.reason, string> = {
        no_rule: "no rule gives it",
        rules_match_nothing: "the rules giving it match no group or app role in the directory",
        no_active_member: "no active member is in a group that gives it",
        standard_roles: `everyone given it has a standard role (${listInWords(warning.orgRoles.map(orgRoleLabel))}), and custom roles apply only to members whose org role is Custom`,
      };
      return `No member would hold the ${role} role: ${why[warning.reason]}.`;
    }
    case "loses_identity_access_manage":
      return `${warning.userName} would lose Identity & Access at Can manage, and with it managing sign-in, SCIM and roles.`;
    case "no_role_editor":
      return "No one but the Primary Owner could change roles: no active member would be an Owner or hold a custom role with Identity & Access at Can manage.";
    case "primary_owner_not_in_directory":
      return `No active member has the user name ${warning.userName}, named as Primary Owner, so the organisation would have no Primary Owner.`;
    case "standard_to_custom": {
      const from = listInWords(warning.from.map((r) => `${orgRoleLabel(r)}`));
      const lost = [
        ...warning.admin.map(({ area, before }: { area: Area; before: Level }) => `${areaLabel(area)} at ${levelLabel(before)}`),
        ...warning.capabilities.map(capabilityLabel),
        ...warning.connectors.map((c) => `the ${connectorLabel(c)} connector`),
      ];
      return `${plural(warning.members, "member moves", "members move")} from a standard role (${from}) to custom roles. Custom roles replace the standard role, so what it gave them goes with it: ${listInWords(lost)}. To keep any of it, grant it in one of their custom roles.`;
    }
    case "more_warnings":
      return `${plural(warning.count, "more warning")} about ${WARNING_KINDS[warning.of]} left out.`;
  }
}

/** The admin actions (the admin log's names) in words, as the cause of a permission change. */
const ADMIN_ACTIONS: Readonly<Record<string, string>> = {
  "role.put": "saved a custom role",
  "role.delete": "deleted a custom role",
  "rule.add": "gave a role to a group",
  "rule.delete": "removed a rule giving roles",
  "org.set": "changed the organisation's features and connectors",
  "standard_role.set": "changed a standard role's levels",
  "primary_owner.set": "transferred primary ownership",
  "mapping.replace": "replaced the role mapping",
  "mapping.rollback": "rolled the role mapping back",
  "group.create": "created a group",
  "group.rename": "renamed a group",
  "group.delete": "deleted a group",
  "group.member.add": "added a member to a group",
  "group.member.remove": "removed a member from a group",
  "member.suspend": "suspended a member",
  "member.reactivate": "reactivated a member",
  "member.add": "added a member by e-mail",
  "member.remove": "removed a member",
  "member.sign_out": "signed a member out of every console session",
  "scim_token.create": "created a SCIM token",
  "scim_token.rotate": "rotated a SCIM token",
  "scim_token.revoke": "revoked a SCIM token",
  "analytics.settings": "changed what usage analytics collects",
  "sign_in.set": "changed the organisation's single sign-on",
  "session_limits.set": "changed the console's session limits",
  "privacy.retention.set": "changed how long personal data is kept",
  "privacy.export": "exported a member's personal data",
  "privacy.erasure": "erased a deleted member's personal data",
};

/** "saved a custom role": an admin action (the admin log's name, `role.put`) as what an administrator did. */
export function adminActionInWords(action: string): string {
  return ADMIN_ACTIONS[action] ?? `made the change ${humanise(action).toLowerCase()}`;
}

const MATCHED_BY: Readonly<Record<string, string>> = {
  externalId: "the identity provider's id",
  id: "its id",
  displayName: "its name",
  manual: "its name",
};
/** How a rule matched a group, in words: "the identity provider's id", "its name". */
export const matchedByInWords = (kind: string): string => MATCHED_BY[kind] ?? humanise(kind).toLowerCase();

/**
 * A refusal in words: the server's sentence of who may make such a change, then the refused parts
 * worded here (the server lists them as the file names them: "rule r_… (group id '…') (added)").
 */
export function refusalInWords(plan: PlanAnswer, names: RoleNames, groupNames: ReadonlyMap<string, string> = new Map()): string {
  const refusal = plan.refusal;
  if (refusal === null) return "";
  const refused = plan.parts.filter((part) => refusal.message.includes(part.description)).map((part) => partInWords(part, names, groupNames).title);
  const listed = refusal.message.indexOf(" Refused: ");
  const mayChange = refusal.message.indexOf(" may change ");
  const who = listed >= 0 ? refusal.message.slice(0, listed) : mayChange >= 0 ? `${refusal.message.slice(0, mayChange)} may change this.` : null;
  if (refused.length === 0 || who === null) return inWords(refusal.message, names);
  return `${who} Refused: ${refused.join("; ")}. Nothing was applied.`;
}
