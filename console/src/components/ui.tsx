/** Small building blocks every page uses: links, notices, loading, errors and reasons for disabled controls. */
import type { ComponentChildren, JSX } from "preact";
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from "preact/hooks";
import { ApiFailure, get } from "../api/client";
import type { RoleSummary } from "../api/types";
import { roleNamesFromList } from "../document";
import { NO_ROLE_NAMES, type RoleNames } from "../labels";
import { isPlainClick, navigate } from "../router";
import { inWords } from "../wording";

export function Link(props: { href: string; children: ComponentChildren; class?: string; "aria-current"?: "page" | undefined }): JSX.Element {
  const onClick = (event: MouseEvent) => {
    if (!isPlainClick(event)) return;
    event.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} aria-current={props["aria-current"]} onClick={onClick}>
      {props.children}
    </a>
  );
}

/**
 * A page's heading, focused when the page opens so that keyboard and screen-reader users start there
 * (in the commit that shows it, so no one sees or reads the page before the focus lands).
 */
export function PageTitle(props: { children: ComponentChildren }): JSX.Element {
  const ref = useRef<HTMLHeadingElement>(null);
  useLayoutEffect(() => ref.current?.focus(), []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {props.children}
    </h1>
  );
}

export type Tone = "info" | "success" | "warning" | "error";
const TONE_WORD: Record<Tone, string> = { info: "Note", success: "Done", warning: "Warning", error: "Error" };

/** A message with its kind in words as well as colour. Errors and warnings interrupt (role=alert). */
export function Notice(props: { tone: Tone; title?: string; children?: ComponentChildren; id?: string }): JSX.Element {
  return (
    <div class={`notice notice-${props.tone}`} role={props.tone === "error" || props.tone === "warning" ? "alert" : "status"} id={props.id}>
      <strong class="notice-kind">{props.title ?? TONE_WORD[props.tone]}:</strong> {props.children}
    </div>
  );
}

/** The problems an invalid mapping answer lists (`issues`), each in words; none for any other error. */
function issuesOf(error: unknown): string[] {
  if (!(error instanceof ApiFailure) || !Array.isArray(error.details["issues"])) return [];
  return error.details["issues"].flatMap((issue: unknown) =>
    typeof issue === "object" && issue !== null && "message" in issue && typeof issue.message === "string" ? [inWords(issue.message, NO_ROLE_NAMES)] : [],
  );
}

export function ErrorNotice(props: { error: unknown; title?: string }): JSX.Element {
  const error = props.error;
  const message = error instanceof ApiFailure ? error.message : error instanceof Error ? error.message : String(error);
  const code = error instanceof ApiFailure ? error.code : null;
  const issues = issuesOf(error);
  return (
    <Notice tone="error" {...(props.title === undefined ? {} : { title: props.title })}>
      {message}
      {code !== null && <span class="code"> ({code})</span>}
      {issues.length > 0 && (
        <ul class="issues">
          {issues.map((issue) => (
            <li key={issue}>{issue}</li>
          ))}
        </ul>
      )}
    </Notice>
  );
}

/** Why the controls below are disabled; controls point at it with aria-describedby. */
export function DisabledReason(props: { id: string; reason: string | null }): JSX.Element | null {
  if (props.reason === null) return null;
  return (
    <p class="disabled-reason" id={props.id}>
      <strong>Read only:</strong> {props.reason}
    </p>
  );
}

export function Loading(props: { what: string }): JSX.Element {
  return (
    <p class="loading" role="status">
      Loading {props.what}…
    </p>
  );
}

/**
 * What a page shows of something it loads: the error when the load failed (beside the data a
 * reload keeps), "Loading …" until the first answer, `empty` when the answer holds nothing, and
 * otherwise what `children` renders from it.
 */
export function LoadedView<T>(props: {
  loaded: { readonly data: T | null; readonly error: unknown };
  what: string;
  isEmpty(data: T): boolean;
  empty: ComponentChildren;
  children(data: T): ComponentChildren;
}): JSX.Element {
  const { data, error } = props.loaded;
  return (
    <>
      {error !== null && <ErrorNotice error={error} />}
      {data === null ? error === null && <Loading what={props.what} /> : props.isEmpty(data) ? props.empty : props.children(data)}
    </>
  );
}

