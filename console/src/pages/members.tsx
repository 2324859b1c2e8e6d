/**
 * Members: the directory searched on the server by name or email, filtered by org role or custom
 * role, a page at a time; and one member's effective permissions with the explanation behind each
 * (which group, which rule, which role, which level, and what an org toggle or the platform
 * removed). An open member page follows their permission changes live. User Management's controls
 * (member-admin.tsx) sit on both.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { get, query } from "../api/client";
import type { Explanation, MemberDetail, MemberPage as MemberList, OrgRole, PermissionChangedData, RoleSummary } from "../api/types";
import type { Viewer } from "../app";
import { Badge, ErrorNotice, Link, Loading, Notice, PageTitle, Pager, useDebounced, useLoad, usePages, useRoleNames, LoadedView } from "../components/ui";
import { AREAS, AREA_LABELS, LEVEL_LABELS, ORG_ROLES, ORG_ROLE_LABELS, type RoleNames, capabilityLabel, connectorLabel, listInWords, roleLabel, when } from "../labels";
import { adminActionInWords, inWords, matchedByInWords, theRole } from "../wording";
import { usePermissionChanges } from "../live";
import { href } from "../router";
import { AddMemberForm, MemberControls, StandingFacts, StatusBadges } from "./member-admin";

const PAGE = "50";

export function MembersPage(props: { viewer: Viewer }): JSX.Element {
  const { access } = props.viewer;
  const [text, setText] = useState("");
  const [orgRole, setOrgRole] = useState<OrgRole | "">("");
  const [role, setRole] = useState("");
  const q = useDebounced(text.trim(), 250);
  const key = `${q}\n${orgRole}\n${role}`;
  const pages = usePages(key);
  const list = useLoad(() => get<MemberList>(`/members${query({ q, orgRole, role, cursor: pages.cursor, limit: PAGE })}`), `${key}\n${pages.cursor ?? ""}`);
  // The custom roles to filter by; a member who may list people but not read roles types a name instead.
  const roles = useLoad(async () => (access.may.read_roles ? (await get<{ roles: RoleSummary[] }>("/roles")).roles.map((r) => r.name) : null), "roles");
  const names = useRoleNames(access.may.read_roles);
  return (
    <>
      <PageTitle>Members</PageTitle>
      <div class="filters">
        <div class="field">
          <label for="member-search">Search by name or email</label>
          <input id="member-search" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} aria-describedby="member-search-hint" />
          <span id="member-search-hint" class="hint">
            The start of a userName, email or display name.
          </span>
        </div>
        <div class="field">
          <label for="member-org-role">Org role</label>
          <select id="member-org-role" value={orgRole} onChange={(e) => setOrgRole(orgRoleOf(e.currentTarget.value))}>
            <option value="">Any org role</option>
            {ORG_ROLES.map((r) => (
              <option key={r} value={r}>
                {ORG_ROLE_LABELS[r]}
              </option>
            ))}
          </select>
        </div>
        <div class="field">
          <label for="member-role">Custom role</label>
          {roles.data === null ? (
            <input id="member-role" value={role} onInput={(e) => setRole(e.currentTarget.value.trim())} />
          ) : (
            <select id="member-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value="">Any custom role</option>
              {roles.data.map((r) => (
                <option key={r} value={r}>
                  {roleLabel(r, names)}
                </option>
              ))}
            </select>
          )}
        </div>
      </div>
      <LoadedView loaded={list} what="members" isEmpty={(data) => data.members.length === 0} empty={<p>No members match.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">Members</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Name</th>
                <th scope="col">Status</th>
                <th scope="col">Org role</th>
                <th scope="col">Custom roles</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr key={m.id}>
                  <th scope="row">
                    <Link href={href("members", m.id)}>{m.userName}</Link>
                  </th>
                  <td>{m.displayName ?? ""}</td>
                  <td>
                    <StatusBadges active={m.active} suspended={m.suspended} />
                  </td>
                  <td>{ORG_ROLE_LABELS[m.orgRole]}</td>
                  <td>{m.roles.map((r) => roleLabel(r, names)).join(", ")}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      {list.data !== null && <Pager label="Members" page={pages.page} nextCursor={list.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
      <AddMemberForm viewer={props.viewer} />
    </>
  );
}

function orgRoleOf(value: string): OrgRole | "" {
  return ORG_ROLES.find((r) => r === value) ?? "";
}

export function MemberPage(props: { viewer: Viewer; id: string }): JSX.Element {
  const detail = useLoad(() => get<MemberDetail>(`/members/${encodeURIComponent(props.id)}`), props.id);
  const names = useRoleNames(props.viewer.access.sections.roles !== "none");
  const [update, setUpdate] = useState<{ at: string; cause: string } | null>(null);
  usePermissionChanges([props.id], (data) => {
    detail.reload();
    setUpdate({ at: new Date().toISOString(), cause: data === null ? "a change" : causeOf(data) });
  });
  const d = detail.data;
  if (d === null) {
    return (
      <>
        <PageTitle>Member</PageTitle>
        {detail.error !== null ? <ErrorNotice error={detail.error} /> : <Loading what="the member" />}
      </>
    );
  }
  const p = d.permissions;
  const x = d.explanation;
  return (
    <>
      <p class="breadcrumb">
        <Link href={href("members")}>Members</Link> › {d.member.userName}
      </p>
      <PageTitle>{d.member.userName}</PageTitle>
      <div aria-live="polite" class="live">
        {update !== null && (
          <Notice tone="info" title="Updated live">
            Permissions changed by {update.cause} at {when(update.at)}; this page shows them as they are now.
          </Notice>
        )}
      </div>
      {detail.error !== null && <ErrorNotice error={detail.error} />}
      <dl class="facts">
        <StandingFacts member={d.member} />
        <dt>Org role</dt>
        <dd data-testid="org-role">
          {ORG_ROLE_LABELS[p.orgRole]}
          {x !== null && <span class="reason"> — {inWords(x.orgRoleReason, names)}</span>}
        </dd>
        <dt>Custom roles</dt>
        <dd>{p.roles.length === 0 ? "None" : p.roles.map((r, i) => <span key={r}>{i > 0 && ", "}{props.viewer.access.sections.roles === "none" ? roleLabel(r, names) : <Link href={href("roles", r)}>{roleLabel(r, names)}</Link>}</span>)}</dd>
        <dt>Groups</dt>
        <dd>
          {d.groups.length === 0
            ? "None"
            : d.groups.map((g, i) => (
                <span key={g.id}>
                  {i > 0 && ", "}
                  {props.viewer.access.sections.groups === "none" ? g.displayName : <Link href={href("groups", g.id)}>{g.displayName}</Link>} ({g.source === "manual" ? "manual" : "SCIM"})
                </span>
              ))}
        </dd>
      </dl>
      {d.member.suspension !== null ? (
        <Notice tone="warning" title="Suspended">
          {d.member.userName} has no access at all while suspended; reactivating them restores what the directory and the role mapping give.
        </Notice>
      ) : (
        x !== null && x.inactiveReason !== null && <Notice tone="warning">{x.inactiveReason}</Notice>
      )}
      {x !== null && x.customRolesNotApplied !== null && (
        <Notice tone="info" title="Custom roles not applied">
          {listInWords(x.customRolesNotApplied.roles.map((r) => roleLabel(r, names)))}: {x.customRolesNotApplied.reason}
        </Notice>
      )}
      <h2>Admin areas</h2>
      <table class="permissions">
        <caption class="visually-hidden">Effective admin areas</caption>
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Level</th>
            {x !== null && <th scope="col">Why</th>}
          </tr>
        </thead>
        <tbody>
          {AREAS.map((area) => (
            <tr key={area} data-area={area}>
              <th scope="row">{AREA_LABELS[area]}</th>
              <td>
                <span class={`level level-${p.admin[area]}`}>{LEVEL_LABELS[p.admin[area]]}</span>
              </td>
              {x !== null && <td>{areaWhy(x, area, names)}</td>}
            </tr>
          ))}
        </tbody>
      </table>
      <Grants title="Capabilities" granted={p.capabilities} chains={x?.chains.capabilities ?? null} label={capabilityLabel} />
      <Grants title="Connectors" granted={p.connectors} chains={x?.chains.connectors ?? null} label={connectorLabel} />
      {x !== null && (
        <>
          <h2>Rules that match</h2>
          {x.matches.length === 0 ? (
            <p>No rule of the role mapping matches this member's groups or app roles.</p>
          ) : (
            <ol class="trail">
              {x.matches.map((m) => (
                <li key={`${m.ruleId}-${m.kind === "group" ? m.group.id : m.appRole}`}>
                  {m.kind === "group" ? (
                    <>
                      Group <strong>{m.group.displayName}</strong> ({m.group.source === "manual" ? "manual" : "SCIM"}, matched by {matchedByInWords(m.matchedBy)} “{m.matcherValue}”)
                    </>
                  ) : (
                    <>
                      App role <code>{m.appRole}</code>
                    </>
                  )}{" "}
                  → {listInWords([...(m.orgRole === null ? [] : [`the ${ORG_ROLE_LABELS[m.orgRole]} org role`]), ...m.roles.map((r) => theRole(r, names))])}
                </li>
              ))}
            </ol>
          )}
        </>
      )}
      {x === null && <p class="hint">Only members who may read roles see why a member has each level.</p>}
      <MemberControls viewer={props.viewer} detail={d} onChanged={detail.reload} />
    </>
  );
}

function areaWhy(x: Explanation, area: (typeof AREAS)[number], names: RoleNames): JSX.Element {
  const chain = x.chains.admin[area];
  if (chain.source.kind !== "custom_roles" || chain.source.grants.length === 0) return <span>{inWords(chain.reason, names)}</span>;
  return (
    <span>
      {inWords(chain.reason, names)}
      <ul class="plain">
        {chain.source.grants.map((g) => (
          <li key={g.role}>
            {theRole(g.role, names)} → {LEVEL_LABELS[g.level]}
          </li>
        ))}
      </ul>
    </span>
  );
}

function Grants(props: { title: string; granted: readonly string[]; chains: Explanation["chains"]["capabilities"] | null; label: (n: string) => string }): JSX.Element {
  const { chains } = props;
  if (chains === null) {
    return (
      <>
        <h2>{props.title}</h2>
        <p>{props.granted.length === 0 ? "None" : props.granted.map(props.label).join(", ")}</p>
      </>
    );
  }
  const shown = chains.filter((c) => c.granted || c.base.granted || c.layers.some((l) => l.changed));
  return (
    <>
      <h2>{props.title}</h2>
      {shown.length === 0 ? (
        <p>None.</p>
      ) : (
        <table class="grants">
          <caption class="visually-hidden">{props.title}, and why</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Granted</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => {
              const removedBy = c.layers.find((l) => l.changed && l.setting === "off");
              return (
                <tr key={c.name}>
                  <th scope="row">{props.label(c.name)}</th>
                  <td>{c.granted ? <Badge kind="on">✓ Yes</Badge> : <Badge kind="off">✗ No</Badge>}</td>
                  <td>
                    {c.reason}
                    {removedBy !== undefined && (
                      <strong class="removed"> Removed by {removedBy.layer === "org" ? "the organisation's toggle" : "a platform override"}.</strong>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}

function causeOf(data: PermissionChangedData): string {
  const cause = data.cause;
  switch (cause.kind) {
    case "scim":
      return `a SCIM ${cause.method} from the identity provider`;
    case "admin":
      return `${cause.actor.replace(/^member:/, "")}, who ${adminActionInWords(cause.action)}`;
    case "mapping":
      return `mapping version ${cause.version}`;
    case "cli":
      return `the command line (${cause.command})`;
    case "platform":
      return `platform overrides version ${cause.version}`;
  }
}
