/**
 * The role editor: a custom role's capabilities, admin areas and connectors — three tabs in the
 * product's order, Capabilities, Permissions, Connectors — and the groups and app roles that give
 * it. Saving shows the plan first and applies only on confirmation, with If-Match on the version
 * the page read, so a concurrent edit is reported as a conflict and never overwritten.
 */
import type { JSX } from "preact";
import { useCallback, useEffect, useState } from "preact/hooks";
import { RULES, mappingEditBlock } from "../access";
import { ADMIN_API, call, get, mappingEtag, query } from "../api/client";
import type { Area, EditAnswer, GroupPage, Level, MappingView, RoleDocument, RoleSummary } from "../api/types";
import type { Viewer } from "../app";
import { PlanPanel, usePlannedEdit } from "../components/plan";
import type { PickerItem } from "../components/picker";
import { Tabs } from "../components/tabs";
import { DisabledReason, ErrorNotice, Link, Loading, PageTitle, useLoad } from "../components/ui";
import { orgOf, roleNamesOf, roleOf, rulesOf } from "../document";
import { BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, capabilityLabel, connectorLabel, listInWords, plural, vocabulary } from "../labels";
import { href, navigate } from "../router";
import { AreaLevelChoices, GivenBySection, GrantChecks, NoSuchRole, RoleExists } from "./role-editor-parts";

interface EditorData {
  readonly mapping: MappingView;
  readonly summary: RoleSummary | null;
}

const EMPTY_ROLE: RoleDocument = { admin: {}, capabilities: [], connectors: [] };

export function RoleEditorPage(props: { viewer: Viewer; name: string | null }): JSX.Element {
  const newName = props.name === null ? (new URLSearchParams(window.location.search).get("name") ?? "") : null;
  const name = props.name ?? newName ?? "";
  const data = useLoad<EditorData>(async () => {
    // The mapping first: its version is what a save sends as If-Match, so a change made after it
    // (even one the role list below already shows) makes the save a conflict rather than a loss.
    const mapping = await get<MappingView>("/mapping");
    const { roles } = await get<{ roles: RoleSummary[] }>("/roles");
    return { mapping, summary: roles.find((r) => r.name === name) ?? null };
  }, name);
  if (data.data === null) {
    return (
      <>
        <PageTitle>Role {name}</PageTitle>
        {data.error !== null ? <ErrorNotice error={data.error} /> : <Loading what="the role" />}
      </>
    );
  }
  const exists = roleOf(data.data.mapping.document, name) !== null;
  if (props.name === null && exists) return <RoleExists name={name} />;
  if (props.name !== null && !exists) return <NoSuchRole name={name} />;
  return <RoleEditor viewer={props.viewer} name={name} isNew={props.name === null} data={data.data} reload={data.reload} />;
}

