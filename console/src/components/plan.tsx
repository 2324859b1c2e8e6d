/**
 * A mapping edit in two steps: the plan (who gains and who loses what, and whether the server would
 * refuse it), then the write, only when the member confirms. A write that finds the mapping changed
 * by someone else since the page read it (412) is shown as a conflict and never retried over it.
 */
import type { ComponentChildren, JSX } from "preact";
import { useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiFailure, ADMIN_API, call } from "../api/client";
import type { Level, MappingDocument, PlanAnswer, ProposedChange } from "../api/types";
import { NO_ROLE_NAMES, ORG_ROLE_LABELS, type RoleNames, areaLabel, capabilityLabel, connectorLabel, LEVEL_LABELS, orgRoleLabel, plural, roleLabel } from "../labels";
import { inWords, partInWords, refusalInWords, theRole, warningInWords } from "../wording";
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

/** "the Finance role", "Billing level", "the Admin org role": what a count of members gains or loses. */
function effectLabel(effect: PlanAnswer["effects"][number], names: RoleNames): string {
  switch (effect.kind) {
    case "orgRole":
      return `the ${orgRoleLabel(effect.name)} org role`;
    case "admin":
      return `${areaLabel(effect.name)} level`;
    case "role":
      return theRole(effect.name, names);
    case "capability":
      return capabilityLabel(effect.name);
    case "connector":
      return `${connectorLabel(effect.name)} connector`;
  }
}

/** One member's change as two lists a person reads: what they gain and what they lose. */
export function gainsAndLosses(change: PlanAnswer["changes"][number]["change"], names: RoleNames = NO_ROLE_NAMES): { gains: string[]; losses: string[] } {
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
  const role = (r: string) => `role ${roleLabel(r, names)}`;
  gains.push(...change.roles.added.map(role), ...change.capabilities.added.map(capabilityLabel), ...change.connectors.added.map((c) => `${connectorLabel(c)} connector`));
  losses.push(...change.roles.removed.map(role), ...change.capabilities.removed.map(capabilityLabel), ...change.connectors.removed.map((c) => `${connectorLabel(c)} connector`));
  return { gains, losses };
}
const RANK_ORG = { user: 0, custom: 1, admin: 2, owner: 3, primary_owner: 4 } as const;

