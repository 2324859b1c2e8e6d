/**
 * Analytics: members over time by org role and by custom role, SCIM provisioning per IdP
 * connection, authorize's decisions, and the access review — each a chart drawn here (SVG) with its
 * numbers in a table and a CSV download — and what is collected, which Analytics managers change.
 */
import type { JSX } from "preact";
import { useState } from "preact/hooks";
import type { AnalyticsSettings, DecisionPoint, MemberPoint, ProvisioningPoint } from "../../../db/analytics";
import type { AccessReviewPage, Series } from "../../../roles/admin";
import { ADMIN_API, call, get, query } from "../api/client";
import type { Area } from "../api/types";
import type { Viewer } from "../app";
import { type ChartSeries, LineChart, StackedBarChart } from "../components/chart";
import { DisabledReason, ErrorNotice, Loading, Notice, PageTitle, Pager, useAction, useLoad, usePages } from "../components/ui";
import { AREAS, AREA_LABELS, LEVEL_LABELS, ORG_ROLES, ORG_ROLE_LABELS, capabilityLabel, connectorLabel } from "../labels";

const DAY_MS = 86_400_000;
const RANGES = [7, 30, 90, 365] as const;
type MembersSeries = Series<MemberPoint> & { readonly by: "org_role" | "custom_role" };

const MANAGE_RULE = "Only Owners, the Primary Owner and members with Analytics at Manage can change what is collected. You can view the settings.";

const orgRoleLabel = (key: string): string => {
  const role = ORG_ROLES.find((r) => r === key);
  return role === undefined ? key : ORG_ROLE_LABELS[role];
};
const areaLabel = (key: string): string => {
  const area = AREAS.find((a) => a === key);
  return area === undefined ? key : AREA_LABELS[area];
};

function dayRange(days: number, now = Date.now()): { from: string; to: string; days: string[] } {
  const to = Math.floor(now / DAY_MS) * DAY_MS;
  const list = Array.from({ length: days }, (_, i) => new Date(to - (days - 1 - i) * DAY_MS).toISOString().slice(0, 10));
  return { from: list[0] ?? "", to: list[list.length - 1] ?? "", days: list };
}

/** The CSV download of a series or table: the same request with `format=csv`, sent with the session cookie. */
function CsvLink(props: { path: string; params: Record<string, string | undefined>; what: string }): JSX.Element {
  return (
    <a href={`${ADMIN_API}${props.path}${query({ ...props.params, format: "csv" })}`} download>
      Download CSV<span class="visually-hidden"> of {props.what}</span>
    </a>
  );
}

export function AnalyticsPage(props: { viewer: Viewer }): JSX.Element {
  const [days, setDays] = useState<number>(30);
  const range = dayRange(days);
  return (
    <>
      <PageTitle>Analytics</PageTitle>
      <p>Usage the server can see, by UTC day: who holds what, what the identity providers sent, and what products asked. Counts reach these charts within about ten seconds.</p>
      <div class="filters">
        <div class="field">
          <label for="analytics-range">Period</label>
          <select id="analytics-range" value={String(days)} onChange={(e) => setDays(Number(e.currentTarget.value))}>
            {RANGES.map((n) => (
              <option key={n} value={String(n)}>
                Last {n} days
              </option>
            ))}
          </select>
        </div>
      </div>
      <MembersSection range={range} by="org_role" />
      <MembersSection range={range} by="custom_role" />
      <ProvisioningSection range={range} />
      <DecisionsSection range={range} />
      <AccessReviewSection />
      <SettingsSection viewer={props.viewer} />
    </>
  );
}

type Range = ReturnType<typeof dayRange>;

