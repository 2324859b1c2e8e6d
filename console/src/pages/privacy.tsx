/**
 * Privacy: how long each kind of record is kept (Privacy at manage edits, view sees the form
 * disabled), a member's personal data exported as one JSON file, the erasure of a deleted member's
 * personal data with a confirmation that says what will and will not be erased, and the statement
 * of what the server stores, where, and for how long — all from the server's own answers.
 */
import type { JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get, query } from "../api/client";
import type { DeletedMember, DeletedMembers, ErasureOutcome, PrivacyStatement, RetentionDays, RetentionSetting, RetentionView } from "../api/types";
import type { Viewer } from "../app";
import { DisabledReason, ErrorNotice, Loading, Notice, PageTitle, useAction, useDebounced, useLoad, useOnNewValue, LoadedView } from "../components/ui";
import { when } from "../labels";

const SETTING_LABELS: Readonly<Record<RetentionSetting, { label: string; unset: string }>> = {
  auditLogDays: { label: "Audit log and admin log", unset: "kept indefinitely" },
  eventDays: { label: "Events and webhook deliveries", unset: "the server's default" },
  analyticsDays: { label: "Analytics counts", unset: "kept indefinitely" },
  deletedMemberDays: { label: "Deleted members' records (then erased)", unset: "kept indefinitely" },
};
const SETTINGS = Object.keys(SETTING_LABELS) as RetentionSetting[];

export function PrivacyPage(props: { viewer: Viewer }): JSX.Element {
  const retention = useLoad(() => get<RetentionView>("/privacy/retention"), "retention");
  const manage = props.viewer.access.may.manage_privacy;
  return (
    <>
      <PageTitle>Privacy</PageTitle>
      <p>How long this server keeps what it records about people, a member's personal data as one file, and the erasure of a deleted member's personal data.</p>
      {retention.error !== null && <ErrorNotice error={retention.error} />}
      {retention.data === null ? retention.error === null && <Loading what="the retention settings" /> : <Retention view={retention.data} manage={manage} reload={retention.reload} />}
      <Export manage={manage} />
      <Erasure manage={manage} />
      <Statement round={retention.data?.updatedAt ?? ""} />
    </>
  );
}

type Draft = Record<RetentionSetting, string>;
const draftOf = (settings: RetentionDays): Draft => Object.fromEntries(SETTINGS.map((key) => [key, settings[key] === null ? "" : String(settings[key])])) as Draft;

function Retention(props: { view: RetentionView; manage: boolean; reload(): void }): JSX.Element {
  const [draft, setDraft] = useState<Draft>(draftOf(props.view.settings));
  useOnNewValue(props.view, (view) => setDraft(draftOf(view.settings)));
  const [saved, setSaved] = useState<string | null>(null);
  const action = useAction();
  const block = props.manage ? null : RULES.privacy;
  const disabled = block !== null || action.busy;
  const describedBy = block === null ? undefined : "retention-disabled";
  const save = () =>
    void action.run(async () => {
      setSaved(null);
      const body = Object.fromEntries(SETTINGS.map((key) => [key, draft[key].trim() === "" ? null : Number(draft[key])]));
      await call<RetentionView>("PUT", `${ADMIN_API}/privacy/retention`, { body });
      setSaved("Retention saved; the retention job applies it within the hour.");
      props.reload();
    });
  return (
    <section aria-labelledby="retention-title">
      <h2 id="retention-title">Retention</h2>
      <p>Days each kind of record is kept; leave a field empty for the default. The audit log is kept at least 30 days, whatever is set.</p>
      <DisabledReason id="retention-disabled" reason={block} />
      {/* The server says why a value is refused (the floor, the bounds), in words the browser's own validation does not have. */}
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) save();
        }}
      >
        <fieldset disabled={disabled} aria-describedby={describedBy} class="retention">
          <legend>Keep for (days)</legend>
          {SETTINGS.map((key) => {
            const { min, max } = props.view.bounds[key];
            const effective = props.view.effective[key];
            return (
              <div class="field" key={key}>
                <label for={`retention-${key}`}>{SETTING_LABELS[key].label}</label>
                <input
                  id={`retention-${key}`}
                  type="number"
                  inputMode="numeric"
                  min={min}
                  max={max}
                  step={1}
                  value={draft[key]}
                  placeholder="Default"
                  aria-describedby={`retention-${key}-hint`}
                  onInput={(e) => setDraft((d) => ({ ...d, [key]: e.currentTarget.value }))}
                />
                <span id={`retention-${key}-hint`} class="hint">
                  {min}–{max} days. Default: {SETTING_LABELS[key].unset}. Now: {effective === null ? "kept indefinitely" : `${effective} days`}.
                </span>
              </div>
            );
          })}
        </fieldset>
        <button type="submit" class="primary" disabled={disabled} aria-describedby={describedBy}>
          Save retention
        </button>
      </form>
      {props.view.updatedAt !== null && (
        <p class="hint">
          Last changed {when(props.view.updatedAt)} by {props.view.updatedBy}.
        </p>
      )}
      {action.error !== null && <ErrorNotice error={action.error} title="Not saved" />}
      {saved !== null && <Notice tone="success">{saved}</Notice>}
    </section>
  );
}

