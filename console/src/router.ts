/**
 * Pages are real URLs under /console (the server answers every /console/* path with the page), so
 * links can be opened in a new tab, bookmarked and followed with the keyboard; a click on an
 * internal link changes the history instead of reloading.
 */
import { useEffect, useState } from "preact/hooks";

export const BASE = "/console";

export type Route =
  | { readonly page: "home" }
  | { readonly page: "roles" }
  | { readonly page: "role"; readonly name: string | null }
  | { readonly page: "groups" }
  | { readonly page: "group"; readonly id: string }
  | { readonly page: "members" }
  | { readonly page: "member"; readonly id: string }
  | { readonly page: "organisation" }
  | { readonly page: "audit" }
  | { readonly page: "privacy" }
  | { readonly page: "access" }
  | { readonly page: "activity" }
  | { readonly page: "sso" }
  | { readonly page: "scim" }
  | { readonly page: "authentication" }
  | { readonly page: "analytics" }
  | { readonly page: "not_found" };

/** `/console/roles/new?name=x` is the editor of a role not saved yet; `/console/roles/new` alone is a role named "new". */
export function parseRoute(pathname: string, search = ""): Route {
  const path = pathname.startsWith(BASE) ? pathname.slice(BASE.length) : pathname;
  const parts = path.split("/").filter((p) => p !== "").map(decodeURIComponent);
  const [section, item, extra] = parts;
  if (extra !== undefined) return { page: "not_found" };
  switch (section) {
    case undefined:
      return { page: "home" };
    case "roles":
      return item === undefined ? { page: "roles" } : { page: "role", name: item === "new" && new URLSearchParams(search).has("name") ? null : item };
    case "groups":
      return item === undefined ? { page: "groups" } : { page: "group", id: item };
    case "members":
      return item === undefined ? { page: "members" } : { page: "member", id: item };
    case "organisation":
      return item === undefined ? { page: "organisation" } : { page: "not_found" };
    case "audit":
      return item === undefined ? { page: "audit" } : { page: "not_found" };
    case "privacy":
      return item === undefined ? { page: "privacy" } : { page: "not_found" };
    case "access":
      return item === undefined ? { page: "access" } : { page: "not_found" };
    case "activity":
      return item === undefined ? { page: "activity" } : { page: "not_found" };
    case "sso":
    case "scim":
    case "authentication":
      return item === undefined ? { page: section } : { page: "not_found" };
    case "analytics":
      return item === undefined ? { page: "analytics" } : { page: "not_found" };
    default:
      return { page: "not_found" };
  }
}

/** `/console/…` for a path of the console, its parts encoded. */
export function href(...parts: string[]): string {
  return [BASE, ...parts.map(encodeURIComponent)].join("/");
}

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (options.replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  for (const listener of listeners) listener();
}

export function useLocation(): string {
  const [path, setPath] = useState(window.location.pathname + window.location.search);
  useEffect(() => {
    const update = () => setPath(window.location.pathname + window.location.search);
    listeners.add(update);
    window.addEventListener("popstate", update);
    return () => {
      listeners.delete(update);
      window.removeEventListener("popstate", update);
    };
  }, []);
  return path;
}

/** A click that the page handles itself: the main button, no modifier (those open new tabs or windows). */
export function isPlainClick(event: MouseEvent): boolean {
  return event.button === 0 && !event.metaKey && !event.ctrlKey && !event.shiftKey && !event.altKey && !event.defaultPrevented;
}
