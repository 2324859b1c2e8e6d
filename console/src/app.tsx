/**
 * The console's frame: the session and the member's levels are read once, then the sections the
 * member may see are in the navigation and the page for the current URL is shown. A member allowed
 * nothing gets a plain page saying so, not an error.
 */
import type { JSX } from "preact";
import { useEffect, useState } from "preact/hooks";
import { type Access, type Section, EDITABLE, SECTIONS, accessOf, hasAnyAccess } from "./access";
import { ApiFailure, ADMIN_API, call, useCsrfToken } from "./api/client";
import type { Me, Session } from "./api/types";
import { ErrorNotice, Link, Loading, PageTitle } from "./components/ui";
import { AnalyticsPage } from "./pages/analytics";
import { AuditPage } from "./pages/audit";
import { GroupPage, GroupsPage } from "./pages/groups";
import { MemberPage, MembersPage } from "./pages/members";
import { OrganisationPage } from "./pages/organisation";
import { RoleEditorPage } from "./pages/role-editor";
import { RolesPage } from "./pages/roles";
import { allowLiveUpdates } from "./live";
import { type Route, BASE, href, navigate, parseRoute, useLocation } from "./router";

export interface Viewer {
  readonly session: Session;
  readonly me: Me;
  readonly access: Access;
}

type Boot = { state: "loading" } | { state: "ready"; viewer: Viewer } | { state: "refused"; message: string } | { state: "failed"; error: unknown } | { state: "signed_out" };

const SECTION_TITLES: Record<Section, string> = {
  roles: "Roles",
  groups: "Groups",
  members: "Members",
  organisation: "Organisation",
  audit: "Audit",
  analytics: "Analytics",
};

export function App(): JSX.Element {
  const [boot, setBoot] = useState<Boot>({ state: "loading" });
  useEffect(() => {
    (async () => {
      const { body: session } = await call<Session>("GET", `${BASE}/session`);
      useCsrfToken(session.csrfToken);
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
      return <NoAccess detail={boot.message} onSignOut={null} />;
    case "signed_out":
      return (
        <main id="main" class="bare">
          <PageTitle>You are signed out</PageTitle>
          <p>
            <a href={BASE}>Sign in again</a>
          </p>
        </main>
      );
    case "ready": {
      const signOut = async () => {
        await call("POST", `${BASE}/logout`).catch(() => undefined);
        setBoot({ state: "signed_out" });
      };
      if (!hasAnyAccess(boot.viewer.access)) return <NoAccess detail={null} onSignOut={signOut} viewer={boot.viewer} />;
      return <Shell viewer={boot.viewer} onSignOut={signOut} />;
    }
  }
}

function NoAccess(props: { detail: string | null; onSignOut: (() => void) | null; viewer?: Viewer }): JSX.Element {
  return (
    <main id="main" class="bare">
      <PageTitle>You have no admin access</PageTitle>
      <p>
        {props.viewer === undefined ? "" : `You are signed in as ${props.viewer.session.member.userName}. `}
        Your roles in this organisation do not include any admin area. If you need access, ask an Owner of the organisation.
      </p>
      {props.detail !== null && <p class="detail">{props.detail}</p>}
      {props.onSignOut !== null && (
        <button type="button" onClick={props.onSignOut}>
          Sign out
        </button>
      )}
    </main>
  );
}

function Shell(props: { viewer: Viewer; onSignOut(): void }): JSX.Element {
  const location = useLocation();
  const url = new URL(location, window.location.origin);
  const route = parseRoute(url.pathname, url.search);
  const { access, session } = props.viewer;
  const visible = SECTIONS.filter((s) => access.sections[s] !== "none");
  const first = visible[0];
  useEffect(() => {
    if (route.page === "home" && first !== undefined) navigate(href(first), { replace: true });
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
      <nav class="sections" aria-label="Sections">
        <ul>
          {visible.map((s) => (
            <li key={s}>
              <Link href={href(s)} aria-current={current === s ? "page" : undefined}>
                {SECTION_TITLES[s]}
                {access.sections[s] === "view" && EDITABLE[s] && <span class="level"> (view only)</span>}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main">
        {current !== null && access.sections[current] === "none" ? <Hidden /> : <Page route={route} viewer={props.viewer} key={location} />}
      </main>
    </div>
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
