/**
 * User Management on a member's page and the members list: who owns the member's attributes (the
 * console, or the IdP that provisioned them), any suspension (who, when, why), and — for those who
 * manage members — suspend with a reason (after a plan of what the member loses), reactivate, sign
 * out of every console session, remove a member added here, add to and remove from the manual
 * groups the viewer may fill (each after a plan), and add a member by e-mail. At view level every
 * control is shown disabled with the reason. The server judges every change again.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { RULES } from "../access";
import { ADMIN_API, call, get, query } from "../api/client";
import type { AddedMember, ManualGroupRow, MemberDetail, MemberPlan, StandingOutcome } from "../api/types";
import type { Viewer } from "../app";
import { MemberPlanView } from "../components/member-plan";
import { Badge, DisabledReason, ErrorNotice, Loading, Notice, useAction, useDebounced, useLoad } from "../components/ui";
import { when } from "../labels";
import { href, navigate } from "../router";

const byActor = (actor: string): string => actor.replace(/^member:/, "").replace(/^cli:/, "the command line, as ");

/** The member's status in words: active or not as the IdP says, and a suspension beside it. */
export function StatusBadges(props: { active: boolean; suspended: boolean }): JSX.Element {
  return (
    <>
      {props.active ? <Badge kind="on">Active</Badge> : <Badge kind="off">Inactive</Badge>}
      {props.suspended && (
        <>
          {" "}
          <Badge kind="off">Suspended</Badge>
        </>
      )}
    </>
  );
}

/** Status, suspension and provenance, as facts of the member's page. */
export function StandingFacts(props: { member: MemberDetail["member"] }): JSX.Element {
  const { member } = props;
  const { provenance } = member;
  return (
    <>
      <dt>Status</dt>
      <dd data-testid="member-status">
        <StatusBadges active={member.active} suspended={member.suspension !== null} />
        {member.suspension !== null && (
          <p class="suspension">
            Suspended by {byActor(member.suspension.by)} on {when(member.suspension.at)}: “{member.suspension.reason}”
          </p>
        )}
      </dd>
      <dt>Display name</dt>
      <dd>{member.displayName ?? "—"}</dd>
      <dt>E-mail</dt>
      <dd>{member.email ?? "—"}</dd>
      <dt>Managed by</dt>
      <dd data-testid="member-provenance">
        {provenance.origin === "console" ? (
          <>Added in this console{provenance.addedBy === null ? "" : ` by ${byActor(provenance.addedBy)}`}{provenance.addedAt === null ? "" : ` on ${when(provenance.addedAt)}`}; they sign in with the organisation's sign-in.</>
        ) : (
          <>Provisioned by {provenance.name}: their attributes are read-only here; change them there.</>
        )}
      </dd>
    </>
  );
}

type Pending =
  | { readonly kind: "suspend"; readonly reason: string; readonly plan: MemberPlan }
  | { readonly kind: "group"; readonly op: "add" | "remove"; readonly group: ManualGroupRow; readonly plan: MemberPlan }
  | { readonly kind: "remove" };

