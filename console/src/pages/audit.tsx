/** Audit: every change of a member's permissions, newest first, with who caused it and why; filtered by member and actor, a page at a time. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { isObject as isRecord } from "../../../mapping/json";
import { get, query } from "../api/client";
import type { AuditEntry, AuditPage as AuditList, Level, OrgRole, RoleSummary } from "../api/types";
import type { Viewer } from "../app";
import { ErrorNotice, Link, Loading, PageTitle, Pager, useDebounced, useLoad, usePages } from "../components/ui";
import { roleNamesFromList } from "../document";
import { adminActionInWords } from "../wording";
import { AREAS, AREA_LABELS, LEVEL_LABELS, NO_ROLE_NAMES, ORG_ROLE_LABELS, type RoleNames, capabilityLabel, connectorLabel, humanise, listInWords, roleLabel as customRoleLabel, when } from "../labels";
import { href } from "../router";

export function AuditPage(props: { viewer: Viewer }): JSX.Element {
  const [memberText, setMember] = useState("");
  const [actorText, setActor] = useState("");
  const member = useDebounced(memberText.trim(), 300);
  const actor = useDebounced(actorText.trim(), 300);
  const key = `${member}\n${actor}`;
  const pages = usePages(key);
  const log = useLoad(() => get<AuditList>(`/audit${query({ member, actor, cursor: pages.cursor, limit: "50" })}`), `${key}\n${pages.cursor ?? ""}`);
  // Role display names, so a change names roles as people know them (the page is for role readers).
  const roles = useLoad(() => get<{ roles: RoleSummary[] }>("/roles"), "roles");
  const names = roles.data === null ? NO_ROLE_NAMES : roleNamesFromList(roles.data.roles);
  return (
    <>
      <PageTitle>Audit</PageTitle>
      <p>Every change of a member's permissions, newest first.</p>
      <div class="filters">
        <div class="field">
          <label for="audit-member">Member</label>
          <input id="audit-member" type="search" value={memberText} onInput={(e) => setMember(e.currentTarget.value)} aria-describedby="audit-member-hint" />
          <span id="audit-member-hint" class="hint">
            A userName or member id.
          </span>
        </div>
        <div class="field">
          <label for="audit-actor">Actor</label>
          <input id="audit-actor" type="search" value={actorText} onInput={(e) => setActor(e.currentTarget.value)} aria-describedby="audit-actor-hint" />
          <span id="audit-actor-hint" class="hint">
            Exactly as shown (member:ada@example.com, scim), or a kind: member:, cli:, file:.
          </span>
        </div>
      </div>
      {log.error !== null && <ErrorNotice error={log.error} />}
      {log.data === null ? (
        log.error === null && <Loading what="the audit log" />
      ) : log.data.entries.length === 0 ? (
        <p>No entries match.</p>
      ) : (
        <table>
          <caption class="visually-hidden">Audit log, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Member</th>
              <th scope="col">Actor</th>
              <th scope="col">Cause</th>
              <th scope="col">Change</th>
            </tr>
          </thead>
          <tbody>
            {log.data.entries.map((e) => (
              <tr key={e.seq}>
                <td>{when(e.at)}</td>
                <th scope="row">{props.viewer.access.sections.members === "none" ? e.member.userName : <Link href={href("members", e.member.id)}>{e.member.userName}</Link>}</th>
                <td>{e.actor === null ? "—" : actorInWords(e.actor)}</td>
                <td>{causeText(e.cause)}</td>
                <td>
                  <ul class="plain">
                    {changeLines(e, names).map((line) => (
                      <li key={line}>{line}</li>
                    ))}
                  </ul>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {log.data !== null && <Pager label="Audit" page={pages.page} nextCursor={log.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
    </>
  );
}

const text = (v: unknown): string | null => (typeof v === "string" ? v : typeof v === "number" ? String(v) : null);

/** Who caused it, as the log stores it (`member:ada@example.com`, `scim`, `cli:…`, `file:…`), in words. */
function actorInWords(actor: string): string {
  if (actor === "scim") return "Identity provider (SCIM)";
  const [kind, ...rest] = actor.split(":");
  const who = rest.join(":");
  switch (kind) {
    case "member":
      return who;
    case "cli":
      return who === "" ? "Command line" : `Command line (${who})`;
    case "file":
    case "mapping":
      return who === "" ? "Mapping file" : `Mapping file ${who}`;
    default:
      return actor;
  }
}

