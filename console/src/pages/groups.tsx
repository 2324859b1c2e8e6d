/**
 * Groups: the IdP's (read-only here, with the IdP that pushed them) and manual ones, which role
 * administrators create, fill with a people picker, and delete. Each shows what it gives through
 * the mapping in force; adding or removing a member shows first what they gain and lose.
 */
import type { JSX } from "preact";
import { useCallback, useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get, query } from "../api/client";
import type { GroupDetail, GroupPage as GroupList, GroupSummary, MemberPage, MemberPlan } from "../api/types";
import { MemberPlanView } from "../components/member-plan";
import type { Viewer } from "../app";
import { type PickerItem, SearchPicker } from "../components/picker";
import { Badge, DisabledReason, ErrorNotice, Link, Loading, Notice, PageTitle, Pager, useAction, useDebounced, useLoad, usePages, useRoleNames, LoadedView } from "../components/ui";
import { ORG_ROLE_LABELS, type RoleNames, roleLabel } from "../labels";
import { href, navigate } from "../router";

const PAGE = "50";

function SourceBadge(props: { group: Pick<GroupDetail, "source"> & Partial<Pick<GroupDetail, "provisionedBy">> }): JSX.Element {
  if (props.group.source === "manual") return <Badge kind="manual">Manual</Badge>;
  const idp = props.group.provisionedBy === "okta" ? "Okta" : props.group.provisionedBy === "entra" ? "Microsoft Entra ID" : null;
  return <Badge kind="scim">SCIM{idp === null ? "" : ` · ${idp}`}</Badge>;
}

function Gives(props: { group: GroupSummary; names: RoleNames }): JSX.Element {
  const { roles, orgRole } = props.group.grants;
  if (roles.length === 0 && orgRole === null) return <span>Nothing</span>;
  return (
    <span>
      {orgRole !== null && <>Org role {ORG_ROLE_LABELS[orgRole]}{roles.length > 0 ? "; " : ""}</>}
      {roles.map((r, i) => (
        <span key={r}>
          {i > 0 && ", "}
          <Link href={href("roles", r)}>{roleLabel(r, props.names)}</Link>
        </span>
      ))}
    </span>
  );
}