function MembersSection(props: { range: Range; by: "org_role" | "custom_role" }): JSX.Element {
  const { range, by } = props;
  const params = { by, from: range.from, to: range.to };
  const loaded = useLoad(() => get<MembersSeries>(`/analytics/members${query(params)}`), `${by}\n${range.from}\n${range.to}`);
  const title = by === "org_role" ? "Members by org role" : "Members by custom role";
  const id = `members-${by.replace("_", "-")}`;
  const label = (key: string) => (by === "org_role" ? orgRoleLabel(key) : key);
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>{title}</h2>
      {loaded.error !== null && <ErrorNotice error={loaded.error} />}
      {loaded.data === null ? (
        loaded.error === null && <Loading what={title.toLowerCase()} />
      ) : (
        (() => {
          const rows = loaded.data.rows;
          const keys = [...new Set(rows.map((r) => r.key))].sort();
          const days = range.days.filter((day) => rows.some((r) => r.day === day));
          const series: ChartSeries[] = keys.map((key) => ({ name: label(key), values: days.map((day) => rows.find((r) => r.day === day && r.key === key)?.members ?? 0) }));
          const latest = days[days.length - 1];
          const summary = latest === undefined ? "No snapshot in this period." : `On ${latest}: ${series.map((s) => `${s.name} ${s.values[s.values.length - 1] ?? 0}`).join(", ")}.`;
          return (
            <>
              {days.length === 0 ? <p>No snapshot in this period yet: one is taken each day.</p> : <LineChart id={id} title={`${title}, ${range.from} to ${range.to}`} summary={summary} labels={days} series={series} />}
              <div class="chart-actions">
                <CsvLink path="/analytics/members" params={params} what={title.toLowerCase()} />
              </div>
              <DataTable caption={`${title}: members per day`} header={["Day", ...series.map((s) => s.name)]} rows={days.map((day, i) => [day, ...series.map((s) => String(s.values[i] ?? 0))])} />
            </>
          );
        })()
      )}
    </section>
  );
}

function ProvisioningSection(props: { range: Range }): JSX.Element {
  const { range } = props;
  const params = { from: range.from, to: range.to };
  const loaded = useLoad(() => get<Series<ProvisioningPoint>>(`/analytics/provisioning${query(params)}`), `${range.from}\n${range.to}`);
  const outcomes = [
    ["creates", "Creates"],
    ["updates", "Updates"],
    ["deactivations", "Deactivations"],
    ["errors", "Errors"],
  ] as const;
  return (
    <section aria-labelledby="provisioning-heading">
      <h2 id="provisioning-heading">Provisioning by identity provider</h2>
      <p class="hint">Each IdP connection is the SCIM token it sends. A deactivation is a DELETE of a user or a write setting active to false; errors are answers of 400 or more.</p>
      {loaded.error !== null && <ErrorNotice error={loaded.error} />}
      {loaded.data === null ? (
        loaded.error === null && <Loading what="provisioning activity" />
      ) : (
        (() => {
          const rows = loaded.data.rows;
          const series: ChartSeries[] = outcomes.map(([key, name]) => ({ name, values: range.days.map((day) => rows.filter((r) => r.day === day).reduce((sum, r) => sum + r[key], 0)) }));
          const totals = series.map((s) => `${s.values.reduce((a, b) => a + b, 0)} ${s.name.toLowerCase()}`).join(", ");
          const idpName = (r: ProvisioningPoint) => r.idp.label ?? (r.idp.id === "entra" ? "Microsoft Entra (Entra-issued token)" : `token ${r.idp.id}`);
          return (
            <>
              <StackedBarChart id="provisioning" title={`SCIM requests per day, ${range.from} to ${range.to}`} summary={`In this period: ${totals}.`} labels={range.days} series={series} />
              <div class="chart-actions">
                <CsvLink path="/analytics/provisioning" params={params} what="provisioning activity" />
              </div>
              <DataTable
                caption="Provisioning per day and identity provider"
                header={["Day", "Identity provider", ...outcomes.map(([, name]) => name)]}
                rows={rows.map((r) => [r.day, idpName(r), ...outcomes.map(([key]) => String(r[key]))])}
                empty="No SCIM request in this period."
              />
            </>
          );
        })()
      )}
    </section>
  );
}

