/**
 * Admin actions in words, for the Admin activity page: each code the admin log writes, as a
 * sentence drawn from its target and detail. An action this table does not know is shown by its
 * code, so a new kind of write is never hidden. A new admin write adds its line here.
 */
import type { AdminLogEntry } from "./api/types";

type Detail = Readonly<Record<string, unknown>>;
const text = (detail: Detail, key: string): string | null => (typeof detail[key] === "string" ? (detail[key] as string) : null);
const quoted = (value: string | null, fallback: string): string => (value === null ? fallback : `“${value}”`);

const DESCRIBE: Readonly<Record<string, (target: string | null, detail: Detail) => string>> = {
  "mapping.replace": () => "Replaced the whole role mapping",
  "mapping.rollback": (target) => `Rolled the role mapping back to ${target ?? "an earlier version"}`,
  "role.put": (target) => `Saved the custom role ${quoted(target, "")}`,
  "role.delete": (target) => `Deleted the custom role ${quoted(target, "")}`,
  "rule.add": () => "Added a rule that gives roles to a group",
  "rule.delete": () => "Removed a rule that gave roles to a group",
  "org.set": () => "Changed the organisation's features and connectors",
  "standard_role.set": (target) => `Changed what every ${target === "admin" ? "Admin" : target === "user" ? "User" : "member of a standard role"} gets`,
  "primary_owner.set": (target) => `Made ${target ?? "another member"} the Primary Owner`,
  "group.create": (_t, d) => `Created the manual group ${quoted(text(d, "displayName"), "")}`,
  "group.rename": (_t, d) => `Renamed the manual group ${quoted(text(d, "from"), "")} to ${quoted(text(d, "to"), "")}`,
  "group.delete": (_t, d) => `Deleted the manual group ${quoted(text(d, "displayName"), "")}`,
  "group.member.add": (_t, d) => `Added ${text(d, "member") ?? "a member"} to the group ${quoted(text(d, "group"), "")}`,
  "group.member.remove": (_t, d) => `Removed ${text(d, "member") ?? "a member"} from the group ${quoted(text(d, "group"), "")}`,
  "scim_token.create": (_t, d) => `Created the SCIM token ${quoted(text(d, "label"), "")}`,
  "scim_token.rotate": () => "Rotated a SCIM token (the old one works until its overlap ends)",
  "scim_token.revoke": () => "Revoked a SCIM token",
  "member.suspend": (_t, d) => `Suspended ${text(d, "member") ?? "a member"}${text(d, "reason") === null ? "" : `: ${text(d, "reason")}`}`,
  "member.reactivate": (_t, d) => `Reactivated ${text(d, "member") ?? "a member"}`,
  "member.sign_out": (_t, d) => `Signed ${text(d, "member") ?? "a member"} out of every console session`,
  "member.add": (_t, d) => `Added ${text(d, "member") ?? "a member"} as a member who signs in with the organisation's single sign-on`,
  "member.remove": (_t, d) => `Removed the member ${text(d, "member") ?? ""}`,
  "analytics.settings": () => "Changed what usage analytics collects",
  "sign_in.set": (_t, d) => `Changed the organisation's single sign-on to the issuer ${quoted(text(d, "issuer"), "")}`,
  "session_limits.set": () => "Changed the console's session limits",
  "privacy.retention.set": () => "Changed how long personal data is kept",
  "privacy.export": (_t, d) => (d["self"] === true ? "Downloaded their own personal data" : `Exported the personal data of ${text(d, "userName") ?? "a member"}`),
  "privacy.erasure": (_t, d) => `Erased a deleted member's personal data (now ${text(d, "pseudonym") ?? "a pseudonym"})`,
};

/** The action as a sentence, and whether it is one this console knows (otherwise its code). */
export function describeAction(entry: Pick<AdminLogEntry, "action" | "target" | "detail">): { text: string; known: boolean } {
  const describe = Object.hasOwn(DESCRIBE, entry.action) ? DESCRIBE[entry.action] : undefined;
  if (describe === undefined) return { text: entry.action, known: false };
  const detail: Detail = typeof entry.detail === "object" && entry.detail !== null && !Array.isArray(entry.detail) ? (entry.detail as Detail) : {};
  return { text: describe(entry.target, detail).replace(/\s+$/, ""), known: true };
}

/** `member:ada@example.com` → `ada@example.com`; `cli:root` → `the command line (root)`; others as they are. */
export function actorLabel(actor: string): string {
  if (actor.startsWith("member:")) return actor.slice("member:".length);
  if (actor.startsWith("cli:")) return `the command line (${actor.slice("cli:".length)})`;
  if (actor.startsWith("file:")) return `the mapping file ${actor.slice("file:".length)}`;
  return actor;
}
