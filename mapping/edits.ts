/**
 * The admin API's edits of a mapping, as changes to the document a mapping file holds: a whole new
 * document, or one role, rule, toggle block, standard role or the Primary Owner. The result is parsed
 * and validated like any file, so an edit can never store what a file could not say.
 */
import { mappingToDocument } from "./document";
import { isObject } from "./json";
import { emptyMapping } from "./normalise";
import type { Mapping } from "./types";

export type MappingEdit =
  | { readonly kind: "replace"; readonly document: unknown }
  | { readonly kind: "put_role"; readonly name: string; readonly role: unknown }
  | { readonly kind: "delete_role"; readonly name: string }
  | { readonly kind: "add_rule"; readonly rule: unknown }
  | { readonly kind: "delete_rule"; readonly ruleId: string }
  | { readonly kind: "set_org"; readonly org: unknown }
  | { readonly kind: "set_standard_role"; readonly role: "admin" | "user"; readonly levels: unknown }
  | { readonly kind: "set_primary_owner"; readonly userName: string };

export type EditResult = { readonly ok: true; readonly document: unknown } | { readonly ok: false; readonly missing: "role" | "rule"; readonly message: string };

export function applyEdit(current: Mapping | null, edit: MappingEdit): EditResult {
  if (edit.kind === "replace") return { ok: true, document: edit.document };
  const document = mappingToDocument(current ?? emptyMapping());
  const roles = isObject(document["roles"]) ? { ...document["roles"] } : {};
  const rules = Array.isArray(document["mappings"]) ? document["mappings"].filter(isObject) : [];
  switch (edit.kind) {
    case "put_role":
      return { ok: true, document: { ...document, roles: { ...roles, [edit.name]: edit.role } } };
    case "delete_role": {
      if (!Object.prototype.hasOwnProperty.call(roles, edit.name)) return { ok: false, missing: "role", message: `No custom role named '${edit.name}'` };
      delete roles[edit.name];
      return { ok: true, document: { ...document, roles, mappings: withoutRole(rules, edit.name) } };
    }
    case "add_rule":
      return { ok: true, document: { ...document, mappings: [...rules, edit.rule] } };
    case "delete_rule": {
      const kept = rules.filter((rule) => rule["id"] !== edit.ruleId);
      if (kept.length === rules.length) return { ok: false, missing: "rule", message: `No rule with id '${edit.ruleId}'` };
      return { ok: true, document: { ...document, mappings: kept } };
    }
    case "set_org":
      return { ok: true, document: { ...document, org: edit.org } };
    case "set_standard_role": {
      const standard = isObject(document["standardRoles"]) ? document["standardRoles"] : {};
      return { ok: true, document: { ...document, standardRoles: { ...standard, [edit.role]: { admin: edit.levels } } } };
    }
    case "set_primary_owner":
      return { ok: true, document: { ...document, primaryOwner: edit.userName } };
  }
}

/**
 * Deleting a role takes it out of every rule that gives it; a rule left giving nothing at all
 * (no other role, no orgRole) goes too, since it could no longer be stored.
 */
function withoutRole(rules: ReadonlyArray<Record<string, unknown>>, role: string): Array<Record<string, unknown>> {
  return rules.flatMap((rule) => {
    const listed = Array.isArray(rule["roles"]) ? rule["roles"] : [];
    if (!listed.includes(role)) return [rule];
    const remaining = listed.filter((name) => name !== role);
    if (remaining.length === 0 && rule["orgRole"] === undefined) return [];
    const { roles: _roles, ...rest } = rule;
    return [remaining.length === 0 ? rest : { ...rest, roles: remaining }];
  });
}
