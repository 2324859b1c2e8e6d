/**
 * One member's change before it is made (a suspension, a group membership): what they gain and
 * lose, as the server computed it, and whether the server would refuse; confirmed only on request.
 * The plan takes the focus when it appears, so a keyboard or screen-reader user lands on it.
 */
import type { ComponentChildren, JSX } from "preact";
import { useLayoutEffect, useRef } from "preact/hooks";
import type { MemberPlan } from "../api/types";
import { GainsAndLosses, gainsAndLosses } from "./plan";
import { Notice } from "./ui";

export function MemberPlanView(props: {
  plan: MemberPlan;
  title: string;
  confirmLabel: string;
  busy: boolean;
  onConfirm(): void;
  onCancel(): void;
  children?: ComponentChildren;
}): JSX.Element {
  const { plan } = props;
  const heading = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => heading.current?.focus(), [plan]);
  return (
    <section class="plan" aria-labelledby="member-plan-title">
      <h2 id="member-plan-title" tabIndex={-1} ref={heading}>
        Review: {props.title}
      </h2>
      {plan.refusal !== null && (
        <Notice tone="error" title="You cannot apply this">
          {plan.refusal.message} <span class="code">({plan.refusal.code})</span>
        </Notice>
      )}
      <GainsAndLosses caption={`What ${plan.member.userName} gains and loses`} none="Nothing" rows={[{ id: plan.member.id, userName: plan.member.userName, ...gainsAndLosses(plan.change) }]} />
      {props.children}
      <div class="actions">
        <button type="button" class="primary" disabled={plan.refusal !== null || props.busy} onClick={props.onConfirm}>
          {props.busy ? "Applying…" : props.confirmLabel}
        </button>
        <button type="button" disabled={props.busy} onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </section>
  );
}
