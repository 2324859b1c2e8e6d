/**
 * Authentication: how long a console session lasts in this organisation — idle and absolute limits,
 * never longer than the operator's (which are also the defaults). Owners change them; every
 * session follows a change from its next request on.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get } from "../api/client";
import type { SessionLimitsView } from "../api/types";
import type { Viewer } from "../app";
import { DisabledReason, ErrorNotice, Loading, Notice, PageTitle, useAction, useLoad, useOnNewValue } from "../components/ui";
import { when } from "../labels";

export function AuthenticationPage(props: { viewer: Viewer }): JSX.Element {
  const limits = useLoad(() => get<SessionLimitsView>("/authentication"), "authentication");
  return (
    <>
      <PageTitle>Authentication</PageTitle>
      {limits.error !== null && <ErrorNotice error={limits.error} />}
      {limits.data === null ? limits.error === null && <Loading what="the session limits" /> : <LimitsForm viewer={props.viewer} limits={limits.data} onSaved={limits.reload} />}
    </>
  );
}

function LimitsForm(props: { viewer: Viewer; limits: SessionLimitsView; onSaved(): void }): JSX.Element {
  const { limits } = props;
  const [idle, setIdle] = useState(String(limits.idleMinutes));
  const [hours, setHours] = useState(String(limits.sessionHours));
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  useOnNewValue(limits, (saved) => {
    setIdle(String(saved.idleMinutes));
    setHours(String(saved.sessionHours));
  });
  const block = props.viewer.access.may.change_sign_in_settings ? null : RULES.sessionLimits;
  const disabled = block !== null || action.busy;
  const describedBy = block === null ? undefined : "limits-disabled";
  const save = (body: { idleMinutes: number | null; sessionHours: number | null }, message: string) =>
    void action.run(async () => {
      setDone(null);
      await call<SessionLimitsView>("PUT", `${ADMIN_API}/authentication`, { body });
      setDone(message);
      props.onSaved();
    });
  return (
    <section aria-labelledby="limits-title">
      <h2 id="limits-title">Console sessions</h2>
      <p>
        A session ends after the idle limit without activity, and at the latest the absolute limit after sign-in. The server's operator allows at most{" "}
        {limits.defaults.idleMinutes} minutes idle and {limits.defaults.sessionHours} hours in all; those are the defaults. A change holds for every open session from its next request.
      </p>
      <p>{limits.custom ? `Set by ${limits.updatedBy ?? "an Owner"}${limits.updatedAt === null ? "" : ` on ${when(limits.updatedAt)}`}.` : "This organisation uses the defaults."}</p>
      <DisabledReason id="limits-disabled" reason={block} />
      {done !== null && <Notice tone="success">{done}</Notice>}
      {action.error !== null && <ErrorNotice error={action.error} title="Not saved" />}
      <form
        class="settings"
        onSubmit={(e) => {
          e.preventDefault();
          if (!disabled) save({ idleMinutes: Number(idle), sessionHours: Number(hours) }, "Saved: sessions follow the new limits from their next request.");
        }}
      >
        <div class="field">
          <label for="idle-minutes">Idle limit (minutes)</label>
          <input id="idle-minutes" type="number" min={1} max={limits.defaults.idleMinutes} step={1} required value={idle} disabled={disabled} aria-describedby={describedBy} onInput={(e) => setIdle(e.currentTarget.value)} />
        </div>
        <div class="field">
          <label for="session-hours">Absolute limit (hours)</label>
          <input id="session-hours" type="number" min={1} max={limits.defaults.sessionHours} step={1} required value={hours} disabled={disabled} aria-describedby={describedBy} onInput={(e) => setHours(e.currentTarget.value)} />
        </div>
        <div class="actions">
          <button type="submit" class="primary" disabled={disabled} aria-describedby={describedBy}>
            Save limits
          </button>
          <button type="button" disabled={disabled || !limits.custom} aria-describedby={describedBy} onClick={() => save({ idleMinutes: null, sessionHours: null }, "Back to the defaults.")}>
            Use the defaults
          </button>
        </div>
      </form>
    </section>
  );
}
