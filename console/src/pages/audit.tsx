/** Audit: every change of a member's permissions, newest first, with who caused it and why; filtered by member and actor, a page at a time. */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { get, query } from "../api/client";
import type { AuditEntry, AuditPage as AuditList, RoleSummary } from "../api/types";
import type { Viewer } from "../app";
import { Link, LoadedView, Pager, PageTitle, useDebounced, useLoad, usePages } from "../components/ui";
import { roleNamesFromList } from "../document";
import { adminActionInWords } from "../wording";
import { AREA_LABELS, LEVEL_LABELS, NO_ROLE_NAMES, ORG_ROLE_LABELS, type RoleNames, capabilityLabel, connectorLabel, listInWords, roleLabel as customRoleLabel, when } from "../labels";
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
      <LoadedView loaded={log} what="the audit log" isEmpty={(data) => data.entries.length === 0} empty={<p>No entries match.</p>}>
        {(data) => (
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
              {data.entries.map((e) => (
                <tr key={e.seq}>
                  <td>{when(e.at)}</td>
                  <th scope="row">{props.viewer.access.sections.members === "none" ? e.member.userName : <Link href={href("members", e.member.id)}>{e.member.userName}</Link>}</th>
                  <td>{e.actor === null ? "—" : actorInWords(e.actor)}</td>
                  <td>{causeText(e.cause)}</td>
                  <td>
                    <ul class="plain">
                      {changeLines(e.change, names).map((line) => (
                        <li key={line}>{line}</li>
                      ))}
                    </ul>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      {log.data !== null && <Pager label="Audit" page={pages.page} nextCursor={log.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
    </>
  );
}

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

/** The cause column: a SCIM request, a mapping version, an admin action, a command or the platform's settings, in words. */
function causeText(cause: AuditEntry["cause"]): string {
  if (cause === null) return "—";
  switch (cause.kind) {
    case "scim":
      return `${scimInWords(cause.method, cause.path)} (SCIM ${cause.method}, request ${cause.requestId})`;
    case "mapping":
      return `Role mapping version ${cause.version} applied${cause.source === "admin API" ? " from the console or admin API" : ` from the file ${cause.source}`}`;
    case "admin":
      return `An administrator ${adminActionInWords(cause.action)}${cause.target === null ? "" : ` (${cause.target})`}${cause.version === undefined ? "" : `: role mapping version ${cause.version}`}`;
    case "cli":
      return `A command on the server: ${cause.command}`;
    case "platform":
      return `The operator's platform settings, version ${cause.version}`;
  }
}

/** What changed, one line a field, from the change the server computed. */
function changeLines(change: AuditEntry["change"], roleNames: RoleNames): string[] {
  if (change === null || !change.changed) return ["No visible change"];
  const lines: string[] = [];
  if (change.orgRole !== null) lines.push(`org role: ${ORG_ROLE_LABELS[change.orgRole.before]} → ${ORG_ROLE_LABELS[change.orgRole.after]}`);
  for (const { area, before, after } of change.admin) lines.push(`${AREA_LABELS[area]}: ${LEVEL_LABELS[before]} → ${LEVEL_LABELS[after]}`);
  const lists = [
    ["roles", "Custom roles", (name: string) => customRoleLabel(name, roleNames)],
    ["capabilities", "Capabilities", capabilityLabel],
    ["connectors", "Connectors", connectorLabel],
  ] as const;
  for (const [list, title, label] of lists) {
    if (change[list].added.length > 0) lines.push(`${title} added: ${listInWords(change[list].added.map(label))}`);
    if (change[list].removed.length > 0) lines.push(`${title} removed: ${listInWords(change[list].removed.map(label))}`);
  }
  return lines;
}