export function MemberControls(props: { viewer: Viewer; detail: MemberDetail; onChanged(): void }): JSX.Element {
  const { viewer, detail } = props;
  const member = detail.member;
  const self = viewer.me.member.id === member.id;
  const block = viewer.access.may.manage_members ? null : RULES.manageMembers;
  const [reason, setReason] = useState("");
  const [pending, setPending] = useState<Pending | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const action = useAction();
  const [find, setFind] = useState("");
  const q = useDebounced(find.trim(), 250);
  // A page of manual groups to add the member to, searched on the server by name (bounded however many there are).
  const groups = useLoad(() => get<{ groups: ManualGroupRow[] }>(`/manual-groups${query({ q, limit: "50" })}`), `${member.id}\n${q}\n${done ?? ""}`);
  const [chosen, setChosen] = useState("");
  const memberPath = `${ADMIN_API}/members/${encodeURIComponent(member.id)}`;
  const finish = (message: string) => {
    setPending(null);
    setDone(message);
    props.onChanged();
  };

  const suspendBlock = block ?? (self ? "You cannot suspend yourself: ask another member who manages members." : null);
  const review = () =>
    void action.run(async () => {
      setDone(null);
      const { body } = await call<MemberPlan>("POST", `${memberPath}/suspend/plan`);
      setPending({ kind: "suspend", reason: reason.trim(), plan: body });
    });
  const suspend = (why: string) =>
    void action.run(async () => {
      await call<StandingOutcome>("POST", `${memberPath}/suspend`, { body: { reason: why } });
      setReason("");
      finish(`${member.userName} is suspended: every right is taken away and their console sessions have ended.`);
    });
  const reactivate = () =>
    void action.run(async () => {
      await call<StandingOutcome>("POST", `${memberPath}/reactivate`);
      finish(`${member.userName} is reactivated.`);
    });
  const signOut = () =>
    void action.run(async () => {
      const { body } = await call<{ sessionsEnded: number }>("POST", `${memberPath}/sign-out`);
      setDone(`${member.userName} is signed out of ${body.sessionsEnded === 1 ? "1 console session" : `${body.sessionsEnded} console sessions`}.`);
    });
  const remove = () =>
    void action.run(async () => {
      await call("DELETE", memberPath);
      navigate(href("members"));
    });
  const planGroup = (group: ManualGroupRow, op: "add" | "remove") =>
    void action.run(async () => {
      setDone(null);
      const { body } = await call<MemberPlan>("POST", `${ADMIN_API}/groups/${encodeURIComponent(group.id)}/members/${encodeURIComponent(member.id)}/plan`, { body: { op } });
      setPending({ kind: "group", op, group, plan: body });
    });
  const changeGroup = (group: ManualGroupRow, op: "add" | "remove") =>
    void action.run(async () => {
      await call(op === "add" ? "PUT" : "DELETE", `${ADMIN_API}/groups/${encodeURIComponent(group.id)}/members/${encodeURIComponent(member.id)}`);
      setChosen("");
      finish(op === "add" ? `${member.userName} added to ${group.displayName}.` : `${member.userName} removed from ${group.displayName}.`);
    });

  const inGroup = new Set(detail.groups.filter((g) => g.source === "manual").map((g) => g.id));
  const manual = groups.data?.groups ?? [];
  const known = new Map(manual.map((g) => [g.id, g]));
  const joinable = manual.filter((g) => !inGroup.has(g.id));
  // Every manual group the member is in (their page lists them all); whether the viewer may change one
  // found in the page above is shown now, and the plan says it for any other.
  const joined: ManualGroupRow[] = detail.groups
    .filter((g) => g.source === "manual")
    .map((g) => known.get(g.id) ?? { id: g.id, displayName: g.displayName, memberCount: 0, changeableBy: "features", mayChangeMembers: viewer.access.may.edit_group_members });
  const chosenGroup = joinable.find((g) => g.id === chosen);
  const groupBlock = (g: ManualGroupRow | undefined): string | null => block ?? (g !== undefined && !g.mayChangeMembers ? RULES.memberGrant : null);
  const removeBlock = block ?? (member.provenance.origin !== "console" ? `Provisioned by ${member.provenance.name}: remove them there.` : self ? "You cannot remove yourself." : null);

  return (
    <section class="member-admin" aria-labelledby="member-admin-title">
      <h2 id="member-admin-title">Manage this member</h2>
      <DisabledReason id="member-admin-disabled" reason={block} />
      <div aria-live="polite" class="live">
        {done !== null && <Notice tone="success">{done}</Notice>}
      </div>
      {action.error !== null && <ErrorNotice error={action.error} title="Not changed" />}

      {pending?.kind === "suspend" && (
        <MemberPlanView plan={pending.plan} title={`suspend ${member.userName}`} confirmLabel="Suspend member" busy={action.busy} onConfirm={() => suspend(pending.reason)} onCancel={() => setPending(null)}>
          <p>
            Reason: “{pending.reason}”. Their console sessions end at once, and the identity provider cannot lift the suspension.
          </p>
        </MemberPlanView>
      )}
      {pending?.kind === "group" && (
        <MemberPlanView
          plan={pending.plan}
          title={`${pending.op === "add" ? "add" : "remove"} ${member.userName} ${pending.op === "add" ? "to" : "from"} ${pending.group.displayName}`}
          confirmLabel={pending.op === "add" ? "Add to group" : "Remove from group"}
          busy={action.busy}
          onConfirm={() => changeGroup(pending.group, pending.op)}
          onCancel={() => setPending(null)}
        />
      )}

      <h3>Suspension</h3>
      {member.suspension === null ? (
        <form
          class="inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            review();
          }}
        >
          <DisabledReason id="suspend-disabled" reason={suspendBlock === block ? null : suspendBlock} />
          <label for="suspend-reason">Reason for suspending</label>
          <textarea
            id="suspend-reason"
            value={reason}
            maxLength={1000}
            rows={2}
            disabled={suspendBlock !== null}
            aria-describedby={suspendBlock === null ? undefined : suspendBlock === block ? "member-admin-disabled" : "suspend-disabled"}
            onInput={(e) => setReason(e.currentTarget.value)}
          />
          <button type="submit" disabled={suspendBlock !== null || reason.trim() === "" || action.busy}>
            Review suspension…
          </button>
        </form>
      ) : (
        <button type="button" disabled={block !== null || action.busy} aria-describedby={block === null ? undefined : "member-admin-disabled"} onClick={reactivate}>
          Reactivate {member.userName}
        </button>
      )}

      <h3>Sessions</h3>
      <button type="button" disabled={block !== null || action.busy} aria-describedby={block === null ? undefined : "member-admin-disabled"} onClick={signOut}>
        Sign out of every session
      </button>

      <h3>Manual groups</h3>
      {groups.error !== null && <ErrorNotice error={groups.error} />}
      {groups.data === null ? (
        groups.error === null && <Loading what="manual groups" />
      ) : (
        <>
          {joined.length === 0 ? (
            <p>Not in any manual group.</p>
          ) : (
            <ul class="plain">
              {joined.map((g) => (
                <li key={g.id}>
                  {g.displayName}{" "}
                  <button type="button" disabled={groupBlock(g) !== null || action.busy} aria-describedby={groupBlock(g) === null ? undefined : "groups-grant"} onClick={() => planGroup(g, "remove")}>
                    Review removing from {g.displayName}…
                  </button>
                </li>
              ))}
            </ul>
          )}
          <div class="inline-form">
            <label for="find-group">Find a manual group</label>
            <input id="find-group" type="search" value={find} disabled={block !== null} onInput={(e) => setFind(e.currentTarget.value)} />
          </div>
          {joinable.length > 0 && (
            <div class="inline-form">
              <label for="join-group">Add to a manual group</label>
              <select id="join-group" value={chosen} disabled={block !== null} onChange={(e) => setChosen(e.currentTarget.value)}>
                <option value="">Choose a group</option>
                {joinable.map((g) => (
                  <option key={g.id} value={g.id}>
                    {g.displayName}
                    {g.mayChangeMembers ? "" : " (beyond your grant)"}
                  </option>
                ))}
              </select>
              <button type="button" disabled={chosenGroup === undefined || groupBlock(chosenGroup) !== null || action.busy} onClick={() => chosenGroup !== undefined && planGroup(chosenGroup, "add")}>
                Review adding…
              </button>
            </div>
          )}
          {manual.some((g) => !g.mayChangeMembers) && block === null && <p class="hint" id="groups-grant">{RULES.memberGrant}</p>}
        </>
      )}

      <h3>Remove</h3>
      <DisabledReason id="remove-disabled" reason={removeBlock === block ? null : removeBlock} />
      {pending?.kind === "remove" ? (
        <div class="plan" role="group" aria-label="Confirm removal">
          <p>Remove {member.userName}? They lose every right and every console session at once.</p>
          <button type="button" class="danger" disabled={action.busy} onClick={remove}>
            Remove member
          </button>
          <button type="button" onClick={() => setPending(null)}>
            Cancel
          </button>
        </div>
      ) : (
        <button
          type="button"
          class="danger"
          disabled={removeBlock !== null || action.busy}
          aria-describedby={removeBlock === null ? undefined : removeBlock === block ? "member-admin-disabled" : "remove-disabled"}
          onClick={() => setPending({ kind: "remove" })}
        >
          Remove member…
        </button>
      )}
    </section>
  );
}

