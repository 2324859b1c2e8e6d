/**
 * SCIM: the base URL to paste into the identity provider, and its connections — one per token —
 * with who created each, when it was last used, its last request and its recent errors. Owners
 * create and rotate tokens (a token can make anyone an Owner); Identity & Access managers may also
 * revoke one, for incident response. A new token is shown once.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get } from "../api/client";
import type { CreatedScimToken, RotatedScimToken, ScimConnectionRow, ScimErrorEntry } from "../api/types";
import type { Viewer } from "../app";
import { CopyField } from "../components/copy";
import { Badge, DisabledReason, ErrorNotice, Loading, Notice, PageTitle, useAction, useLoad, LoadedView } from "../components/ui";
import { when } from "../labels";

export function ScimPage(props: { viewer: Viewer }): JSX.Element {
  const { session } = props.viewer;
  return (
    <>
      <PageTitle>SCIM</PageTitle>
      <p>Your identity provider creates, updates and deactivates members and groups here over SCIM 2.0, with a token from this page.</p>
      <CopyField
        id="scim-base-url"
        label="SCIM base URL"
        value={session.scimBaseUrl}
        hint="Paste this into Okta (SCIM connector base URL) or Microsoft Entra ID (Tenant URL), with a token below."
      />
      <Tokens viewer={props.viewer} />
    </>
  );
}

function Tokens(props: { viewer: Viewer }): JSX.Element {
  const { access } = props.viewer;
  const tokens = useLoad(() => get<{ tokens: ScimConnectionRow[] }>("/scim-tokens"), "tokens");
  const [label, setLabel] = useState("");
  const [created, setCreated] = useState<CreatedScimToken | null>(null);
  const [shown, setShown] = useState<ScimConnectionRow | null>(null);
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
  const rotate = (token: ScimConnectionRow) => {
    if (!window.confirm(`Rotate the SCIM token "${nameOf(token)}"? A new token is created now; the old one keeps working for an hour, then stops. Paste the new one into your identity provider within that hour.`)) return;
    void action.run(async () => {
      const { body } = await call<RotatedScimToken>("POST", `${ADMIN_API}/scim-tokens/${encodeURIComponent(token.id)}/rotate`, { body: {} });
      setCreated(body);
      tokens.reload();
    });
  };
  const revoke = (token: ScimConnectionRow) => {
    if (!window.confirm(`Revoke the SCIM token "${nameOf(token)}"? An identity provider still using it can no longer provision.`)) return;
    void action.run(async () => {
      await call("DELETE", `${ADMIN_API}/scim-tokens/${encodeURIComponent(token.id)}`);
      tokens.reload();
    });
  };
  return (
    <section aria-labelledby="tokens-title">
      <h2 id="tokens-title">Connections and their tokens</h2>
      <p>
        Only Owners can create or rotate a token: the identity provider's connection can change anyone's groups and roles, so whoever holds a token could make
        themselves an Owner. Identity &amp; Access managers can revoke a token at once if it leaks.
      </p>
      <DisabledReason id="tokens-disabled" reason={block} />
      {created !== null && (
        <Notice tone="warning" title="Copy this token now">
          It is shown only once.
          <CopyField id="new-token" label={`New token “${created.label ?? created.id}”`} value={created.token} class="token" />
          <button type="button" onClick={() => setCreated(null)}>
            I have copied it
          </button>
        </Notice>
      )}
      {action.error !== null && <ErrorNotice error={action.error} title="Not done" />}
      <LoadedView loaded={tokens} what="tokens" isEmpty={(data) => data.tokens.length === 0} empty={<p>No SCIM tokens.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">SCIM tokens</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Created by</th>
                <th scope="col">Created</th>
                <th scope="col">Last request</th>
                <th scope="col">Expires</th>
                <th scope="col">Status</th>
                <th scope="col">Recent errors</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {data.tokens.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{nameOf(t)}</th>
                  <td>{creatorOf(t.createdBy)}</td>
                  <td>{when(t.createdAt)}</td>
                  <td>{t.lastRequest === null ? "Never" : <>{when(t.lastRequest.at)}: {t.lastRequest.method} {t.lastRequest.path} → {t.lastRequest.status}</>}</td>
                  <td>{t.expiresAt === null ? "Never" : when(t.expiresAt)}</td>
                  <td>{status(t)}</td>
                  <td>
                    {t.recentErrors === 0 ? (
                      "None"
                    ) : (
                      <button type="button" aria-expanded={shown?.id === t.id} aria-controls="token-errors" onClick={() => setShown(shown?.id === t.id ? null : t)}>
                        {t.recentErrors} {t.recentErrors === 1 ? "error" : "errors"}<span class="visually-hidden"> of {nameOf(t)}</span>
                      </button>
                    )}
                  </td>
                  <td>
                    {t.revokedAt === null && !expired(t) && (
                      <>
                        <button type="button" disabled={block !== null || action.busy} aria-describedby={describedBy} onClick={() => rotate(t)}>
                          Rotate {nameOf(t)}…
                        </button>
                        <button type="button" disabled={revokeBlock !== null || action.busy} aria-describedby={revokeBlock === null ? undefined : "tokens-disabled"} onClick={() => revoke(t)}>
                          Revoke {nameOf(t)}…
                        </button>
                      </>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      <div id="token-errors">{shown !== null && <RecentErrors token={shown} />}</div>
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

function RecentErrors(props: { token: ScimConnectionRow }): JSX.Element {
  const errors = useLoad(() => get<{ errors: ScimErrorEntry[] }>(`/scim-tokens/${encodeURIComponent(props.token.id)}/errors`), props.token.id);
  return (
    <section aria-labelledby="errors-title">
      <h3 id="errors-title">Recent errors of {nameOf(props.token)}</h3>
      <p class="hint">The last 50 errors the identity provider met with this token, newest first. Paths are shown without their query.</p>
      {errors.error !== null && <ErrorNotice error={errors.error} />}
      {errors.data === null ? (
        errors.error === null && <Loading what="errors" />
      ) : (
        <table>
          <caption class="visually-hidden">Recent errors of {nameOf(props.token)}</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Request</th>
              <th scope="col">Status</th>
              <th scope="col">SCIM type</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {errors.data.errors.map((e) => (
              <tr key={e.seq}>
                <td>{when(e.at)}</td>
                <td>
                  {e.method} {e.path}
                </td>
                <td>{e.status}</td>
                <td>{e.scimType ?? "—"}</td>
                <td>{e.detail ?? "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function nameOf(token: ScimConnectionRow): string {
  return token.label ?? token.id;
}

/** Who made a token, in words: a member by name, the operator's CLI, the server's environment. */
function creatorOf(createdBy: string | null): string {
  if (createdBy === null) return "Not recorded";
  const [kind, ...rest] = createdBy.split(":");
  const who = rest.join(":");
  switch (kind) {
    case "member":
      return who;
    case "cli":
      return `Operator (command line, ${who})`;
    case "env":
      return `Server configuration (${who})`;
    case "server":
      return "The server, at its first start";
    default:
      return createdBy;
  }
}

function expired(token: ScimConnectionRow): boolean {
  return token.expiresAt !== null && Date.parse(token.expiresAt) <= Date.now();
}

function status(token: ScimConnectionRow): JSX.Element {
  if (token.revokedAt !== null) return <Badge kind="off">Revoked {when(token.revokedAt)}</Badge>;
  if (expired(token)) return <Badge kind="off">Expired</Badge>;
  return <Badge kind="on">Active</Badge>;
}