function DecisionsSection(props: { range: Range }): JSX.Element {
  const { range } = props;
  const params = { from: range.from, to: range.to };
  const loaded = useLoad(() => get<Series<DecisionPoint>>(`/analytics/decisions${query(params)}`), `${range.from}\n${range.to}`);
  const nameOf = (r: Pick<DecisionPoint, "kind" | "name">) =>
    r.kind === "capability" ? capabilityLabel(r.name) : r.kind === "connector" ? connectorLabel(r.name) : areaLabel(r.name);
  const kindWord = { capability: "Capability", connector: "Connector", area: "Admin area" } as const;
  return (
    <section aria-labelledby="decisions-heading">
      <h2 id="decisions-heading">Authorization decisions</h2>
      {loaded.error !== null && <ErrorNotice error={loaded.error} />}
      {loaded.data === null ? (
        loaded.error === null && <Loading what="authorization decisions" />
      ) : (
        (() => {
          const rows = loaded.data.rows;
          const perDay = (key: "allowed" | "denied") => range.days.map((day) => rows.filter((r) => r.day === day).reduce((sum, r) => sum + r[key], 0));
          const series: ChartSeries[] = [
            { name: "Allowed", values: perDay("allowed") },
            { name: "Denied", values: perDay("denied") },
          ];
          const totals = new Map<string, { kind: DecisionPoint["kind"]; name: string; allowed: number; denied: number }>();
          for (const r of rows) {
            const key = `${r.kind}\n${r.name}`;
            const total = totals.get(key) ?? { kind: r.kind, name: r.name, allowed: 0, denied: 0 };
            total.allowed += r.allowed;
            total.denied += r.denied;
            totals.set(key, total);
          }
          const sum = (values: readonly number[]) => values.reduce((a, b) => a + b, 0);
          return (
            <>
              <StackedBarChart id="decisions" title={`Authorization decisions per day, ${range.from} to ${range.to}`} summary={`In this period: ${sum(series[0]?.values ?? [])} allowed, ${sum(series[1]?.values ?? [])} denied.`} labels={range.days} series={series} />
              <div class="chart-actions">
                <CsvLink path="/analytics/decisions" params={params} what="authorization decisions" />
              </div>
              <DataTable
                caption="Authorization decisions in this period, by what was asked"
                header={["Asked about", "Kind", "Allowed", "Denied"]}
                rows={[...totals.values()].map((t) => [nameOf(t), kindWord[t.kind], String(t.allowed), String(t.denied)])}
                empty="No authorization question in this period."
              />
              {loaded.data.truncated && <Notice tone="warning">This period holds more rows than one answer carries; choose a shorter period.</Notice>}
            </>
          );
        })()
      )}
    </section>
  );
}

function AccessReviewSection(): JSX.Element {
  const [area, setArea] = useState<Area | "">("");
  const pages = usePages(area);
  const params = { area: area === "" ? undefined : area };
  const loaded = useLoad(() => get<AccessReviewPage>(`/analytics/access-review${query({ ...params, cursor: pages.cursor, limit: "50" })}`), `${area}\n${pages.cursor ?? ""}`);
  return (
    <section aria-labelledby="review-heading">
      <h2 id="review-heading">Access review</h2>
      <p>Who holds each admin area at Can view or Can manage, and through which group, app role or role.</p>
      <div class="filters chart-actions">
        <div class="field">
          <label for="review-area">Admin area</label>
          <select id="review-area" value={area} onChange={(e) => setArea(e.currentTarget.value === "" ? "" : (AREAS.find((a) => a === e.currentTarget.value) ?? ""))}>
            <option value="">Every area</option>
            {AREAS.map((a) => (
              <option key={a} value={a}>
                {AREA_LABELS[a]}
              </option>
            ))}
          </select>
        </div>
        <CsvLink path="/analytics/access-review" params={params} what="the access review" />
      </div>
      {loaded.error !== null && <ErrorNotice error={loaded.error} />}
      {loaded.data === null ? (
        loaded.error === null && <Loading what="the access review" />
      ) : (
        <>
          <DataTable
            caption="Access review: members holding admin areas"
            header={["Member", "Admin area", "Level", "Org role", "Through"]}
            rows={loaded.data.rows.map((r) => [r.member.userName, AREA_LABELS[r.area], LEVEL_LABELS[r.level], ORG_ROLE_LABELS[r.orgRole], r.through])}
            empty="No member on this page holds an admin area."
            visible
          />
          <Pager label="Access review" page={pages.page} nextCursor={loaded.data.nextCursor} onNext={pages.next} onPrevious={pages.previous} />
        </>
      )}
    </section>
  );
}