interface Found {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
}

function Export(props: { manage: boolean }): JSX.Element {
  const [text, setText] = useState("");
  const q = useDebounced(text.trim(), 300);
  const [picked, setPicked] = useState<Found | null>(null);
  const found = useLoad(() => (props.manage && q !== "" ? get<{ members: Found[] }>(`/privacy/members${query({ q })}`) : Promise.resolve({ members: [] })), `${props.manage}\n${q}`);
  const block = props.manage ? null : RULES.privacy;
  return (
    <section aria-labelledby="export-title">
      <h2 id="export-title">Export a member's personal data</h2>
      <p>
        One JSON file: their SCIM record as stored, groups, permissions and permission history, admin-log entries by or about them, and console sessions (never a session secret). At most 1000 entries per list, newest first.
        Every export is recorded in the admin log. Every member can download their own from My access.
      </p>
      <DisabledReason id="export-disabled" reason={block} />
      <div class="field">
        <label for="export-member">Member</label>
        <input
          id="export-member"
          type="search"
          value={text}
          disabled={block !== null}
          aria-describedby={block === null ? "export-member-hint" : "export-member-hint export-disabled"}
          onInput={(e) => {
            setText(e.currentTarget.value);
            setPicked(null);
          }}
        />
        <span id="export-member-hint" class="hint">
          The start of a userName, display name or e-mail address.
        </span>
      </div>
      {found.error !== null && <ErrorNotice error={found.error} />}
      {found.data !== null && q !== "" && picked === null && (
        found.data.members.length === 0 ? (
          <p>No member matches.</p>
        ) : (
          <ul class="plain" aria-label="Matching members">
            {found.data.members.map((m) => (
              <li key={m.id}>
                <button type="button" onClick={() => setPicked(m)}>
                  Choose {m.displayName === null ? m.userName : `${m.displayName} (${m.userName})`}
                </button>
              </li>
            ))}
          </ul>
        )
      )}
      {picked !== null && (
        <p>
          <a href={`${ADMIN_API}/members/${encodeURIComponent(picked.id)}/export`} download={`personal-data-${picked.id}.json`}>
            Download {picked.userName}'s personal data (JSON)
          </a>
        </p>
      )}
    </section>
  );
}

