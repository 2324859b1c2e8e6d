/**
 * My access: what the signed-in member holds — org role, each admin area's level, capabilities and
 * connectors — and why, in plain words drawn from the server's explanation (which group or app
 * role gives which role, what a standard role gives, what the organisation's toggles or a platform
 * override switched off). Every member may read it; it is the page of a member with no admin area.
 */
import type { JSX } from "preact";
import { type Section, SECTIONS, SECTION_TABLE } from "../access";
import { ADMIN_API, get } from "../api/client";
import type { Area, Explanation, MyAccess } from "../api/types";
import type { Viewer } from "../app";
import { Badge, ErrorNotice, Link, Loading, PageTitle, useLoad } from "../components/ui";
import { AREAS, AREA_LABELS, LEVEL_LABELS, ORG_ROLE_LABELS, capabilityLabel, connectorLabel } from "../labels";
import { href } from "../router";

type Match = Explanation["matches"][number];
type Grant = Explanation["chains"]["capabilities"][number];

/** `GET /me/export`: the member's own personal data, one JSON document. */
export const MY_EXPORT_URL = `${ADMIN_API}/me/export`;

export function MyAccessPage(props: { viewer: Viewer }): JSX.Element {
  const mine = useLoad(() => get<MyAccess>("/me/access"), "me");
  const { viewer } = props;
  return (
    <>
      <PageTitle>My access</PageTitle>
      <p>
        What you can do in {viewer.session.org.name} as <strong>{viewer.session.member.displayName ?? viewer.session.member.userName}</strong>, and why.
      </p>
      <p>
        <a href={MY_EXPORT_URL} download="my-data.json">
          Download my data
        </a>{" "}
        <span class="hint">(your SCIM record, groups, permission history, audit entries and sessions, as one JSON file)</span>
      </p>
      <OpenSections viewer={viewer} />
      {mine.error !== null && <ErrorNotice error={mine.error} title="Your access could not be read" />}
      {mine.data === null ? mine.error === null && <Loading what="your access" /> : <Explanation mine={mine.data} />}
    </>
  );
}

