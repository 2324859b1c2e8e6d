import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Express } from "express";
import request, { type Response } from "supertest";
import { SESSION_COOKIE } from "../../../server/console/sessions";
import { TEST_CONSOLE_URL, type TestIssuer } from "../../support/oidc";
import { type AdminWorld, type AdminWorldOptions, adminWorldPerTest } from "../admin/support";

/**
 * The console's server side, driven as a browser drives it: a cookie jar per browser, the issuer's
 * real login form (oidc-provider), and a clock the sessions read, which a test moves forward.
 */
export const INDEX_HTML = '<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Admin console</title><script type="module" src="/console/assets/app-1a2b3c.js"></script></head><body><div id="app"></div></body></html>\n';

/** A built console as Vite leaves it: index.html and hashed assets. */
export function builtConsole(): { dir: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "console-dist-"));
  writeFileSync(join(dir, "index.html"), INDEX_HTML);
  mkdirSync(join(dir, "assets"));
  writeFileSync(join(dir, "assets", "app-1a2b3c.js"), "export const console = true;\n");
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The sessions' clock: real time plus what the test moved it forward. */
export interface Clock {
  now(): number;
  advance(minutes: number): void;
}

/** A browser: remembers the cookies the server sets (and forgets the ones it clears). */
export class Browser {
  readonly jar = new Map<string, string>();
  constructor(private readonly app: Express) {}

  get(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(request(this.app).get(path), headers);
  }

  post(path: string, body?: object, headers: Record<string, string> = {}): Promise<Response> {
    const req = request(this.app).post(path);
    return this.send(body === undefined ? req : req.send(body), headers);
  }

  put(path: string, body: object, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(request(this.app).put(path).send(body), headers);
  }

  delete(path: string, headers: Record<string, string> = {}): Promise<Response> {
    return this.send(request(this.app).delete(path), headers);
  }

  cookieHeader(): string {
    return [...this.jar].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  private async send(req: request.Test, headers: Record<string, string>): Promise<Response> {
    for (const [name, value] of Object.entries(headers)) req.set(name, value);
    if (this.jar.size > 0) req.set("Cookie", this.cookieHeader());
    const res = await req;
    for (const cookie of setCookies(res)) {
      const pair = cookie.split(";")[0] ?? "";
      const at = pair.indexOf("=");
      const [name, value] = [pair.slice(0, at), pair.slice(at + 1)];
      if (value === "" || /;\s*Max-Age=0/i.test(cookie)) this.jar.delete(name);
      else this.jar.set(name, value);
    }
    return res;
  }
}

export function setCookies(res: Response): string[] {
  const header: unknown = res.headers["set-cookie"];
  return Array.isArray(header) ? header.filter((c): c is string => typeof c === "string") : typeof header === "string" ? [header] : [];
}

export function setCookie(res: Response, name: string): string | undefined {
  return setCookies(res).find((c) => c.startsWith(`${name}=`));
}

export interface SignedIn {
  /** The console's redirect to the issuer. */
  readonly start: Response;
  /** Where the issuer sent the browser back (the callback URL with code and state). */
  readonly back: URL;
  /** The console's answer to the callback. */
  readonly callback: Response;
}

/** Visits `path`, signs in at the issuer as `login`, and brings the browser back to the console's callback. */
export async function signIn(browser: Browser, op: TestIssuer, login: string, path = "/console"): Promise<SignedIn> {
  const start = await browser.get(path);
  if (start.status !== 302) throw new Error(`expected a redirect to the issuer, got ${start.status} ${start.text}`);
  const back = await op.authorize(String(start.headers["location"]), login);
  const callback = await browser.get(`${back.pathname}${back.search}`);
  return { start, back, callback };
}

/** A browser signed in as `login`, with its CSRF token. */
export async function signedInBrowser(world: ConsoleWorld, login: string): Promise<{ browser: Browser; csrf: string }> {
  const browser = new Browser(world.h.app);
  const { callback } = await signIn(browser, world.op, login);
  if (callback.status !== 302 || !browser.jar.has(SESSION_COOKIE)) throw new Error(`sign-in of ${login} failed: ${callback.status} ${callback.text}`);
  const session = await browser.get("/console/session");
  return { browser, csrf: (session.body as { csrfToken: string }).csrfToken };
}

export interface ConsoleWorld extends AdminWorld {
  readonly op: TestIssuer;
  readonly clock: Clock;
}

/** The admin world of test/server/admin, served with the console at TEST_CONSOLE_URL and a movable clock. */
export function consoleWorldPerTest(options: AdminWorldOptions & { idleMinutes?: number; sessionHours?: number } = {}): ConsoleWorld {
  let offset = 0;
  const clock: Clock = { now: () => Date.now() + offset, advance: (minutes) => (offset += minutes * 60_000) };
  const dist = builtConsole();
  afterAll(() => dist.remove());
  beforeEach(() => {
    offset = 0;
  });
  const world = adminWorldPerTest({
    ...options,
    harness: {
      publicUrl: TEST_CONSOLE_URL,
      ...options.harness,
      console: {
        distDir: dist.dir,
        now: clock.now,
        ...(options.idleMinutes === undefined ? {} : { idleMinutes: options.idleMinutes }),
        ...(options.sessionHours === undefined ? {} : { sessionHours: options.sessionHours }),
        ...options.harness?.console,
      },
    },
  });
  return {
    clock,
    get op() {
      return world.op;
    },
    get h() {
      return world.h;
    },
    get ids() {
      return world.ids;
    },
    get groups() {
      return world.groups;
    },
    as: (member) => world.as(member),
  };
}