/** Adds a member who is not in the IdP: their e-mail is their userName for the organisation's sign-in. */
export function AddMemberForm(props: { viewer: Viewer }): JSX.Element {
  const block = props.viewer.access.may.manage_members ? null : RULES.manageMembers;
  const [email, setEmail] = useState("");
  const [name, setName] = useState("");
  const action = useAction();
  return (
    <form
      class="inline-form"
      onSubmit={(e) => {
        e.preventDefault();
        void action.run(async () => {
          const { body } = await call<AddedMember>("POST", `${ADMIN_API}/members`, { body: { email: email.trim(), displayName: name.trim() === "" ? null : name.trim() } });
          navigate(href("members", body.id));
        });
      }}
    >
      <h2>Add a member by e-mail</h2>
      <p class="hint">For people your identity provider does not provision: they sign in with the organisation's sign-in using this address, and hold what a member in no group holds.</p>
      <DisabledReason id="add-member-disabled" reason={block} />
      <label for="new-member-email">E-mail</label>
      <input id="new-member-email" type="email" value={email} maxLength={254} disabled={block !== null} aria-describedby={block === null ? undefined : "add-member-disabled"} onInput={(e) => setEmail(e.currentTarget.value)} />
      <label for="new-member-name">Display name (optional)</label>
      <input id="new-member-name" value={name} maxLength={400} disabled={block !== null} onInput={(e) => setName(e.currentTarget.value)} />
      <button type="submit" disabled={block !== null || email.trim() === "" || action.busy}>
        Add member
      </button>
      {action.error !== null && <ErrorNotice error={action.error} title="Not added" />}
    </form>
  );
}