/** The sections the member can open, as the navigation lists them, or a plain word when there are none. */
function OpenSections(props: { viewer: Viewer }): JSX.Element {
  const { access } = props.viewer;
  const open = SECTIONS.filter((s: Section) => SECTION_TABLE[s].area !== null && access.sections[s] !== "none");
  const products = access.productSections;
  return (
    <section aria-labelledby="open-sections">
      <h2 id="open-sections">Sections you can open</h2>
      {open.length === 0 && products.length === 0 ? (
        <p>You have no admin access: your roles in this organisation give no admin area. If you need one, ask an Owner of the organisation.</p>
      ) : (
        <ul class="plain">
          {open.map((s) => (
            <li key={s}>
              <Link href={href(s)}>{SECTION_TABLE[s].title}</Link> ({access.sections[s] === "manage" || !SECTION_TABLE[s].editable ? "you can use it" : "view only"})
            </li>
          ))}
          {products.map((p) => (
            <li key={p.area}>
              <a href={p.url}>{p.title}</a> (opens the product; you can {p.level})
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function Explanation(props: { mine: MyAccess }): JSX.Element {
  const { permissions: p, explanation: x, groups, appRoles } = props.mine;
  return (
    <>
      <h2>Your role</h2>
      <p>
        You are <strong>{ORG_ROLE_LABELS[p.orgRole]}</strong>. {orgRoleWhy(x)}
      </p>
      <p>
        Your groups: {groups.length === 0 ? "none" : groups.map((g) => `${g.displayName}${g.source === "manual" ? " (manual)" : ""}`).join(", ")}.
        {appRoles.length > 0 && ` Your app roles: ${appRoles.join(", ")}.`}
      </p>
      {x.customRolesNotApplied !== null && (
        <p class="hint">
          Your groups also map to {x.customRolesNotApplied.roles.join(", ")}, but custom roles apply only to members whose role is Custom; as {ORG_ROLE_LABELS[p.orgRole]}, your
          access comes from that role instead.
        </p>
      )}
      <h2>Admin areas</h2>
      <table class="permissions">
        <caption class="visually-hidden">Your level in each admin area, and why</caption>
        <thead>
          <tr>
            <th scope="col">Area</th>
            <th scope="col">Your level</th>
            <th scope="col">Why</th>
          </tr>
        </thead>
        <tbody>
          {AREAS.map((area) => (
            <tr key={area} data-area={area}>
              <th scope="row">{AREA_LABELS[area]}</th>
              <td>
                <span class={`level level-${p.admin[area]}`}>{LEVEL_LABELS[p.admin[area]]}</span>
              </td>
              <td>{areaWhy(x, area)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <Grants title="Capabilities" chains={x.chains.capabilities} label={capabilityLabel} x={x} />
      <Grants title="Connectors" chains={x.chains.connectors} label={connectorLabel} x={x} />
    </>
  );
}

function orgRoleWhy(x: Explanation): string {
  switch (x.orgRole) {
    case "primary_owner":
      return "You are the organisation's Primary Owner, named in its role mapping; that role never comes from a group.";
    case "owner":
    case "admin": {
      const role = x.orgRole;
      const giving = x.matches.filter((m) => m.orgRole === role);
      return `${sourceList(giving)} ${giving.length === 1 ? "makes" : "make"} you ${role === "owner" ? "an Owner" : "an Admin"}.`;
    }
    case "custom": {
      const giving = x.matches.filter((m) => m.roles.length > 0);
      return `${sourceList(giving)} ${giving.length === 1 ? "gives" : "give"} you custom roles (${x.roles.join(", ")}), so your access is what those roles give.`;
    }
    case "user":
      return x.member.active ? "None of your groups or app roles gives you an admin role, so you have what every member has." : "Your account is deactivated, so you have no access.";
  }
}

/** "Your group Finance and your app role BillingAdmins": where a rule matched, never the rule's id. */
function sourceList(matches: readonly Match[]): string {
  const names = [...new Set(matches.map(sourceOf))];
  if (names.length === 0) return "Your role mapping";
  const text = names.length === 1 ? (names[0] ?? "") : `${names.slice(0, -1).join(", ")} and ${names[names.length - 1] ?? ""}`;
  return `Your ${text}`;
}

function sourceOf(m: Match): string {
  return m.kind === "group" ? `group ${m.group.displayName}` : `app role ${m.appRole}`;
}

function areaWhy(x: Explanation, area: Area): string {
  const chain = x.chains.admin[area];
  const level = LEVEL_LABELS[chain.level].toLowerCase();
  switch (chain.source.kind) {
    case "inactive":
      return "Deactivated members have no access.";
    case "owner":
      return chain.source.orgRole === "owner" ? "Owners manage every area." : "The Primary Owner manages every area.";
    case "standard_role":
      return `Every ${chain.source.orgRole === "admin" ? "Admin" : "User"} ${chain.level === "none" ? "has no access here" : `${level} this area`}, as the organisation set it for that role.`;
    case "custom_roles": {
      const grants = chain.source.grants.filter((g) => g.level !== "none");
      if (grants.length === 0) return "None of your custom roles gives this area.";
      return grants.map((g) => `Role ${g.role} (from your ${viaRules(x, g.rules)}) gives ${LEVEL_LABELS[g.level].toLowerCase()}.`).join(" ");
    }
  }
}

function viaRules(x: Explanation, rules: readonly number[]): string {
  const names = [...new Set(x.matches.filter((m) => rules.includes(m.ruleIndex)).map(sourceOf))];
  return names.length === 0 ? "role mapping" : names.join(", ");
}

function Grants(props: { title: string; chains: readonly Grant[]; label: (name: string) => string; x: Explanation }): JSX.Element {
  const shown = props.chains.filter((c) => c.granted || c.base.granted || c.layers.some((l) => l.changed));
  return (
    <>
      <h2>{props.title}</h2>
      {shown.length === 0 ? (
        <p>None.</p>
      ) : (
        <table class="grants">
          <caption class="visually-hidden">Your {props.title.toLowerCase()}, and why</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">You have it</th>
              <th scope="col">Why</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((c) => (
              <tr key={c.name}>
                <th scope="row">{props.label(c.name)}</th>
                <td>{c.granted ? <Badge kind="on">✓ Yes</Badge> : <Badge kind="off">✗ No</Badge>}</td>
                <td>{grantWhy(c, props.x)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

function grantWhy(c: Grant, x: Explanation): string {
  const base =
    c.base.via === "custom_roles"
      ? `Your role${c.base.roles.length === 1 ? "" : "s"} ${c.base.roles.map((r) => `${r.role} (from your ${viaRules(x, r.rules)})`).join(" and ")} ${c.base.roles.length === 1 ? "gives" : "give"} it.`
      : c.base.via === "org_enabled"
        ? "The organisation has it switched on for every member of your role."
        : "None of your roles gives it.";
  const layers = c.layers
    .filter((l) => l.changed)
    .map((l) => `${l.setting === "off" ? "Switched off" : "Switched on"} ${l.layer === "org" ? "by the organisation's settings" : "by a platform override, which no organisation setting can change"}.`);
  return [base, ...layers].join(" ");
}