/** Members with what each gains and loses: a plan's table, for many members or for one. */
export function GainsAndLosses(props: {
  caption: string;
  /** What a cell says when there is nothing to list. */
  none: string;
  rows: ReadonlyArray<{ readonly id: string; readonly userName: string; readonly gains: readonly string[]; readonly losses: readonly string[] }>;
}): JSX.Element {
  return (
    <table class="plan-members">
      <caption class="visually-hidden">{props.caption}</caption>
      <thead>
        <tr>
          <th scope="col">Member</th>
          <th scope="col">Gains</th>
          <th scope="col">Loses</th>
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row) => (
          <tr key={row.id}>
            <th scope="row">{row.userName}</th>
            <td>{row.gains.length === 0 ? props.none : <ul>{row.gains.map((g) => <li key={g}>+ {g}</li>)}</ul>}</td>
            <td>{row.losses.length === 0 ? props.none : <ul>{row.losses.map((l) => <li key={l}>− {l}</li>)}</ul>}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/**
 * A heading that takes the keyboard focus when it appears: after "Review changes…" the plan, after
 * "Confirm and apply" the result, so keyboard and screen-reader users land on what just appeared.
 * A layout effect: the focus moves in the same commit that shows the heading, never a frame later.
 */
function FocusedHeading(props: { id: string; children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => ref.current?.focus(), []);
  return (
    <h2 id={props.id} ref={ref} tabIndex={-1}>
      {props.children}
    </h2>
  );
}

export interface PlanPanelProps {
  edit: PlannedEdit;
  what: string;
  onConfirm(): void;
  onReload(): void;
  /** Role display names by key, so the plan names roles as people know them. */
  names?: RoleNames;
  /** Group names by id, for rules that name a group by its id. */
  groupNames?: ReadonlyMap<string, string>;
}

export function PlanPanel(props: PlanPanelProps): JSX.Element | null {
  const { state } = props.edit;
  switch (state.step) {
    case "editing":
      return null;
    case "planning":
      return <p role="status">Working out who this change affects…</p>;
    case "failed":
      return (
        <section class="plan" aria-labelledby="plan-failed-title">
          <FocusedHeading id="plan-failed-title">Not applied</FocusedHeading>
          <ErrorNotice error={state.error} />
          <button type="button" onClick={props.edit.cancel}>
            Back to editing
          </button>
        </section>
      );
    case "conflict":
      return (
        <section class="plan" aria-labelledby="conflict-title">
          <FocusedHeading id="conflict-title">Conflict: the mapping changed</FocusedHeading>
          <Notice tone="error" title="Conflict">
            {state.message}
          </Notice>
          <button type="button" class="primary" onClick={props.onReload}>
            Load the latest version
          </button>
        </section>
      );
    case "applied":
      return (
        <section class="plan-result" aria-labelledby="plan-result-title">
          <FocusedHeading id="plan-result-title">Change applied</FocusedHeading>
          <Notice tone="success">{state.message}</Notice>
        </section>
      );
    case "planned":
    case "applying":
      return (
        <PlanDetails
          plan={state.plan}
          what={props.what}
          busy={state.step === "applying"}
          onConfirm={props.onConfirm}
          onCancel={props.edit.cancel}
          names={props.names ?? NO_ROLE_NAMES}
          groupNames={props.groupNames ?? new Map()}
        />
      );
  }
}

function PlanDetails(props: { plan: PlanAnswer; what: string; busy: boolean; onConfirm(): void; onCancel(): void; names: RoleNames; groupNames: ReadonlyMap<string, string> }): JSX.Element {
  const { plan, names, groupNames } = props;
  const blocked = plan.refusal !== null || plan.lockout !== null;
  const warnings = [...new Set([...plan.warnings.map((w) => warningInWords(w, plan, names, groupNames)), ...plan.validationWarnings.map((w) => inWords(w.message, names))])];
  const shownMembers = Math.min(plan.changes.length, SHOWN_MEMBERS);
  return (
    <section class="plan" aria-labelledby="plan-title">
      <FocusedHeading id="plan-title">Review: {props.what}</FocusedHeading>
      {plan.parts.length === 0 ? (
        <p>This changes nothing in the mapping.</p>
      ) : (
        <ul class="parts">
          {plan.parts.map((part) => {
            const { title, lines } = partInWords(part, names, groupNames);
            return (
              <li key={part.description}>
                {title}
                {lines.length > 0 && (
                  <table class="role-change">
                    <caption class="visually-hidden">{title}: before and after</caption>
                    <thead>
                      <tr>
                        <th scope="col">Setting</th>
                        <th scope="col">Before</th>
                        <th scope="col">After</th>
                      </tr>
                    </thead>
                    <tbody>
                      {lines.map((line) => (
                        <tr key={line.what}>
                          <th scope="row">{line.what}</th>
                          <td>{line.before}</td>
                          <td>
                            <span aria-hidden="true">→ </span>
                            {line.after}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                )}
              </li>
            );
          })}
        </ul>
      )}
      {plan.partsCount > plan.parts.length && <p>… and {plural(plan.partsCount - plan.parts.length, "more change")} to the mapping.</p>}
      {plan.refusal !== null && (
        <Notice tone="error" title="You cannot apply this">
          {refusalInWords(plan, names, groupNames)}
        </Notice>
      )}
      {plan.lockout !== null && (
        <Notice tone="error" title="Would lock everyone out">
          This change would leave no active member able to change roles: {plan.lockout.losing.slice(0, 10).map((m) => m.userName).join(", ")}
          {plan.lockout.losingCount > Math.min(plan.lockout.losing.length, 10) && ` and ${plural(plan.lockout.losingCount - Math.min(plan.lockout.losing.length, 10), "other member")}`} would lose the right.
          An active Owner or Primary Owner, or a member whose custom role has Identity & Access at Can manage, must remain.
        </Notice>
      )}
      <h3>
        {plural(plan.changedCount, "member changes", "members change")}; {plan.unchangedCount} unchanged
      </h3>
      {plan.effects.length > 0 && (
        <ul class="plan-effects">
          {plan.effects.slice(0, SHOWN_EFFECTS).map((e) => (
            <li key={`${e.kind} ${e.name}`}>
              {effectLabel(e, names)}: {e.gained > 0 && `${plural(e.gained, "member gains", "members gain")} it`}
              {e.gained > 0 && e.lost > 0 && ", "}
              {e.lost > 0 && `${plural(e.lost, "member loses", "members lose")} it`}
            </li>
          ))}
          {plan.effects.length > SHOWN_EFFECTS && <li>… and {plural(plan.effects.length - SHOWN_EFFECTS, "more thing")} that change</li>}
        </ul>
      )}
      {plan.changes.length > 0 && (
        <GainsAndLosses
          caption="Who gains and who loses what"
          none="—"
          rows={plan.changes.slice(0, SHOWN_MEMBERS).map((c) => ({ id: c.member.id, userName: c.member.userName, ...gainsAndLosses(c.change, names) }))}
        />
      )}
      {plan.changedCount > shownMembers && <p>… and {plural(plan.changedCount - shownMembers, "more member")}.</p>}
      {warnings.length > 0 && (
        <div class="warnings">
          <h3>{warnings.length === 1 ? "Warning" : "Warnings"}</h3>
          <ul>
            {warnings.map((w) => (
              <li key={w}>{w}</li>
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
