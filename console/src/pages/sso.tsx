/**
 * Single sign-on: the OIDC issuer and client the organisation's members sign in with. Owners change
 * them; the server checks the issuer's discovery document before saving. The secret is written,
 * never shown. Settings the server's environment sets are shown read-only, with that reason.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get } from "../api/client";
import type { SsoAnswer, SsoSettings } from "../api/types";
import type { Viewer } from "../app";
import { CopyField } from "../components/copy";
import { DisabledReason, ErrorNotice, Loading, Notice, PageTitle, useAction, useLoad, useOnNewValue } from "../components/ui";

export function SsoPage(props: { viewer: Viewer }): JSX.Element {
  const settings = useLoad(() => get<SsoSettings>("/sso"), "sso");
  return (
    <>
      <PageTitle>Single sign-on</PageTitle>
      <p>Members sign in to this console with your organisation's OpenID Connect identity provider (Okta, Microsoft Entra ID, Google Workspace, Keycloak…).</p>
      {settings.error !== null && <ErrorNotice error={settings.error} />}
      {settings.data === null ? settings.error === null && <Loading what="the sign-in settings" /> : <SsoForm viewer={props.viewer} settings={settings.data} reload={settings.reload} />}
    </>
  );
}

function SsoForm(props: { viewer: Viewer; settings: SsoSettings; reload(): void }): JSX.Element {
  const { settings } = props;
  const [issuer, setIssuer] = useState(settings.issuer ?? "");
  const [clientId, setClientId] = useState(settings.clientId ?? "");
  const [secret, setSecret] = useState("");
  const [claim, setClaim] = useState(settings.usernameClaim ?? "email");
  const [saved, setSaved] = useState<SsoAnswer | null>(null);
  const action = useAction();
  useOnNewValue(settings, (saved) => {
    setIssuer(saved.issuer ?? "");
    setClientId(saved.clientId ?? "");
    setClaim(saved.usernameClaim ?? "email");
  });
  const block = settings.managedBy?.reason ?? (props.viewer.access.may.change_sign_in_settings ? null : RULES.signIn);
  const disabled = block !== null || action.busy;
  const describedBy = block === null ? undefined : "sso-disabled";
  const changesWhoVouches = issuer.trim() !== settings.issuer || clientId.trim() !== settings.clientId || claim.trim() !== settings.usernameClaim;
  const save = () => {
    if (changesWhoVouches && !window.confirm("Saving another issuer, client or username claim signs every member out of the console, you included. Has the callback URL been registered at the issuer?")) return;
    void action.run(async () => {
      setSaved(null);
      const body = { issuer: issuer.trim(), clientId: clientId.trim(), usernameClaim: claim.trim(), ...(secret === "" ? {} : { clientSecret: secret }) };
      const { body: answer } = await call<SsoAnswer>("PUT", `${ADMIN_API}/sso`, { body });
      setSecret("");
      setSaved(answer);
      if (answer.sessionsEnded === 0) props.reload();
    });
  };
  return (
    <>
      {settings.callbackUrl !== null && (
        <section aria-labelledby="callback-title">
          <h2 id="callback-title">Register this console at the identity provider</h2>
          <CopyField id="callback-url" label="Callback URL" value={settings.callbackUrl} hint="Add it to the application's allowed redirect URIs (Okta: Sign-in redirect URIs; Entra: Redirect URI, Web)." />
        </section>
      )}
      <section aria-labelledby="sso-title">
        <h2 id="sso-title">Identity provider</h2>
        <DisabledReason id="sso-disabled" reason={block} />
        {saved !== null && (
          <Notice tone="success" title="Saved">
            The issuer's discovery document checked out and the settings are stored.
            {saved.sessionsEnded > 0 && ` ${saved.sessionsEnded === 1 ? "1 console session" : `${saved.sessionsEnded} console sessions`} ended, yours included: sign in again with the new settings.`}
          </Notice>
        )}
        {action.error !== null && <ErrorNotice error={action.error} title="Not saved" />}
        <form
          class="settings"
          onSubmit={(e) => {
            e.preventDefault();
            if (!disabled) save();
          }}
        >
          <div class="field">
            <label for="sso-issuer">Issuer URL</label>
            <input id="sso-issuer" type="url" required value={issuer} disabled={disabled} aria-describedby={describedBy ?? "sso-issuer-hint"} onInput={(e) => setIssuer(e.currentTarget.value)} />
            <span id="sso-issuer-hint" class="hint">
              Exactly as the provider names itself, such as https://example.okta.com/oauth2/default. Its discovery document is checked before saving.
            </span>
          </div>
          <div class="field">
            <label for="sso-client">Client ID</label>
            <input id="sso-client" required value={clientId} disabled={disabled} aria-describedby={describedBy} onInput={(e) => setClientId(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="sso-secret">Client secret</label>
            <input id="sso-secret" type="password" autoComplete="new-password" value={secret} disabled={disabled} aria-describedby={describedBy ?? "sso-secret-hint"} onInput={(e) => setSecret(e.currentTarget.value)} />
            <span id="sso-secret-hint" class="hint">
              {settings.clientSecretSet ? "A secret is stored; it is never shown. Leave this empty to keep it." : "No secret is stored. Enter the client's secret, if it has one."}
            </span>
          </div>
          <div class="field">
            <label for="sso-claim">Username claim</label>
            <input id="sso-claim" required value={claim} disabled={disabled} aria-describedby={describedBy ?? "sso-claim-hint"} onInput={(e) => setClaim(e.currentTarget.value)} />
            <span id="sso-claim-hint" class="hint">
              The ID token claim that equals a member's SCIM userName (usually email).
            </span>
          </div>
          <p class="hint">Changing the issuer, the client or the username claim signs every member out of the console, you included.</p>
          <button type="submit" class="primary" disabled={disabled} aria-describedby={describedBy}>
            Check and save
          </button>
        </form>
      </section>
    </>
  );
}
