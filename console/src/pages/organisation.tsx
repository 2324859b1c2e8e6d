/**
 * Organisation: the feature and connector toggles (Owners), the SCIM connection (the base URL to
 * paste into Okta or Entra, its tokens listed, created — shown once — and revoked), and the role
 * mapping's versions with their author, the difference between two, and rollback.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { RULES, mappingEditBlock } from "../access";
import { ADMIN_API, call, get, mappingEtag, query } from "../api/client";
import type { CreatedScimToken, EditAnswer, MappingView, OrgDocument, RollbackAnswer, RotatedScimToken, ScimToken, Toggle, VersionDetail, VersionDiff, VersionPage } from "../api/types";
import type { Viewer } from "../app";
import { PlanPanel, usePlannedEdit } from "../components/plan";
import { Badge, DisabledReason, ErrorNotice, Loading, Notice, PageTitle, Pager, useAction, useLoad, usePages } from "../components/ui";
import { orgOf, roleNamesOf } from "../document";
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
      <ScimConnection viewer={props.viewer} />
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

function ScimConnection(props: { viewer: Viewer }): JSX.Element {
  const { access, session } = props.viewer;
  const tokens = useLoad(() => get<{ tokens: ScimToken[] }>("/scim-tokens"), "tokens");
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<CreatedScimToken | null>(null);
  const action = useAction();
  // Creating and rotating are the Owners'; revoking is also Identity & Access managers' (incident response).
  const block = access.may.create_scim_tokens ? null : RULES.scimTokens;
  const revokeBlock = access.may.manage_scim_tokens ? null : RULES.scimTokens;
  const describedBy = block === null ? undefined : "tokens-disabled";
  const create = () =>
    void action.run(async () => {
      const { body } = await call<CreatedScimToken>("POST", `${ADMIN_API}/scim-tokens`, { body: label.trim() === "" ? {} : { label: label.trim() } });
      setCreated(body);
      setLabel("");
      tokens.reload();
    });
  const rotate = (token: ScimToken) => {
    if (!window.confirm(`Rotate the SCIM token "${token.label ?? token.id}"? A new token is created now; the old one keeps working for an hour, then stops. Paste the new one into your identity provider within that hour.`)) return;
    void action.run(async () => {
      const { body } = await call<RotatedScimToken>("POST", `${ADMIN_API}/scim-tokens/${encodeURIComponent(token.id)}/rotate`, { body: {} });
      setCreated(body);
      tokens.reload();
    });
  };
  const revoke = (token: ScimToken) => {
    if (!window.confirm(`Revoke the SCIM token "${token.label ?? token.id}"? An identity provider still using it can no longer provision.`)) return;
    void action.run(async () => {
      await call("DELETE", `${ADMIN_API}/scim-tokens/${encodeURIComponent(token.id)}`);
      tokens.reload();
    });
  };
  return (
    <section aria-labelledby="scim-title">
      <h2 id="scim-title">SCIM connection</h2>
      <div class="field">
        <label for="scim-base-url">SCIM base URL</label>
        <input id="scim-base-url" readOnly value={session.scimBaseUrl} aria-describedby="scim-base-url-hint" />
        <span id="scim-base-url-hint" class="hint">
          Paste this into Okta (SCIM connector base URL) or Microsoft Entra ID (Tenant URL), with a token below.
        </span>
      </div>
      <h3>Tokens</h3>
      <p>
        Only Owners can create or rotate a token: the identity provider's connection can change anyone's groups and roles, so whoever holds a token could make
        themselves an Owner. Identity &amp; Access managers can revoke a token at once if it leaks.
      </p>
      <DisabledReason id="tokens-disabled" reason={block} />
      {created !== null && (
        <Notice tone="warning" title="Copy this token now">
          It is shown only once. <label for="new-token">New token “{created.label}”</label>
          <input id="new-token" readOnly value={created.token} class="token" onFocus={(e) => e.currentTarget.select()} />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </Notice>
      )}
      {action.error !== null && <ErrorNotice error={action.error} title="Not done" />}
      {tokens.error !== null && <ErrorNotice error={tokens.error} />}
      {tokens.data === null ? (
        tokens.error === null && <Loading what="tokens" />
      ) : tokens.data.tokens.length === 0 ? (
        <p>No SCIM tokens.</p>
      ) : (
        <table>
          <caption class="visually-hidden">SCIM tokens</caption>
          <thead>
            <tr>
              <th scope="col">Label</th>
              <th scope="col">Created</th>
              <th scope="col">Expires</th>
              <th scope="col">Status</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {tokens.data.tokens.map((t) => (
              <tr key={t.id}>
                <th scope="row">{t.label ?? t.id}</th>
                <td>{when(t.createdAt)}</td>
                <td>{t.expiresAt === null ? "Never" : when(t.expiresAt)}</td>
                <td>{status(t)}</td>
                <td>
                  {t.revokedAt === null && !expired(t) && (
                    <>
                      <button type="button" disabled={block !== null || action.busy} aria-describedby={describedBy} onClick={() => rotate(t)}>
                        Rotate {t.label ?? t.id}…
                      </button>
                      <button type="button" disabled={revokeBlock !== null || action.busy} aria-describedby={revokeBlock === null ? undefined : "tokens-disabled"} onClick={() => revoke(t)}>
                        Revoke {t.label ?? t.id}…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form
        class="inline-form"
        onSubmit={(e) => {
          e.preventDefault();
          if (block === null) create();
        }}
      >
        <label for="token-label">Label for a new token</label>
        <input id="token-label" value={label} maxLength={200} disabled={block !== null} aria-describedby={describedBy} onInput={(e) => setLabel(e.currentTarget.value)} />
        <button type="submit" disabled={block !== null || action.busy} aria-describedby={describedBy}>
          Create token
        </button>
      </form>
    </section>
  );
}

function expired(token: ScimToken): boolean {
  return token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now();
}

function status(token: ScimToken): JSX.Element {
  if (token.revokedAt !== null) return <Badge kind="off">Revoked {when(token.revokedAt)}</Badge>;
  if (expired(token)) return <Badge kind="off">Expired</Badge>;
  return <Badge kind="on">Active</Badge>;
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
