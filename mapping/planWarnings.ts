/**
 * The warnings a plan shows for one edit: only those the edit touches, each once. A plan's own
 * warnings describe the whole directory after the change (every rule that matches nothing, every
 * role no one reaches), and the document's validation warnings the whole file: shown beside a small
 * edit, a warning about another role repeats on every edit and buries the one that matters.
 */
import type { DescribedChange } from "./changes";
import type { PlanEffect, PlanWarning } from "./plan";
import type { MappingIssue } from "./types";

/** The roles and rules an edit adds or changes (a rule's roles, before and after, count as touched). */
function touchedBy(parts: readonly DescribedChange[]): { roles: Set<string>; rules: Set<string>; primaryOwner: boolean } {
  const roles = new Set<string>();
  const rules = new Set<string>();
  let primaryOwner = false;
  const rolesOf = (document: Record<string, unknown> | null): string[] =>
    document !== null && Array.isArray(document["roles"]) ? document["roles"].filter((role): role is string => typeof role === "string") : [];
  for (const { change } of parts) {
    if (change.part === "role") roles.add(change.name);
    if (change.part === "rule") {
      rules.add(change.id);
      for (const role of [...rolesOf(change.before), ...rolesOf(change.after)]) roles.add(role);
    }
    if (change.part === "primary_owner") primaryOwner = true;
  }
  return { roles, rules, primaryOwner };
}

/**
 * The plan's warnings that concern what the edit changes: rules it adds or changes, roles it
 * defines or whose rules it changes, members it takes something from, and a role editor it leaves
 * missing only when someone loses that right in it. Each warning once.
 */
export function warningsTouchedBy<W extends PlanWarning>(warnings: readonly W[], parts: readonly DescribedChange[], effects: readonly PlanEffect[]): W[] {
  const touched = touchedBy(parts);
  const losesEditing = effects.some((e) => e.lost > 0 && ((e.kind === "admin" && e.name === "identity_access") || (e.kind === "orgRole" && (e.name === "owner" || e.name === "primary_owner"))));
  const concerns = (warning: W): boolean => {
    switch (warning.code) {
      case "rule_matches_no_group":
      case "rule_matches_no_app_role":
      case "display_name_rule":
        return touched.rules.has(warning.ruleId);
      case "role_never_reached":
        return touched.roles.has(warning.role);
      case "primary_owner_not_in_directory":
        return touched.primaryOwner;
      case "no_role_editor":
        return losesEditing || touched.primaryOwner;
      case "loses_identity_access_manage":
      case "standard_to_custom":
        return true;
      case "more_warnings":
        return false;
    }
  };
  const kept = warnings.filter(concerns);
  // "N more of this kind" stays only beside warnings of its kind that were kept, or of a kind always kept.
  const keptCodes = new Set(kept.map((warning) => warning.code));
  const more = warnings.filter((warning) => warning.code === "more_warnings" && (keptCodes.has(warning.of) || warning.of === "loses_identity_access_manage"));
  return once([...kept, ...more]);
}

/**
 * The document's validation warnings an edit brings: those the mapping in force did not already
 * have. `unused_role` and `display_name_matcher` are left to the plan, whose `role_never_reached`
 * and `display_name_rule` say the same of the same roles and rules, with the directory in view.
 */
export function newValidationWarnings(after: readonly MappingIssue[], before: readonly MappingIssue[]): MappingIssue[] {
  const known = new Set(before.map((issue) => `${issue.code}\u0000${issue.message}`));
  const fresh = after.filter((issue) => issue.code !== "unused_role" && issue.code !== "display_name_matcher" && !known.has(`${issue.code}\u0000${issue.message}`));
  return once(fresh);
}

function once<T extends { code: string; message: string }>(items: readonly T[]): T[] {
  const seen = new Set<string>();
  return items.filter((item) => {
    const key = `${item.code}\u0000${item.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
