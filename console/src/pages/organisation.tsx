/**
 * Organisation: the feature and connector toggles (Owners) and the role mapping's versions with
 * their author, the difference between two, and rollback. The SCIM connection has its own page (scim.tsx).
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { RULES, mappingEditBlock } from "../access";
import { ADMIN_API, call, get, mappingEtag, query } from "../api/client";
import type { EditAnswer, MappingView, OrgDocument, RollbackAnswer, Toggle, VersionDetail, VersionDiff, VersionPage } from "../api/types";
import type { Viewer } from "../app";
import { PlanPanel, usePlannedEdit } from "../components/plan";
import { DisabledReason, ErrorNotice, Link, Loading, PageTitle, Pager, useAction, useLoad, usePages } from "../components/ui";
import { orgOf, roleNamesOf } from "../document";
import { href } from "../router";
import { BUILTIN_CAPABILITIES, BUILTIN_CONNECTORS, capabilityLabel, connectorLabel, plural, vocabulary, when } from "../labels";
import { partInWords } from "../wording";

const membersChanged = (count: number): string => `${plural(count, "member's", "members'")} permissions changed`;

export function OrganisationPage(props: { viewer: Viewer }): JSX.Element {
  const mapping = useLoad(() => get<MappingView>("/mapping"), "mapping");
  return (
    <>
      <PageTitle>Organisation</PageTitle>
      {mapping.error !== null && <ErrorNotice error={mapping.error} />}
      {mapping.data === null ? mapping.error === null && <Loading what="the organisation" /> : <Toggles viewer={props.viewer} mapping={mapping.data} reload={mapping.reload} />}
      {props.viewer.access.sections.scim !== "none" && (
        <p>
          The SCIM connection's base URL and tokens are on the <Link href={href("scim")}>SCIM</Link> page.
        </p>
      )}
      {mapping.data !== null && <Versions viewer={props.viewer} mapping={mapping.data} reload={mapping.reload} />}
    </>
  );
}

type Setting = Toggle | "unset";
const SETTING_LABELS: Record<Setting, string> = { on: "On", off: "Off", unset: "Not set" };

function Toggles(props: { viewer: Viewer; mapping: MappingView; reload(): void }): JSX.Element {
  const { access } = props.viewer;
  const stored = orgOf(props.mapping.document);
  const [draft, setDraft] = useState<OrgDocument>(stored);
  useEffect(() => setDraft(orgOf(props.mapping.document)), [props.mapping]);
  const edit = usePlannedEdit();
  const block = mappingEditBlock(access, access.may.toggle_org, RULES.toggles);
  const disabled = block !== null || edit.state.step === "applying";
  const describedBy = block === null ? undefined : "toggles-disabled";
  const set = (list: keyof OrgDocument, name: string, setting: Setting) => {
    if (edit.state.step === "planned" || edit.state.step === "failed") edit.cancel();
    setDraft((d) => {
      const next = { ...d[list] };
      if (setting === "unset") delete next[name];
      else next[name] = setting;
      return { ...d, [list]: next };
    });
  };
  const apply = async () => {
    const { body } = await call<EditAnswer>("PUT", `${ADMIN_API}/org`, { body: draft, ifMatch: mappingEtag(props.mapping.version) });
    props.reload();
    return body.unchanged ? "Nothing changed." : `Saved as version ${body.version}; ${membersChanged(body.changedMembers)}.`;
  };
  const list = (kind: keyof OrgDocument, names: string[], label: (n: string) => string) => (
    <fieldset disabled={disabled} aria-describedby={describedBy} class="toggles">
      <legend>{kind === "features" ? "Features" : "Connectors"}</legend>
      <table>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Setting</th>
          </tr>
        </thead>
        <tbody>
          {names.map((name) => {
            const id = `toggle-${kind}-${name}`;
            return (
              <tr key={name}>
                <th scope="row">
                  <label for={id}>{label(name)}</label>
                </th>
                <td>
                  <select id={id} value={draft[kind][name] ?? "unset"} onChange={(e) => set(kind, name, settingOf(e.currentTarget.value))}>
                    {(["on", "off", "unset"] as const).map((s) => (
                      <option key={s} value={s}>
                        {SETTING_LABELS[s]}
                      </option>
                    ))}
                  </select>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </fieldset>
  );
  return (
    <section aria-labelledby="toggles-title">
      <h2 id="toggles-title">Features and connectors</h2>
      <p>On gives a feature to every Owner, Admin and User; Off takes it from everyone, custom roles included; Not set leaves it to custom roles.</p>
      <DisabledReason id="toggles-disabled" reason={block} />
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) void edit.review({ change: { kind: "set_org", org: draft } });
        }}
      >
        <div class="two-columns">
          {list("features", vocabulary(BUILTIN_CAPABILITIES, stored.features), capabilityLabel)}
          {list("connectors", vocabulary(BUILTIN_CONNECTORS, stored.connectors), connectorLabel)}
        </div>
        <button type="submit" class="primary" disabled={disabled} aria-describedby={describedBy}>
          Review changes…
        </button>
      </form>
      <PlanPanel edit={edit} what="the organisation's toggles" onConfirm={() => void edit.confirm(apply)} onReload={() => {
        edit.cancel();
        props.reload();
      }} />
    </section>
  );
}

function settingOf(value: string): Setting {
  return value === "on" || value === "off" ? value : "unset";
}

function Versions(props: { viewer: Viewer; mapping: MappingView; reload(): void }): JSX.Element {
  const { access } = props.viewer;
  const pages = usePages(String(props.mapping.version));
  const versions = useLoad(() => get<VersionPage>(`/mapping/versions${query({ cursor: pages.cursor, limit: "20" })}`), `${props.mapping.version}\n${pages.cursor ?? ""}`);
  const latest = props.mapping.version;
  const [from, setFrom] = useState(String(Math.max(1, latest - 1)));
  const [to, setTo] = useState(String(latest));
  const [diff, setDiff] = useState<VersionDiff | null>(null);
  const diffAction = useAction();
  const edit = usePlannedEdit();
  const [target, setTarget] = useState<number | null>(null);
  // Any member who may change part of the mapping may try; the plan says what the server would refuse.
  const block = mappingEditBlock(access, access.may.edit_custom_roles || access.may.toggle_org, RULES.editRoles);
  const describedBy = block === null ? undefined : "versions-disabled";
  const showDiff = () =>
    void diffAction.run(async () => {
      setDiff(await get<VersionDiff>(`/mapping/versions/${encodeURIComponent(to)}/diff${query({ from })}`));
    });
  const reviewRollback = (version: number) =>
    void diffAction.run(async () => {
      setTarget(version);
      const detail = await get<VersionDetail>(`/mapping/versions/${version}`);
      await edit.review({ document: detail.document });
    });
  const rollback = async () => {
    if (target === null) return "Nothing to roll back to.";
    const { body } = await call<RollbackAnswer>("POST", `${ADMIN_API}/mapping/rollback`, { body: { version: target }, ifMatch: mappingEtag(props.mapping.version) });
    props.reload();
    return body.unchanged ? `Version ${target} is already what is in force.` : `Rolled back to version ${target} as version ${body.version}; ${membersChanged(body.changedMembers)}.`;
  };
  const numbers = Array.from({ length: latest }, (_, i) => String(latest - i));
  return (
    <section aria-labelledby="versions-title">
      <h2 id="versions-title">Role mapping versions</h2>
      <p>Version {latest} is in force{props.mapping.appliedBy !== null ? `, applied by ${props.mapping.appliedBy}` : ""}.</p>
      <DisabledReason id="versions-disabled" reason={block} />
      {versions.error !== null && <ErrorNotice error={versions.error} />}
      {versions.data === null ? (
        versions.error === null && <Loading what="versions" />
      ) : (
        <table>
          <caption class="visually-hidden">Versions, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Version</th>
              <th scope="col">Author</th>
              <th scope="col">Applied</th>
              <th scope="col">Source</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.versions.map((v) => (
              <tr key={v.version}>
                <th scope="row">
                  {v.version}
                  {v.version === latest && " (in force)"}
                </th>
                <td>{v.appliedBy}</td>
                <td>{when(v.appliedAt)}</td>
                <td>{v.sourceName}</td>
                <td>
                  {v.version !== latest && (
                    <button type="button" disabled={block !== null} aria-describedby={describedBy} onClick={() => reviewRollback(v.version)}>
                      Roll back to {v.version}…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {versions.data !== null && <Pager label="Versions" page={pages.page} nextCursor={versions.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
      <PlanPanel edit={edit} what={`roll back to version ${target ?? ""}`} onConfirm={() => void edit.confirm(rollback)} onReload={() => {
        edit.cancel();
        props.reload();
      }} />
      {latest > 1 && (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            showDiff();
          }}
        >
          <h3>Compare two versions</h3>
          <label for="diff-from">From version</label>
          <select id="diff-from" value={from} onChange={(e) => setFrom(e.currentTarget.value)}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <label for="diff-to">To version</label>
          <select id="diff-to" value={to} onChange={(e) => setTo(e.currentTarget.value)}>
            {numbers.map((n) => (
              <option key={n} value={n}>
                {n}
              </option>
            ))}
          </select>
          <button type="submit">Show differences</button>
        </form>
      )}
      {diffAction.error !== null && <ErrorNotice error={diffAction.error} />}
      {diff !== null && (
        <div class="diff" aria-live="polite">
          <h4>
            From version {diff.from} to version {diff.to}
          </h4>
          {diff.changes.length === 0 ? (
            <p>No differences.</p>
          ) : (
            <ul>
              {diff.changes.map((c) => (
                <li key={c.description}>{partInWords(c, roleNamesOf(props.mapping.document)).title}</li>
              ))}
            </ul>
          )}
        </div>
      )}
    </section>
  );
}
