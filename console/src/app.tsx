/**
 * The console's frame: the session and the member's levels are read once, then the sections the
 * member may see are in the navigation, grouped by admin area in the product's order, and the page
 * for the current URL is shown. Every member has My access; a member with no admin area lands there.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Access, type ProductSection, type Section, SECTIONS, SECTION_TABLE, accessOf } from "./access";
import { ApiFailure, ADMIN_API, call, adoptCsrfToken } from "./api/client";
import type { Area, Me, Session } from "./api/types";
import { ErrorNotice, Link, Loading, PageTitle } from "./components/ui";
import { AREAS, AREA_LABELS } from "./labels";
import { ActivityPage } from "./pages/activity";
import { AnalyticsPage } from "./pages/analytics";
import { AuditPage } from "./pages/audit";
import { MyAccessPage } from "./pages/my-access";
import { AuthenticationPage } from "./pages/authentication";
import { GroupPage, GroupsPage } from "./pages/groups";
import { MemberPage, MembersPage } from "./pages/members";
import { OrganisationPage } from "./pages/organisation";
import { PrivacyPage } from "./pages/privacy";
import { RoleEditorPage } from "./pages/role-editor";
import { RolesPage } from "./pages/roles";
import { ScimPage } from "./pages/scim";
import { SsoPage } from "./pages/sso";
import { allowLiveUpdates } from "./live";
import { type Route, BASE, href, navigate, parseRoute, useLocation } from "./router";

export interface Viewer {
  readonly session: Session;
  readonly me: Me;
  readonly access: Access;
}

type Boot = { state: "loading" } | { state: "ready"; viewer: Viewer } | { state: "refused"; message: string } | { state: "failed"; error: unknown } | { state: "signed_out" };

export function App(): JSX.Element {
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  useEffect(() => {
    (async () => {
      const { body: session } = await call<Session>("GET", `${BASE}/session`);
      adoptCsrfToken(session.csrfToken);
      const { body: me } = await call<Me>("GET", `${ADMIN_API}/me`);
      allowLiveUpdates(me.may.read_roles);
      setBoot({ state: "ready", viewer: { session, me, access: accessOf(me) } });
    })().catch((error: unknown) => {
      if (error instanceof ApiFailure && error.code === "unauthorized") return; // signing in again
      if (error instanceof ApiFailure && error.status === 403) setBoot({ state: "refused", message: error.message });
      else setBoot({ state: "failed", error });
    });
  }, []);

  switch (boot.state) {
    case "loading":
      return (
        <main id="main" class="bare">
          <Loading what="the console" />
        </main>
      );
    case "failed":
      return (
        <main id="main" class="bare">
          <h1>Admin console</h1>
          <ErrorNotice error={boot.error} title="The console could not start" />
        </main>
      );
    case "refused":
      return (
        <main id="main" class="bare">
          <PageTitle>You cannot use the console</PageTitle>
          <p class="detail">{boot.message}</p>
          <WaysOn />
        </main>
      );
    case "signed_out":
      return (
        <main id="main" class="bare">
          <PageTitle>You are signed out</PageTitle>
          <p>Your console session has ended. Your organisation's sign-in provider may still have you signed in.</p>
          <WaysOn />
        </main>
      );
    case "ready": {
      const signOut = async () => {
        await call("POST", `${BASE}/logout`).catch(() => undefined);
        setBoot({ state: "signed_out" });
      };
      return <Shell viewer={boot.viewer} onSignOut={signOut} />;
    }
  }
}

/** Out of a refusal or a sign-out: sign in again, as someone else, or out at the provider too (server/console/sign-in.ts). */
function WaysOn(): JSX.Element {
  return (
    <ul class="actions">
      <li>
        <a href={`${BASE}/`}>Sign in again</a>
      </li>
      <li>
        <a href={`${BASE}/switch-account`}>Use another account</a>
      </li>
      <li>
        <a href={`${BASE}/sign-out`}>Sign out of your sign-in provider</a>
      </li>
    </ul>
  );
}

function Shell(props: { viewer: Viewer; onSignOut(): void }): JSX.Element {
  const location = useLocation();
  const url = new URL(location, window.location.origin);
  const route = parseRoute(url.pathname, url.search);
  const { access, session } = props.viewer;
  // Home is the first admin section the member may open; My access when there is none.
  const first = SECTIONS.find((s) => SECTION_TABLE[s].area !== null && access.sections[s] !== "none") ?? "access";
  useEffect(() => {
    if (route.page === "home") navigate(href(first), { replace: true });
  }, [route.page, first]);
  const current = sectionOf(route);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <span class="brand">Admin console · {session.org.name}</span>
        <span class="who">
          Signed in as <strong>{session.member.displayName ?? session.member.userName}</strong>
        </span>
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <Navigation access={access} current={current} />
      <main id="main">
        {current !== null && access.sections[current] === "none" ? <Hidden /> : <Page route={route} viewer={props.viewer} key={location} />}
      </main>
    </div>
  );
}

