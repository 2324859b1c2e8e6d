/**
 * A mapping edit in two steps: the plan (who gains and who loses what, and whether the server would
 * refuse it), then the write, only when the member confirms. A write that finds the mapping changed
 * by someone else since the page read it (412) is shown as a conflict and never retried over it.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { ApiFailure, ADMIN_API, call } from "../api/client";
import type { Level, MappingDocument, PlanAnswer, ProposedChange } from "../api/types";
import { ORG_ROLES, ORG_ROLE_LABELS, areaLabel, capabilityLabel, connectorLabel, LEVEL_LABELS } from "../labels";
import { ErrorNotice, Notice } from "./ui";

export type Proposal = { readonly change: ProposedChange } | { readonly document: MappingDocument };

export type PlanState =
  | { readonly step: "editing" }
  | { readonly step: "planning" }
  | { readonly step: "planned"; readonly plan: PlanAnswer }
  | { readonly step: "applying"; readonly plan: PlanAnswer }
  | { readonly step: "applied"; readonly message: string }
  | { readonly step: "conflict"; readonly message: string }
  | { readonly step: "failed"; readonly error: unknown };

export interface PlannedEdit {
  readonly state: PlanState;
  review(proposal: Proposal): Promise<void>;
  confirm(apply: () => Promise<string>): Promise<void>;
  cancel(): void;
}

export function usePlannedEdit(): PlannedEdit {
  const [state, setState] = useState<PlanState>({ step: "editing" });
  return {
    state,
    review: async (proposal) => {
      setState({ step: "planning" });
      try {
        const { body } = await call<PlanAnswer>("POST", `${ADMIN_API}/mapping/plan`, { body: proposal });
        setState({ step: "planned", plan: body });
      } catch (error) {
        setState({ step: "failed", error });
      }
    },
    confirm: async (apply) => {
      if (state.step !== "planned") return;
      setState({ step: "applying", plan: state.plan });
      try {
        setState({ step: "applied", message: await apply() });
      } catch (error) {
        if (error instanceof ApiFailure && error.status === 412) {
          const now = typeof error.details["version"] === "number" ? ` (version ${error.details["version"]} is now in force)` : "";
          setState({
            step: "conflict",
            message: `Someone else changed the role mapping after you opened this page${now}. Your change was not applied, and theirs was not overwritten. Load the latest version, check it, and make your change again.`,
          });
        } else setState({ step: "failed", error });
      }
    },
    cancel: () => setState({ step: "editing" }),
  };
}

const RANK: Record<Level, number> = { none: 0, view: 1, manage: 2 };
const SHOWN_MEMBERS = 50;
const SHOWN_EFFECTS = 30;

/** "role finance", "Billing (level)", "org role Admin": what a count of members gains or loses. */
function effectLabel(effect: PlanAnswer["effects"][number]): string {
  switch (effect.kind) {
    case "orgRole": {
      const role = ORG_ROLES.find((r) => r === effect.name);
      return `org role ${role === undefined ? effect.name : ORG_ROLE_LABELS[role]}`;
    }
    case "admin":
      return `${areaLabel(effect.name)} level`;
    case "role":
      return `role ${effect.name}`;
    case "capability":
      return capabilityLabel(effect.name);
    case "connector":
      return `${connectorLabel(effect.name)} connector`;
  }
}

/** One member's change as two lists a person reads: what they gain and what they lose. */
export function gainsAndLosses(change: PlanAnswer["changes"][number]["change"]): { gains: string[]; losses: string[] } {
  const gains: string[] = [];
  const losses: string[] = [];
  if (change.orgRole !== null) {
    const line = `org role ${ORG_ROLE_LABELS[change.orgRole.after]} (was ${ORG_ROLE_LABELS[change.orgRole.before]})`;
    (RANK_ORG[change.orgRole.after] > RANK_ORG[change.orgRole.before] ? gains : losses).push(line);
  }
  for (const a of change.admin) {
    const line = `${areaLabel(a.area)}: ${LEVEL_LABELS[a.after]} (was ${LEVEL_LABELS[a.before]})`;
    (RANK[a.after] > RANK[a.before] ? gains : losses).push(line);
  }
  gains.push(...change.roles.added.map((r) => `role ${r}`), ...change.capabilities.added.map(capabilityLabel), ...change.connectors.added.map((c) => `${connectorLabel(c)} connector`));
  losses.push(...change.roles.removed.map((r) => `role ${r}`), ...change.capabilities.removed.map(capabilityLabel), ...change.connectors.removed.map((c) => `${connectorLabel(c)} connector`));
  return { gains, losses };
}
const RANK_ORG = { user: 0, custom: 1, admin: 2, owner: 3, primary_owner: 4 } as const;