function SettingsSection(props: { viewer: Viewer }): JSX.Element {
  const loaded = useLoad(() => get<AnalyticsSettings>("/analytics/settings"), "settings");
  const action = useAction();
  const [draft, setDraft] = useState<{ collectAuthorize: boolean; collectProvisioning: boolean } | null>(null);
  const [saved, setSaved] = useState(false);
  const block = props.viewer.access.may.configure_analytics ? null : MANAGE_RULE;
  const current = draft ?? (loaded.data === null ? null : { collectAuthorize: loaded.data.collectAuthorize, collectProvisioning: loaded.data.collectProvisioning });
  const save = async () => {
    if (current === null) return;
    const done = await action.run(() => call<AnalyticsSettings>("PUT", `${ADMIN_API}/analytics/settings`, { body: current }));
    if (done !== undefined) {
      setSaved(true);
      setDraft(null);
      loaded.reload();
    }
  };
  return (
    <section aria-labelledby="collection-heading">
      <h2 id="collection-heading">What is collected</h2>
      <DisabledReason id="collection-disabled" reason={block} />
      {loaded.error !== null && <ErrorNotice error={loaded.error} />}
      {current === null ? (
        loaded.error === null && <Loading what="the collection settings" />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save();
          }}
        >
          <fieldset disabled={block !== null} aria-describedby={block === null ? undefined : "collection-disabled"}>
            <legend>Collect</legend>
            <div>
              <input id="collect-authorize" type="checkbox" checked={current.collectAuthorize} onChange={(e) => { setSaved(false); setDraft({ ...current, collectAuthorize: e.currentTarget.checked }); }} />{" "}
              <label for="collect-authorize">Authorization decisions (per capability, connector and admin area)</label>
            </div>
            <div>
              <input id="collect-provisioning" type="checkbox" checked={current.collectProvisioning} onChange={(e) => { setSaved(false); setDraft({ ...current, collectProvisioning: e.currentTarget.checked }); }} />{" "}
              <label for="collect-provisioning">Provisioning activity (per identity provider)</label>
            </div>
            <p class="hint">Members over time are always counted. Switching collection off drops what the server has not written yet; counts already stored stay until the retention removes them.</p>
            <button type="submit" class="primary" disabled={action.busy || draft === null}>
              Save collection settings
            </button>
          </fieldset>
        </form>
      )}
      {action.error !== null && <ErrorNotice error={action.error} title="Not saved" />}
      {saved && <Notice tone="success">Collection settings saved.</Notice>}
      {loaded.data?.updatedBy != null && (
        <p class="hint">
          Last changed by {loaded.data.updatedBy} at {loaded.data.updatedAt}.
        </p>
      )}
    </section>
  );
}

/** The numbers behind a chart, for screen readers and anyone who prefers a table; the review's table is shown outright. */
function DataTable(props: { caption: string; header: readonly string[]; rows: readonly (readonly string[])[]; empty?: string; visible?: boolean }): JSX.Element {
  if (props.rows.length === 0) return <p>{props.empty ?? "No data in this period."}</p>;
  const table = (
    <table>
      <caption class={props.visible === true ? "visually-hidden" : undefined}>{props.caption}</caption>
      <thead>
        <tr>
          {props.header.map((h) => (
            <th key={h} scope="col">
              {h}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.rows.map((row, i) => (
          <tr key={i}>
            {row.map((cell, j) =>
              j === 0 ? (
                <th key={j} scope="row">
                  {cell}
                </th>
              ) : (
                <td key={j}>{cell}</td>
              ),
            )}
          </tr>
        ))}
      </tbody>
    </table>
  );
  if (props.visible === true) return table;
  return (
    <details>
      <summary>Show the data as a table</summary>
      {table}
    </details>
  );
}