/**
 * The sections by admin area, in the product's order: each area the member holds at view or manage
 * is a group with its sections ("view only" where its controls are disabled) and the product's own
 * page for it (CONSOLE_SECTIONS); areas they hold at no access are absent.
 */
function Navigation(props: { access: Access; current: Section | null }): JSX.Element {
  const { access, current } = props;
  const item = (s: Section): JSX.Element => (
    <li key={s}>
      <Link href={href(s)} aria-current={current === s ? "page" : undefined}>
        {SECTION_TABLE[s].title}
        {access.sections[s] === "view" && SECTION_TABLE[s].editable && <span class="level"> (view only)</span>}
      </Link>
    </li>
  );
  const areas = AREAS.map((area: Area) => ({
    area,
    sections: SECTIONS.filter((s) => SECTION_TABLE[s].area === area && access.sections[s] !== "none"),
    products: access.productSections.filter((p) => p.area === area),
  })).filter((a) => a.sections.length > 0 || a.products.length > 0);
  return (
    <nav class="sections" aria-label="Sections">
      <ul>{SECTIONS.filter((s) => SECTION_TABLE[s].area === null).map(item)}</ul>
      {areas.map((a) => (
        <div class="area" key={a.area}>
          <h2 class="area-title" id={`nav-${a.area}`}>
            {AREA_LABELS[a.area]}
          </h2>
          <ul aria-labelledby={`nav-${a.area}`}>
            {a.sections.map(item)}
            {a.products.map((p) => (
              <ProductLink key={p.area} section={p} />
            ))}
          </ul>
        </div>
      ))}
    </nav>
  );
}

/** The product's own page for an area: a plain link that says where it goes and what the member may do there. */
function ProductLink(props: { section: ProductSection }): JSX.Element {
  const { section } = props;
  return (
    <li>
      <a href={section.url} class="product-link">
        {section.title}
        <span class="level"> — opens the product (you can {section.level})</span>
      </a>
    </li>
  );
}

function sectionOf(route: Route): Section | null {
  switch (route.page) {
    case "roles":
    case "role":
      return "roles";
    case "groups":
    case "group":
      return "groups";
    case "members":
    case "member":
      return "members";
    case "organisation":
      return "organisation";
    case "audit":
      return "audit";
    case "privacy":
      return "privacy";
    case "access":
      return "access";
    case "activity":
      return "activity";
    case "sso":
    case "scim":
    case "authentication":
      return route.page;
    case "analytics":
      return "analytics";
    case "home":
    case "not_found":
      return null;
  }
}

function Page(props: { route: Route; viewer: Viewer }): JSX.Element {
  const { route, viewer } = props;
  switch (route.page) {
    case "home":
      return <Loading what="your sections" />;
    case "roles":
      return <RolesPage viewer={viewer} />;
    case "role":
      return <RoleEditorPage viewer={viewer} name={route.name} />;
    case "groups":
      return <GroupsPage viewer={viewer} />;
    case "group":
      return <GroupPage viewer={viewer} id={route.id} />;
    case "members":
      return <MembersPage viewer={viewer} />;
    case "member":
      return <MemberPage viewer={viewer} id={route.id} />;
    case "organisation":
      return <OrganisationPage viewer={viewer} />;
    case "audit":
      return <AuditPage viewer={viewer} />;
    case "privacy":
      return <PrivacyPage viewer={viewer} />;
    case "access":
      return <MyAccessPage viewer={viewer} />;
    case "activity":
      return <ActivityPage viewer={viewer} />;
    case "sso":
      return <SsoPage viewer={viewer} />;
    case "scim":
      return <ScimPage viewer={viewer} />;
    case "authentication":
      return <AuthenticationPage viewer={viewer} />;
    case "analytics":
      return <AnalyticsPage viewer={viewer} />;
    case "not_found":
      return (
        <>
          <PageTitle>Page not found</PageTitle>
          <p>There is no such page in the console.</p>
        </>
      );
  }
}

function Hidden(): JSX.Element {
  return (
    <>
      <PageTitle>Not available</PageTitle>
      <p>Your roles do not give you access to this section.</p>
    </>
  );
}
