/**
 * Admin activity: every write made through the admin API, newest first — who did what, when — in
 * words, filtered by actor, a page at a time. The same rows reach a SIEM as `admin.action` events.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import { actorLabel, describeAction } from "../activity";
import { get, query } from "../api/client";
import type { AdminLogPage } from "../api/types";
import type { Viewer } from "../app";
import { LoadedView, Pager, PageTitle, useDebounced, useLoad, usePages } from "../components/ui";
import { when } from "../labels";

export const ACTIVITY_PAGE_SIZE = 50;

export function ActivityPage(_props: { viewer: Viewer }): JSX.Element {
  const [actorText, setActor] = useState("");
  const typed = useDebounced(actorText.trim(), 300);
  // A plain address is a member: the log names members `member:<userName>`.
  const actor = typed !== "" && !typed.includes(":") ? `member:${typed}` : typed;
  const pages = usePages(actor);
  const log = useLoad(() => get<AdminLogPage>(`/actions${query({ actor, cursor: pages.cursor, limit: String(ACTIVITY_PAGE_SIZE) })}`), `${actor}\n${pages.cursor ?? ""}`);
  return (
    <>
      <PageTitle>Admin activity</PageTitle>
      <p>Every change made in this console or through the admin API, newest first: tokens, groups, roles, members and settings.</p>
      <div class="filters">
        <div class="field">
          <label for="activity-actor">Who</label>
          <input id="activity-actor" type="search" value={actorText} onInput={(e) => setActor(e.currentTarget.value)} aria-describedby="activity-actor-hint" />
          <span id="activity-actor-hint" class="hint">
            A member's userName (ada@example.com), or a kind: member:, cli:.
          </span>
        </div>
      </div>
      <LoadedView loaded={log} what="the admin activity" isEmpty={(data) => data.entries.length === 0} empty={<p>{actor === "" ? "No admin actions yet." : "No admin actions by this actor."}</p>}>
        {(data) => (
          <table class="activity">
            <caption class="visually-hidden">Admin actions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
              </tr>
            </thead>
            <tbody>
              {data.entries.map((e) => {
                const described = describeAction(e);
                return (
                  <tr key={e.seq}>
                    <td>{when(e.at)}</td>
                    <td>{actorLabel(e.actor)}</td>
                    <td>{described.known ? described.text : <code>{described.text}</code>}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        )}
      </LoadedView>
      {log.data !== null && <Pager label="Admin activity" page={pages.page} nextCursor={log.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />}
    </>
  );
}