function RoleEditor(props: { viewer: Viewer; name: string; isNew: boolean; data: EditorData; reload(): void }): JSX.Element {
  const { access } = props.viewer;
  const { mapping, summary } = props.data;
  const stored = roleOf(mapping.document, props.name);
  const [draft, setDraftState] = useState<RoleDocument>(stored ?? EMPTY_ROLE);
  const [tab, setTab] = useState("capabilities");
  const edit = usePlannedEdit();
  const [pending, setPending] = useState<{ what: string; apply: () => Promise<string> } | null>(null);
  // Groups picked to give the role to, by id: a plan names a rule's group by its name, not its id.
  const [picked, setPicked] = useState<ReadonlyArray<readonly [string, string]>>([]);
  const block = mappingEditBlock(access, access.may.edit_custom_roles, RULES.editRoles);
  const disabled = block !== null || edit.state.step === "applying";
  // A plan is for the draft it was made from: editing again sets it aside.
  const setDraft = (next: (d: RoleDocument) => RoleDocument) => {
    if (edit.state.step === "planned" || edit.state.step === "failed") edit.cancel();
    setDraftState(next);
  };
  const ifMatch = mappingEtag(mapping.version);
  const names = roleNamesOf(mapping.document);
  // The role as people know it: its display name when it has one (the draft's, as edited), else its key.
  const shownName = stored?.displayName ?? props.name;
  const groupNames: ReadonlyMap<string, string> = new Map([...(summary?.groups ?? []).map((g) => [g.id, g.displayName] as const), ...picked]);

  // Only an explicit reload (after a save, or "load the latest version" after a conflict) replaces
  // the draft and the version it is based on: a change elsewhere must surface as a conflict, never
  // be adopted silently under the member's edits.
  useEffect(() => setDraftState(roleOf(props.data.mapping.document, props.name) ?? EMPTY_ROLE), [props.data, props.name]);

  const org = orgOf(mapping.document);
  const capabilities = vocabulary([...BUILTIN_CAPABILITIES, ...draft.capabilities], org.features);
  const connectors = vocabulary([...BUILTIN_CONNECTORS, ...draft.connectors], org.connectors);
  const toggleIn = (list: "capabilities" | "connectors", item: string, on: boolean) =>
    setDraft((d) => ({ ...d, [list]: on ? [...d[list], item].sort() : d[list].filter((x) => x !== item) }));
  const setLevel = (area: Area, level: Level) =>
    setDraft((d) => {
      const admin = { ...d.admin };
      if (level === "none") delete admin[area];
      else admin[area] = level;
      return { ...d, admin };
    });

  const review = (what: string, change: Parameters<typeof edit.review>[0], apply: () => Promise<string>) => {
    setPending({ what, apply });
    void edit.review(change);
  };
  const saved = (answer: EditAnswer) =>
    answer.unchanged ? "Nothing changed: the mapping already says this." : `Saved as version ${answer.version}; ${answer.changedMembers === 1 ? "1 member's" : `${answer.changedMembers} members'`} permissions changed.`;

  const save = () =>
    review(props.isNew ? `create role ${draft.displayName ?? props.name}` : `save role ${shownName}`, { change: { kind: "put_role", name: props.name, role: draft } }, async () => {
      const { body } = await call<EditAnswer>("PUT", `${ADMIN_API}/roles/${encodeURIComponent(props.name)}`, { body: draft, ifMatch });
      if (props.isNew) navigate(href("roles", props.name), { replace: true });
      else props.reload();
      return saved(body);
    });
  const remove = () =>
    review(`delete role ${shownName}`, { change: { kind: "delete_role", name: props.name } }, async () => {
      await call<EditAnswer>("DELETE", `${ADMIN_API}/roles/${encodeURIComponent(props.name)}`, { ifMatch });
      navigate(href("roles"));
      return `Role ${shownName} deleted.`;
    });
  const rules = rulesOf(mapping.document).filter((r) => r.roles.includes(props.name));
  const removeRule = (ruleId: string, target: string, others: readonly string[]) =>
    review(`stop giving ${shownName} to ${target}${others.length > 0 ? ` (the same rule also gives ${listInWords(others)}, which go too)` : ""}`, { change: { kind: "delete_rule", ruleId } }, async () => {
      const { body } = await call<EditAnswer>("DELETE", `${ADMIN_API}/rules/${encodeURIComponent(ruleId)}`, { ifMatch });
      props.reload();
      return saved(body);
    });
  const giveTo = (group: PickerItem) => {
    const rule = { group: { id: group.id }, roles: [props.name] };
    setPicked((known) => [...known, [group.id, group.label]]);
    review(`give ${shownName} to the group ${group.label}`, { change: { kind: "add_rule", rule } }, async () => {
      const { body } = await call<EditAnswer>("POST", `${ADMIN_API}/rules`, { body: rule, ifMatch });
      props.reload();
      return saved(body);
    });
  };
  const searchGroups = useCallback(
    async (q: string): Promise<PickerItem[]> =>
      (await get<GroupPage>(`/groups${query({ q, limit: "10" })}`)).groups.map((g) => ({
        id: g.id,
        label: g.displayName,
        detail: `${g.source === "manual" ? "manual group" : "SCIM group"}, ${plural(g.memberCount, "member")}`,
      })),
    [],
  );
  const reasonId = "role-disabled";
  const describedBy = block === null ? undefined : reasonId;
  const checks = { selected: draft, disabled, describedBy, onToggle: toggleIn };

  return (
    <>
      <p class="breadcrumb">
        <Link href={href("roles")}>Roles</Link> › {shownName}
      </p>
      <PageTitle>{props.isNew ? `New role ${props.name}` : `Role ${shownName}`}</PageTitle>
      {shownName !== props.name && (
        <p class="hint">
          Key in the mapping: <code>{props.name}</code>
        </p>
      )}
      {summary !== null && (
        <p>
          {plural(summary.memberCount, "member holds", "members hold")} this role. Mapping version {mapping.version}.
        </p>
      )}
      <DisabledReason id={reasonId} reason={block} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) save();
        }}
      >
        <div class="field">
          <label for="role-display-name">Display name</label>
          <input
            id="role-display-name"
            value={draft.displayName ?? ""}
            maxLength={100}
            disabled={disabled}
            aria-describedby={describedBy === undefined ? "role-display-name-hint" : `role-display-name-hint ${describedBy}`}
            onInput={(e) => {
              const displayName = e.currentTarget.value;
              setDraft(({ displayName: _old, ...d }) => (displayName.trim() === "" ? d : { ...d, displayName }));
            }}
          />
          <span id="role-display-name-hint" class="hint">
            The name people see in the console. Rules keep naming the role {props.name}.
          </span>
        </div>
        <div class="field">
          <label for="role-description">Description</label>
          <input
            id="role-description"
            value={draft.description ?? ""}
            disabled={disabled}
            aria-describedby={describedBy}
            onInput={(e) => {
              const description = e.currentTarget.value;
              setDraft(({ description: _old, ...d }) => (description === "" ? d : { ...d, description }));
            }}
          />
        </div>
        <Tabs
          label={`Role ${shownName}`}
          idPrefix="role"
          selected={tab}
          onSelect={setTab}
          tabs={[
            { id: "capabilities", label: "Capabilities", panel: <GrantChecks list="capabilities" names={capabilities} label={capabilityLabel} toggles={org.features} {...checks} /> },
            {
              id: "permissions",
              label: "Permissions",
              panel: <AreaLevelChoices admin={draft.admin} disabled={disabled} describedBy={describedBy} onChange={setLevel} />,
            },
            { id: "connectors", label: "Connectors", panel: <GrantChecks list="connectors" names={connectors} label={connectorLabel} toggles={org.connectors} {...checks} /> },
          ]}
        />
        <div class="actions">
          <button type="submit" class="primary" disabled={disabled} aria-describedby={describedBy}>
            Review changes…
          </button>
        </div>
      </form>
      {/* Right after Review in the page's order: the next Tab from Review reaches the plan's Confirm, not Delete. */}
      <PlanPanel
        edit={edit}
        what={pending?.what ?? ""}
        names={names}
        groupNames={groupNames}
        onConfirm={() => pending !== null && void edit.confirm(pending.apply)}
        onReload={() => {
          edit.cancel();
          props.reload();
        }}
      />
      {!props.isNew && (
        <div class="actions">
          <button type="button" class="danger" disabled={disabled} aria-describedby={describedBy} onClick={remove}>
            Delete role…
          </button>
        </div>
      )}
      {!props.isNew && (
        <GivenBySection
          name={props.name}
          summary={summary}
          rules={rules}
          names={names}
          groupNames={groupNames}
          disabled={disabled}
          describedBy={describedBy}
          onStop={removeRule}
          search={searchGroups}
          onGive={giveTo}
        />
      )}
    </>
  );
}