function Erasure(props: { manage: boolean }): JSX.Element {
  const list = useLoad(() => get<DeletedMembers>("/privacy/deleted-members"), "deleted-members");
  const [confirming, setConfirming] = useState<DeletedMember | null>(null);
  const [outcome, setOutcome] = useState<{ member: DeletedMember; outcome: ErasureOutcome } | null>(null);
  const action = useAction();
  const block = props.manage ? null : RULES.privacy;
  const confirmRef = useRef<HTMLHeadingElement>(null);
  const resultRef = useRef<HTMLDivElement>(null);
  useLayoutEffect(() => confirmRef.current?.focus(), [confirming]);
  useLayoutEffect(() => resultRef.current?.focus(), [outcome]);
  const erase = (member: DeletedMember) =>
    void action.run(async () => {
      const { body } = await call<ErasureOutcome>("POST", `${ADMIN_API}/erasures`, { body: { userId: member.userId } });
      setConfirming(null);
      setOutcome({ member, outcome: body });
      list.reload();
    });
  return (
    <section aria-labelledby="erasure-title">
      <h2 id="erasure-title">Erase a deleted member's personal data</h2>
      <p>Only members deleted from the directory can be erased; a current member is deleted at the identity provider first.</p>
      <DisabledReason id="erasure-disabled" reason={block} />
      <LoadedView loaded={list} what="deleted members" isEmpty={(data) => data.members.length === 0} empty={<p>No deleted members.</p>}>
        {(data) => (
          <table>
            <caption class="visually-hidden">Deleted members, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Member</th>
                <th scope="col">Deleted</th>
                <th scope="col">State</th>
                <th scope="col">Action</th>
              </tr>
            </thead>
            <tbody>
              {data.members.map((m) => (
                <tr key={m.userId}>
                  <th scope="row">{m.displayName === null ? m.userName : `${m.displayName} (${m.userName})`}</th>
                  <td>{when(m.deletedAt)}</td>
                  <td>{m.erasedAt === null ? "Not erased" : `Erased ${when(m.erasedAt)}`}</td>
                  <td>
                    {m.erasedAt === null && (
                      <button type="button" disabled={block !== null || action.busy} aria-describedby={block === null ? undefined : "erasure-disabled"} onClick={() => setConfirming(m)}>
                        Erase {m.userName}…
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </LoadedView>
      {confirming !== null && list.data !== null && (
        <div class="plan" role="region" aria-labelledby="erasure-confirm-title">
          <h3 id="erasure-confirm-title" ref={confirmRef} tabIndex={-1}>
            Erase {confirming.userName}?
          </h3>
          <p>This cannot be undone. What will be erased:</p>
          <ul>
            {list.data.erasure.erases.map((line) => (
              <li key={line}>{line}</li>
            ))}
          </ul>
          <p>What will not be erased, and why:</p>
          <ul>
            {list.data.erasure.keeps.map((k) => (
              <li key={k.what}>{k.why}</li>
            ))}
          </ul>
          <div class="actions">
            <button type="button" class="danger" disabled={action.busy} onClick={() => erase(confirming)}>
              Erase {confirming.userName}
            </button>
            <button type="button" onClick={() => setConfirming(null)}>
              Cancel
            </button>
          </div>
        </div>
      )}
      {action.error !== null && <ErrorNotice error={action.error} title="Not erased" />}
      {outcome !== null && (
        <div ref={resultRef} tabIndex={-1}>
          <Notice tone="success" title="Erased">
            {outcome.member.userName} is now {outcome.outcome.pseudonym}: {outcome.outcome.pseudonymised.auditRows} audit-log rows, {outcome.outcome.pseudonymised.adminRows} admin-log rows and {outcome.outcome.pseudonymised.events} events rewritten;{" "}
            {outcome.outcome.pseudonymised.consoleSessions} console sessions deleted.
          </Notice>
          <p>Not erased:</p>
          <ul>
            {outcome.outcome.notErased.map((n) => (
              <li key={n.what}>
                {n.count === null ? "" : `${n.count} — `}
                {n.why}
              </li>
            ))}
          </ul>
        </div>
      )}
    </section>
  );
}

function Statement(props: { round: string }): JSX.Element {
  const statement = useLoad(() => get<PrivacyStatement>("/privacy/statement"), `statement\n${props.round}`);
  return (
    <section aria-labelledby="statement-title">
      <h2 id="statement-title">What this server stores</h2>
      <p>Where personal data is kept, and for how long, with this organisation's retention.</p>
      {statement.error !== null && <ErrorNotice error={statement.error} />}
      {statement.data === null ? (
        statement.error === null && <Loading what="the statement" />
      ) : (
        <table>
          <caption class="visually-hidden">What the server stores, where, and for how long</caption>
          <thead>
            <tr>
              <th scope="col">What</th>
              <th scope="col">Personal data</th>
              <th scope="col">Where</th>
              <th scope="col">Kept</th>
            </tr>
          </thead>
          <tbody>
            {statement.data.rows.map((row) => (
              <tr key={row.what}>
                <th scope="row">{row.what}</th>
                <td>{row.holds}</td>
                <td>{row.where}</td>
                <td>{row.kept}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
