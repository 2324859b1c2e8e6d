/**
 * The one way the console talks to the server: same-origin fetches carrying the session cookie,
 * every state-changing request with the session's CSRF token, every refusal turned into an
 * {@link ApiFailure} with the API's stable code. A 401 means the session ended: the page goes back
 * to /console, which sends the browser to the organisation's issuer to sign in again.
 */
import type { ApiErrorBody } from "./types";

export const ADMIN_API = "/api/v1/admin";

export class ApiFailure extends Error {
  override readonly name = "ApiFailure";
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Readonly<Record<string, unknown>> = {},
  ) {
    super(message);
  }
}

let csrfToken: string | null = null;

export function adoptCsrfToken(token: string): void {
  csrfToken = token;
}

export interface Answer<T> {
  readonly body: T;
  readonly etag: string | null;
}

type Method = "GET" | "POST" | "PUT" | "DELETE";

export async function call<T>(method: Method, url: string, options: { body?: unknown; ifMatch?: string } = {}): Promise<Answer<T>> {
  const headers: Record<string, string> = { accept: "application/json" };
  if (method !== "GET") {
    if (csrfToken === null) throw new ApiFailure(0, "no_session", "Not signed in yet");
    headers["x-csrf-token"] = csrfToken;
  }
  if (options.body !== undefined) headers["content-type"] = "application/json";
  if (options.ifMatch !== undefined) headers["if-match"] = options.ifMatch;
  let res: Response;
  try {
    res = await fetch(url, { method, headers, credentials: "same-origin", ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }) });
  } catch {
    throw new ApiFailure(0, "network", "The server could not be reached. Check your connection and try again.");
  }
  if (res.status === 401) {
    if (signInAgain()) throw new ApiFailure(401, "unauthorized", "Your session has ended; signing in again…");
    throw new ApiFailure(401, "session_lost", "You are signed out and signing in again did not help. Close this tab and open the console again.");
  }
  const text = await res.text();
  const parsed: unknown = text === "" ? null : parseJson(text);
  if (!res.ok) throw failureOf(res.status, parsed);
  // The answer's shape is the server's own TypeScript type (api/types.ts imports it), and the
  // server's tests check every admin answer against its OpenAPI document: trusted, not re-decoded.
  return { body: parsed as T, etag: res.headers.get("etag") };
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", `${ADMIN_API}${path}`).then((a) => a.body);

const SIGN_IN_ATTEMPT = "console.signInAttempt";

/**
 * This page again: without a session the server sends the browser to the issuer, and back to this
 * page once signed in. Not twice within a minute: a page that comes back from a sign-in still
 * without a session must not reload forever.
 */
export function signInAgain(): boolean {
  const last = Number(window.sessionStorage.getItem(SIGN_IN_ATTEMPT) ?? "0");
  if (Date.now() - last < 60_000) return false;
  window.sessionStorage.setItem(SIGN_IN_ATTEMPT, String(Date.now()));
  const here = window.location.pathname.startsWith("/console") ? window.location.pathname + window.location.search : "/console";
  window.location.assign(here);
  return true;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function isErrorBody(value: unknown): value is ApiErrorBody {
  if (typeof value !== "object" || value === null || !("error" in value)) return false;
  const error = value.error;
  return typeof error === "object" && error !== null && "code" in error && "message" in error && typeof error.code === "string" && typeof error.message === "string";
}

function failureOf(status: number, body: unknown): ApiFailure {
  if (isErrorBody(body)) {
    const { code, message, ...details } = body.error;
    return new ApiFailure(status, code, message, details);
  }
  return new ApiFailure(status, `http_${status}`, `The server answered ${status}.`);
}

/** `W/"<version>"`: the mapping ETag a write must send as If-Match. */
export function mappingEtag(version: number): string {
  return `W/"${version}"`;
}

export function query(params: Record<string, string | undefined>): string {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value !== undefined && value !== "") search.set(key, value);
  const text = search.toString();
  return text === "" ? "" : `?${text}`;
}