export function GroupsPage(props: { viewer: Viewer }): JSX.Element {
  const { access } = props.viewer;
  const names = useRoleNames(access.sections.roles !== "none");
  const [source, setSource] = useState<"" | "scim" | "manual">("");
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 250);
  const key = `${source}\n${q}`;
  const pages = usePages(key);
  const list = useLoad(() => get<GroupList>(`/groups${query({ source, q, cursor: pages.cursor, limit: PAGE })}`), `${key}\n${pages.cursor ?? ""}`);
  const block = access.may.edit_manual_groups ? null : RULES.editGroups;
  const [name, setName] = useState("");
  const create = useAction();
  return (
    <>
      <PageTitle>Groups</PageTitle>
      <p>Groups your identity provider pushes over SCIM are changed there; manual groups are created and filled here. Rules in the role mapping turn either kind into roles.</p>
      <div class="filters">
        <div class="field">
          <label for="group-search">Search groups</label>
          <input id="group-search" type="search" value={text} onInput={(e) => setText(e.currentTarget.value)} aria-describedby="group-search-hint" />
          <span id="group-search-hint" class="hint">
            The start of the group's name.
          </span>
        </div>
        <div class="field">
          <label for="group-source">Source</label>
          <select id="group-source" value={source} onChange={(e) => setSource(sourceOf(e.currentTarget.value))}>
            <option value="">All groups</option>
            <option value="scim">SCIM (from the identity provider)</option>
            <option value="manual">Manual</option>
          </select>
        </div>
      </div>
      <LoadedView loaded={list} what="groups" isEmpty={(data) => data.groups.length === 0} empty={<p>No groups match.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">Groups</caption>
            <thead>
              <tr>
                <th scope="col">Group</th>
                <th scope="col">Source</th>
                <th scope="col">Members</th>
                <th scope="col">Gives</th>
              </tr>
            </thead>
            <tbody>
              {data.groups.map((g) => (
                <tr key={g.id}>
                  <th scope="row">
                    <Link href={href("groups", g.id)}>{g.displayName}</Link>
                  </th>
                  <td>
                    <SourceBadge group={g} />
                  </td>
                  <td class="number">{g.memberCount}</td>
                  <td>
                    <Gives group={g} names={names} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      {list.data !== null && <Pager label="Groups" page={pages.page} nextCursor={list.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          void create.run(async () => {
            const { body } = await call<GroupSummary>("POST", `${ADMIN_API}/groups`, { body: { displayName: name.trim() } });
            navigate(href("groups", body.id));
          });
        }}
      >
        <h2>New manual group</h2>
        <DisabledReason id="groups-disabled" reason={block} />
        <label for="new-group-name">Group name</label>
        <input id="new-group-name" value={name} maxLength={400} disabled={block !== null} aria-describedby={block === null ? undefined : "groups-disabled"} onInput={(e) => setName(e.currentTarget.value)} />
        <button type="submit" disabled={block !== null || name.trim() === "" || create.busy}>
          Create group
        </button>
        {create.error !== null && <ErrorNotice error={create.error} title="Not created" />}
      </form>
    </>
  );
}

function sourceOf(value: string): "" | "scim" | "manual" {
  return value === "scim" || value === "manual" ? value : "";
}

export function GroupPage(props: { viewer: Viewer; id: string }): JSX.Element {
  const { access } = props.viewer;
  const names = useRoleNames(access.sections.roles !== "none");
  const group = useLoad(() => get<GroupDetail>(`/groups/${encodeURIComponent(props.id)}`), props.id);
  const [round, setRound] = useState(0);
  const pages = usePages(`${props.id}\n${round}`);
  const members = useLoad(
    () => get<MemberPage>(`/groups/${encodeURIComponent(props.id)}/members${query({ cursor: pages.cursor, limit: PAGE })}`),
    `${props.id}\n${pages.cursor ?? ""}\n${round}`,
  );
  const action = useAction();
  const [done, setDone] = useState<string | null>(null);
  const [pending, setPending] = useState<{ op: "add" | "remove"; id: string; label: string; plan: MemberPlan } | null>(null);
  const searchPeople = useCallback(
    async (q: string): Promise<PickerItem[]> =>
      (await get<MemberPage>(`/members${query({ q, limit: "10" })}`)).members.map((m) => ({ id: m.id, label: m.userName, ...(m.displayName === null ? {} : { detail: m.displayName }) })),
    [],
  );
  const g = group.data;
  if (g === null) {
    return (
      <>
        <PageTitle>Group</PageTitle>
        {group.error !== null ? <ErrorNotice error={group.error} /> : <Loading what="the group" />}
      </>
    );
  }
  const manual = g.source === "manual";
  const standard = g.grants.orgRole === "owner" || g.grants.orgRole === "admin";
  // The server judges each change by what the group's rules give (mapping/grant.ts); this only shapes the page.
  const block = !manual
    ? "This group is provisioned by your identity provider: change its members there."
    : !access.may.edit_group_members
      ? RULES.groupMembers
      : standard && !access.may.edit_standard_roles
        ? RULES.standardGroup
        : null;
  const deleteBlock = block ?? (access.may.edit_manual_groups ? null : RULES.editGroups);
  const describedBy = block === null ? undefined : "group-disabled";
  const changed = (message: string) => {
    setPending(null);
    setDone(message);
    setRound((r) => r + 1);
    group.reload();
  };
  const memberUrl = (id: string) => `${ADMIN_API}/groups/${encodeURIComponent(g.id)}/members/${encodeURIComponent(id)}`;
  // Who gains and loses what, before anything is written; the change only on confirmation.
  const review = (op: "add" | "remove", id: string, label: string) =>
    void action.run(async () => {
      setDone(null);
      const { body } = await call<MemberPlan>("POST", `${memberUrl(id)}/plan`, { body: { op } });
      setPending({ op, id, label, plan: body });
    });
  const add = (person: PickerItem) => review("add", person.id, person.label);
  const remove = (id: string, userName: string) => review("remove", id, userName);
  const apply = (change: { op: "add" | "remove"; id: string; label: string }) =>
    void action.run(async () => {
      if (change.op === "add") {
        const { body } = await call<{ changed: boolean }>("PUT", memberUrl(change.id));
        changed(body.changed ? `${change.label} added to ${g.displayName}.` : `${change.label} was already a member.`);
      } else {
        await call("DELETE", memberUrl(change.id));
        changed(`${change.label} removed from ${g.displayName}.`);
      }
    });
  const deleteGroup = () => {
    if (!window.confirm(`Delete the manual group ${g.displayName}? Its members lose what it gives them.`)) return;
    void action.run(async () => {
      await call("DELETE", `${ADMIN_API}/groups/${encodeURIComponent(g.id)}`);
      navigate(href("groups"));
    });
  };
  return (
    <>
      <p class="breadcrumb">
        <Link href={href("groups")}>Groups</Link> › {g.displayName}
      </p>
      <PageTitle>Group {g.displayName}</PageTitle>
      <dl class="facts">
        <dt>Source</dt>
        <dd>
          <SourceBadge group={g} />
        </dd>
        <dt>Members</dt>
        <dd>{g.memberCount}</dd>
        <dt>Gives</dt>
        <dd>
          <Gives group={g} names={names} />
        </dd>
      </dl>
      <DisabledReason id="group-disabled" reason={deleteBlock} />
      {done !== null && <Notice tone="success">{done}</Notice>}
      {action.error !== null && <ErrorNotice error={action.error} title="Not changed" />}
      {pending !== null && (
        <MemberPlanView
          plan={pending.plan}
          title={pending.op === "add" ? `add ${pending.label} to ${g.displayName}` : `remove ${pending.label} from ${g.displayName}`}
          confirmLabel={pending.op === "add" ? "Confirm and add" : "Confirm and remove"}
          busy={action.busy}
          onConfirm={() => apply(pending)}
          onCancel={() => setPending(null)}
        />
      )}
      {manual && (
        <>
          <SearchPicker
            id="add-member"
            label="Add a member"
            hint="Type the start of a userName, email or display name."
            actionLabel={(p) => `Review adding ${p.label}…`}
            search={searchPeople}
            onPick={add}
            disabled={block !== null || action.busy}
            {...(describedBy === undefined ? {} : { describedBy })}
          />
          <button type="button" class="danger" disabled={deleteBlock !== null || action.busy} aria-describedby={deleteBlock === null ? undefined : "group-disabled"} onClick={deleteGroup}>
            Delete group…
          </button>
        </>
      )}
      <h2>Members</h2>
      <LoadedView loaded={members} what="members" isEmpty={(data) => data.members.length === 0} empty={<p>No members.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">Members of {g.displayName}</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Name</th>
                <th scope="col">Org role</th>
                {manual && <th scope="col">Actions</th>}
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr key={m.id}>
                  <th scope="row">{access.sections.members === "none" ? m.userName : <Link href={href("members", m.id)}>{m.userName}</Link>}</th>
                  <td>{m.displayName ?? ""}</td>
                  <td>{ORG_ROLE_LABELS[m.orgRole]}</td>
                  {manual && (
                    <td>
                      <button type="button" disabled={block !== null || action.busy} aria-describedby={describedBy} onClick={() => remove(m.id, m.userName)}>
                        Review removing {m.userName}…
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      {members.data !== null && <Pager label="Members" page={pages.page} nextCursor={members.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
    </>
  );
}