const SCIM_VERBS: Readonly<Record<string, string>> = { POST: "created", PUT: "replaced", PATCH: "changed", DELETE: "deleted" };

/** "the identity provider changed a group", from SCIM's method and path. */
function scimInWords(method: string, path: string): string {
  const resource = /\/Groups\b/.test(path) ? "a group" : /\/Users\b/.test(path) ? "a user" : /\/Bulk\b/.test(path) ? "users and groups in one batch" : "the directory";
  return `The identity provider ${SCIM_VERBS[method.toUpperCase()] ?? "changed"} ${resource}`;
}

/** The cause column: a SCIM request, a mapping version or an admin action, as stored (decoded, not assumed), in words. */
function causeText(cause: unknown): string {
  if (!isRecord(cause)) return "—";
  switch (cause["kind"]) {
    case "scim":
      return `${scimInWords(text(cause["method"]) ?? "", text(cause["path"]) ?? "")} (SCIM ${text(cause["method"]) ?? ""}, request ${text(cause["requestId"]) ?? "unknown"})`;
    case "mapping": {
      const source = text(cause["source"]);
      return `Role mapping version ${text(cause["version"]) ?? "?"} applied${source === null ? "" : source === "admin API" ? " from the console or admin API" : ` from the file ${source}`}`;
    }
    case "admin": {
      const action = text(cause["action"]) ?? "";
      const what = adminActionInWords(action);
      const target = text(cause["target"]);
      const version = text(cause["version"]);
      return `An administrator ${what}${target === null ? "" : ` (${target})`}${version === null ? "" : `: role mapping version ${version}`}`;
    }
    case "cli":
      return `A command on the server: ${text(cause["command"]) ?? "unknown"}`;
    case "platform":
      return `The operator's platform settings, version ${text(cause["version"]) ?? "?"}`;
    default:
      return humanise(text(cause["kind"]) ?? "—");
  }
}

const isLevel = (v: unknown): v is Level => v === "none" || v === "view" || v === "manage";
const isOrgRole = (v: unknown): v is OrgRole => typeof v === "string" && Object.hasOwn(ORG_ROLE_LABELS, v);

/** What changed between the stored before and after, one line a field; unreadable parts are skipped. */
function changeLines(entry: AuditEntry, roleNames: RoleNames): string[] {
  const before = isRecord(entry.before) ? entry.before : {};
  const after = isRecord(entry.after) ? entry.after : {};
  const lines: string[] = [];
  const roleLabel = (v: unknown) => (isOrgRole(v) ? ORG_ROLE_LABELS[v] : (text(v) ?? "none"));
  if (before["orgRole"] !== after["orgRole"]) lines.push(`org role: ${roleLabel(before["orgRole"])} → ${roleLabel(after["orgRole"])}`);
  const levels = (v: unknown) => (isRecord(v) && isRecord(v["admin"]) ? v["admin"] : {});
  const level = (v: unknown): string => LEVEL_LABELS[isLevel(v) ? v : "none"];
  for (const area of AREAS) {
    const [b, a] = [levels(before)[area], levels(after)[area]];
    if ((b ?? "none") !== (a ?? "none")) lines.push(`${AREA_LABELS[area]}: ${level(b)} → ${level(a)}`);
  }
  const lists = [
    ["roles", "Custom roles", (name: string) => customRoleLabel(name, roleNames)],
    ["capabilities", "Capabilities", capabilityLabel],
    ["connectors", "Connectors", connectorLabel],
  ] as const;
  for (const [list, title, label] of lists) {
    const names = (v: Record<string, unknown>) => new Set(Array.isArray(v[list]) ? v[list].filter((x): x is string => typeof x === "string") : []);
    const [b, a] = [names(before), names(after)];
    const added = [...a].filter((x) => !b.has(x)).map(label);
    const removed = [...b].filter((x) => !a.has(x)).map(label);
    if (added.length > 0) lines.push(`${title} added: ${listInWords(added)}`);
    if (removed.length > 0) lines.push(`${title} removed: ${listInWords(removed)}`);
  }
  return lines.length === 0 ? ["No visible change"] : lines;
}
