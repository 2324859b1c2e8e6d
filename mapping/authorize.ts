/**
 * A product's question about one member — may they use this admin area at this level, this
 * capability, this connector? — answered from the member's effective permissions alone. The shell
 * (roles/authorize.ts) finds the member at the consistency asked and, only when the answer hangs
 * on it, whether a name is in the organisation's vocabulary; this decides.
 *
 * A capability or connector no role, toggle or override could ever grant is refused rather than
 * answered "no": `web_serch` is a typo in the asking product, and a silent "no" would hide it.
 */
import { levelRank } from "./levels";
import { closestMatch } from "./suggest";
import { type GrantKind, BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS } from "./vocabulary";
import type { Area, EffectivePermissions, Level, OrgRole } from "./types";

export type AuthorizeQuestion =
  | { readonly kind: "area"; readonly area: Area; readonly level: Level }
  | { readonly kind: "capability"; readonly capability: string }
  | { readonly kind: "connector"; readonly connector: string };

/** The member as an answer names them; `active` is the IdP's flag and the organisation's standing together. */
export interface AuthorizeMember {
  readonly id: string;
  readonly userName: string;
  readonly active: boolean;
}

interface AnswerBase {
  readonly allowed: boolean;
  readonly member: AuthorizeMember;
  readonly orgRole: OrgRole;
}

export type AuthorizeAnswer =
  | (AnswerBase & { readonly area: Area; readonly level: Level; readonly granted: Level })
  | (AnswerBase & { readonly capability: string })
  | (AnswerBase & { readonly connector: string });

/** A question that has no answer: it names what no one could ever be granted. */
export interface AuthorizeRefusal {
  readonly code: "unknown_capability" | "unknown_connector";
  readonly message: string;
}

export type AuthorizeVerdict = { readonly ok: true; readonly answer: AuthorizeAnswer } | { readonly ok: false; readonly refusal: AuthorizeRefusal };

/** A capability or connector whose place in the organisation's vocabulary an answer depends on. */
export interface AskedName {
  readonly kind: GrantKind;
  readonly name: string;
}

/**
 * The name `decide` needs the vocabulary's word on, or null: an area needs none, nor a built-in
 * name, nor one the member holds (a name granted is a name known).
 */
export function nameToConfirm(permissions: EffectivePermissions, question: AuthorizeQuestion): AskedName | null {
  switch (question.kind) {
    case "area":
      return null;
    case "capability":
      return isBuiltin("capability", question.capability) || permissions.capabilities.includes(question.capability) ? null : { kind: "capability", name: question.capability };
    case "connector":
      return isBuiltin("connector", question.connector) || permissions.connectors.includes(question.connector) ? null : { kind: "connector", name: question.connector };
  }
}

/**
 * The answer to `question` about `member`, who holds `permissions`. `known` says whether the name
 * `nameToConfirm` returned is in the organisation's vocabulary (it is asked about no other name).
 */
export function decide(member: AuthorizeMember, permissions: EffectivePermissions, question: AuthorizeQuestion, known: (asked: AskedName) => boolean): AuthorizeVerdict {
  // Each answer is built whole, not spread from a shared base: it is made on every request, and
  // objects of one literal shape are what V8 copies fastest when the API adds its stamp.
  const orgRole = permissions.orgRole;
  switch (question.kind) {
    case "area": {
      const granted = permissions.admin[question.area];
      return { ok: true, answer: { allowed: levelRank(granted) >= levelRank(question.level), member, orgRole, area: question.area, level: question.level, granted } };
    }
    case "capability": {
      const asked = nameToConfirm(permissions, question);
      if (asked !== null && !known(asked)) return { ok: false, refusal: unknownName(asked) };
      return { ok: true, answer: { allowed: permissions.capabilities.includes(question.capability), member, orgRole, capability: question.capability } };
    }
    case "connector": {
      const asked = nameToConfirm(permissions, question);
      if (asked !== null && !known(asked)) return { ok: false, refusal: unknownName(asked) };
      return { ok: true, answer: { allowed: permissions.connectors.includes(question.connector), member, orgRole, connector: question.connector } };
    }
  }
}

function isBuiltin(kind: GrantKind, name: string): boolean {
  const builtin: readonly string[] = kind === "capability" ? BUILTIN_CAPABILITIES : BUILTIN_CONNECTORS;
  return builtin.includes(name);
}

function unknownName(asked: AskedName): AuthorizeRefusal {
  const builtin: readonly string[] = asked.kind === "capability" ? BUILTIN_CAPABILITIES : BUILTIN_CONNECTORS;
  const suggestion = closestMatch(asked.name, builtin);
  const hint = suggestion === null ? "" : `; did you mean "${suggestion}"?`;
  return {
    code: asked.kind === "capability" ? "unknown_capability" : "unknown_connector",
    message: `Unknown ${asked.kind} "${asked.name}": it is neither built in nor known to this organisation${hint}`,
  };
}