export function PlanPanel(props: { edit: PlannedEdit; what: string; onConfirm(): void; onReload(): void }): JSX.Element | null {
  const { state } = props.edit;
  switch (state.step) {
    case "editing":
      return null;
    case "planning":
      return <p role="status">Working out who this change affects…</p>;
    case "failed":
      return (
        <div class="plan">
          <ErrorNotice error={state.error} title="Not applied" />
          <button type="button" onClick={props.edit.cancel}>
            Back to editing
          </button>
        </div>
      );
    case "conflict":
      return (
        <section class="plan" aria-labelledby="conflict-title">
          <h2 id="conflict-title">Conflict: the mapping changed</h2>
          <Notice tone="error" title="Conflict">
            {state.message}
          </Notice>
          <button type="button" class="primary" onClick={props.onReload}>
            Load the latest version
          </button>
        </section>
      );
    case "applied":
      return <Notice tone="success">{state.message}</Notice>;
    case "planned":
    case "applying":
      return <PlanDetails plan={state.plan} what={props.what} busy={state.step === "applying"} onConfirm={props.onConfirm} onCancel={props.edit.cancel} />;
  }
}

function PlanDetails(props: { plan: PlanAnswer; what: string; busy: boolean; onConfirm(): void; onCancel(): void }): JSX.Element {
  const { plan } = props;
  const blocked = plan.refusal !== null || plan.lockout !== null;
  return (
    <section class="plan" aria-labelledby="plan-title">
      <h2 id="plan-title">Review: {props.what}</h2>
      {plan.parts.length === 0 ? (
        <p>This changes nothing in the mapping.</p>
      ) : (
        <ul class="parts">
          {plan.parts.map((part) => (
            <li key={part.description}>{part.description}</li>
          ))}
        </ul>
      )}
      {plan.refusal !== null && (
        <Notice tone="error" title="You cannot apply this">
          {plan.refusal.message} <span class="code">({plan.refusal.code})</span>
        </Notice>
      )}
      {plan.lockout !== null && (
        <Notice tone="error" title="Would lock everyone out">
          {plan.lockout.message}
        </Notice>
      )}
      <h3>
        {plan.changedCount === 1 ? "1 member changes" : `${plan.changedCount} members change`}; {plan.unchangedCount} unchanged
      </h3>
      {plan.effects.length > 0 && (
        <ul class="plan-effects">
          {plan.effects.slice(0, SHOWN_EFFECTS).map((e) => (
            <li key={`${e.kind} ${e.name}`}>
              {effectLabel(e)}: {e.gained > 0 && `+${e.gained}`}
              {e.gained > 0 && e.lost > 0 && " / "}
              {e.lost > 0 && `−${e.lost}`}
            </li>
          ))}
          {plan.effects.length > SHOWN_EFFECTS && <li>… and {plan.effects.length - SHOWN_EFFECTS} more</li>}
        </ul>
      )}
      {plan.changes.length > 0 && (
        <table class="plan-members">
          <caption class="visually-hidden">Who gains and who loses what</caption>
          <thead>
            <tr>
              <th scope="col">Member</th>
              <th scope="col">Gains</th>
              <th scope="col">Loses</th>
            </tr>
          </thead>
          <tbody>
            {plan.changes.slice(0, SHOWN_MEMBERS).map((c) => {
              const { gains, losses } = gainsAndLosses(c.change);
              return (
                <tr key={c.member.id}>
                  <th scope="row">{c.member.userName}</th>
                  <td>{gains.length === 0 ? "—" : <ul>{gains.map((g) => <li key={g}>+ {g}</li>)}</ul>}</td>
                  <td>{losses.length === 0 ? "—" : <ul>{losses.map((l) => <li key={l}>− {l}</li>)}</ul>}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {plan.changedCount > Math.min(plan.changes.length, SHOWN_MEMBERS) && <p>… and {plan.changedCount - Math.min(plan.changes.length, SHOWN_MEMBERS)} more members.</p>}
      {plan.warnings.length + plan.validationWarnings.length > 0 && (
        <div class="warnings">
          <h3>Warnings</h3>
          <ul>
            {plan.warnings.map((w) => (
              <li key={w.message}>Warning: {w.message}</li>
            ))}
            {plan.validationWarnings.map((w) => (
              <li key={w.message}>Warning: {w.message}</li>
            ))}
          </ul>
        </div>
      )}
      <div class="actions">
        <button type="button" class="primary" disabled={blocked || props.busy} onClick={props.onConfirm}>
          {props.busy ? "Applying…" : "Confirm and apply"}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onCancel}>
          Back to editing
        </button>
      </div>
    </section>
  );
}