/**
 * Role display names by key, read from the role list when the member may read roles (`enabled`);
 * until then, and otherwise, none (roles are named by their keys).
 */
export function useRoleNames(enabled: boolean): RoleNames {
  const [names, setNames] = useState<RoleNames>(NO_ROLE_NAMES);
  useEffect(() => {
    if (!enabled) return undefined;
    let current = true;
    get<{ roles: RoleSummary[] }>("/roles").then(
      ({ roles }) => current && setNames(roleNamesFromList(roles)),
      () => undefined,
    );
    return () => {
      current = false;
    };
  }, [enabled]);
  return names;
}

export interface Loaded<T> {
  readonly data: T | null;
  readonly error: unknown;
  readonly loading: boolean;
  reload(): void;
}

/** Reads something when the page opens (and when `key` changes); `reload` reads it again in place. */
export function useLoad<T>(load: () => Promise<T>, key: string): Loaded<T> {
  const [state, setState] = useState<{ data: T | null; error: unknown; loading: boolean }>({ data: null, error: null, loading: true });
  const [round, setRound] = useState(0);
  const latest = useRef(load);
  latest.current = load;
  useEffect(() => {
    let current = true;
    setState((s) => ({ ...s, loading: true }));
    latest.current().then(
      (data) => current && setState({ data, error: null, loading: false }),
      (error: unknown) => current && setState((s) => ({ data: s.data, error, loading: false })),
    );
    return () => {
      current = false;
    };
  }, [key, round]);
  const reload = useCallback(() => setRound((r) => r + 1), []);
  return { ...state, reload };
}

/**
 * Calls `onNew` when `value` changes after the first render: a form's fields start from the value
 * already, and setting them again once the page has painted would overwrite what was typed meanwhile.
 */
export function useOnNewValue<T>(value: T, onNew: (value: T) => void): void {
  const seen = useRef(value);
  // The latest callback, so a page passing a new closure each render does not re-run the effect.
  const latest = useRef(onNew);
  latest.current = onNew;
  useEffect(() => {
    if (seen.current === value) return;
    seen.current = value;
    latest.current(value);
  }, [value]);
}

/** Runs one write at a time, keeping its error for the page to show. */
export function useAction(): { busy: boolean; error: unknown; run<T>(work: () => Promise<T>): Promise<T | undefined>; clear(): void } {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const run = useCallback(async <T,>(work: () => Promise<T>): Promise<T | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await work();
    } catch (err) {
      setError(err);
      return undefined;
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run, clear: () => setError(null) };
}

/** Keyset paging: the cursors of the pages seen so far, so "Previous" goes back exactly. */
export function usePages(key: string): { cursor: string | undefined; page: number; next(cursor: string): void; previous(): void } {
  const [stack, setStack] = useState<Array<string | undefined>>([undefined]);
  useEffect(() => setStack([undefined]), [key]);
  return {
    cursor: stack[stack.length - 1],
    page: stack.length,
    next: (cursor) => setStack((s) => [...s, cursor]),
    previous: () => setStack((s) => (s.length > 1 ? s.slice(0, -1) : s)),
  };
}

export function Pager(props: { label: string; page: number; nextCursor: string | null; onNext(cursor: string): void; onPrevious(): void }): JSX.Element {
  const { nextCursor } = props;
  return (
    <nav class="pager" aria-label={`${props.label} pages`}>
      <button type="button" disabled={props.page <= 1} onClick={props.onPrevious}>
        Previous page
      </button>
      <span>Page {props.page}</span>
      <button type="button" disabled={nextCursor === null} onClick={() => nextCursor !== null && props.onNext(nextCursor)}>
        Next page
      </button>
    </nav>
  );
}

/** A state in words and a symbol, never colour alone. */
export function Badge(props: { kind: "on" | "off" | "neutral" | "manual" | "scim"; children: ComponentChildren }): JSX.Element {
  return <span class={`badge badge-${props.kind}`}>{props.children}</span>;
}

export function useDebounced<T>(value: T, ms: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return debounced;
}
