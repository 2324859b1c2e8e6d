import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from "node:fs";
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { type Browser, type BrowserContext, type Locator, type Page, chromium } from "playwright-core";
import { type AdminWorld, type MemberKey, ADMIN_MAPPING, MEMBERS, startAdminWorld } from "../server/admin/support";
import type { ProductSections } from "../../server/console-sections";
import type { HarnessOptions } from "../support/harness";
import { type TestIssuer, startIssuer } from "../support/oidc";

/**
 * The console in a real browser: Debian's Chromium driven by playwright-core (which downloads
 * nothing), the page built from console/ by Vite for this test file, served by the real app on a
 * port of 127.0.0.1, members signing in through a real OpenID Provider's login form. Every request
 * the browser makes elsewhere is refused (the provider's login page imports a web font), and every
 * Content-Security-Policy violation of the console fails the test.
 */
const ROOT = resolve(__dirname, "../..");
export const CHROMIUM = "/usr/bin/chromium";

/** Screenshots for docs/ are written only when asked (UPDATE_SCREENSHOTS=1), so CI leaves the tree clean. */
export const UPDATE_SCREENSHOTS = process.env.UPDATE_SCREENSHOTS === "1";

export function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(`The browser tests need Debian's Chromium at ${CHROMIUM}, which is missing. Install it: apt-get update && apt-get install -y chromium (.ci/run does this).`);
  }
  // Chromium's sandbox needs user namespaces that root in a container does not get.
  const asRoot = typeof process.getuid === "function" && process.getuid() === 0;
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: asRoot ? ["--no-sandbox"] : [] });
}

/**
 * The console built from its sources, once per content: the build lands in a directory named by a
 * hash of console/ and package-lock.json, so every browser test file, worker and database pass of a
 * run (and the next run, until a source changes) shares one Vite build instead of making its own.
 * Workers racing to build each build into a directory of their own and rename it into place; the
 * rename is atomic, and a loser's build is dropped.
 */
export function buildConsole(): { dir: string } {
  const dir = join(tmpdir(), `scim-console-build-${consoleSourceHash()}`);
  if (existsSync(join(dir, "index.html"))) return { dir };
  const building = mkdtempSync(join(tmpdir(), "console-build-"));
  const vite = join(dirname(require.resolve("vite/package.json")), "bin", "vite.js");
  const built = spawnSync(process.execPath, [vite, "build", "--config", join(ROOT, "console", "vite.config.mts"), "--outDir", building, "--emptyOutDir"], {
    cwd: ROOT,
    encoding: "utf8",
    env: { PATH: process.env.PATH, HOME: process.env.HOME },
  });
  if (built.status !== 0 || !existsSync(join(building, "index.html"))) {
    rmSync(building, { recursive: true, force: true });
    throw new Error(`vite build failed (${built.status}):\n${built.stdout}\n${built.stderr}`);
  }
  try {
    renameSync(building, dir);
  } catch {
    // Another worker put the same build in place first.
    rmSync(building, { recursive: true, force: true });
  }
  return { dir };
}

/** A hash of everything the console's build reads: its sources and configuration, and the locked dependencies. */
function consoleSourceHash(): string {
  const hash = createHash("sha256");
  const add = (path: string): void => {
    if (statSync(path).isDirectory()) {
      for (const name of readdirSync(path).sort()) if (name !== "dist") add(join(path, name));
      return;
    }
    hash.update(relative(ROOT, path)).update("\0").update(readFileSync(path)).update("\0");
  };
  add(join(ROOT, "console"));
  add(join(ROOT, "package-lock.json"));
  return hash.digest("hex").slice(0, 16);
}

/**
 * The browser tests' mapping: the admin tests' organisation, with the finance role also listing a
 * connector the organisation switched off (jira), so a member page has a layer to explain.
 */
export const BROWSER_MAPPING = ADMIN_MAPPING.replace(
  "finance: { description: Spend, admin: { billing: manage }, capabilities: [web_search] }",
  "finance: { description: Invoices and spend, admin: { billing: manage, analytics: view }, capabilities: [web_search], connectors: [slack, jira] }",
);

export interface ConsoleInBrowser extends AdminWorld {
  readonly op: TestIssuer;
  /** http://127.0.0.1:<port>, the console's public URL. */
  readonly base: string;
  readonly browser: Browser;
  /** A fresh browser (its own cookies) at the console's front door (or at `path`, under /console), signed in as `member`. */
  signIn(member: MemberKey, path?: string): Promise<Page>;
  /** Content-Security-Policy violations and page errors seen by this test's pages. */
  readonly problems: string[];
}

/**
 * One Chromium, one OpenID Provider and one built console for the file; a fresh organisation and app
 * per test, always on the same port, which is the redirect URI registered at the provider.
 */
export function consoleInBrowserPerTest(options: { mapping?: string; productSections?: ProductSections; app?: HarnessOptions["app"] } = {}): ConsoleInBrowser {
  let browser: Browser | null = null;
  let op: TestIssuer | null = null;
  let server: Server | null = null;
  let build: { dir: string } | null = null;
  let base = "";
  let world: AdminWorld | null = null;
  const contexts: BrowserContext[] = [];
  const problems: string[] = [];

  beforeAll(async () => {
    browser = await launchChromium();
    build = buildConsole();
    server = createServer();
    await new Promise<void>((ok) => server?.listen(0, "127.0.0.1", ok));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    op = await startIssuer({ redirectUri: `${base}/console/callback` });
  });
  afterAll(async () => {
    await browser?.close();
    await op?.close();
    server?.closeAllConnections();
    await new Promise((ok) => (server === null ? ok(undefined) : server.close(ok)));
  });
  beforeEach(async () => {
    if (op === null || server === null || build === null) throw new Error("the browser, the provider or the build did not start");
    problems.length = 0;
    const appOptions = { ...options.app, ...(options.productSections === undefined ? {} : { productSections: options.productSections }) };
    world = await startAdminWorld(op, { mapping: options.mapping ?? BROWSER_MAPPING, harness: { publicUrl: base, console: { distDir: build.dir }, app: appOptions } });
    const app = world.h.app;
    server.removeAllListeners("request");
    server.on("request", app);
  });
  afterEach(async () => {
    for (const context of contexts.splice(0)) await context.close();
    server?.closeAllConnections();
    await world?.h.close();
    world = null;
  });

  const current = (): AdminWorld => {
    if (world === null) throw new Error("no organisation outside a test");
    return world;
  };
  return {
    get op() {
      if (op === null) throw new Error("the provider did not start");
      return op;
    },
    get base() {
      return base;
    },
    get browser() {
      if (browser === null) throw new Error("Chromium did not start");
      return browser;
    },
    get h() {
      return current().h;
    },
    get ids() {
      return current().ids;
    },
    get groups() {
      return current().groups;
    },
    as: (member) => current().as(member),
    problems,
    signIn: async (member, path = "/console") => {
      if (browser === null) throw new Error("Chromium did not start");
      const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, reducedMotion: "reduce" });
      contexts.push(context);
      await context.route("**/*", (route) => (new URL(route.request().url()).hostname === "127.0.0.1" ? route.continue() : route.abort()));
      const page = await context.newPage();
      page.on("console", (message) => {
        if (page.url().startsWith(base) && /Content Security Policy|Refused to/i.test(message.text())) problems.push(`${page.url()}: ${message.text()}`);
      });
      page.on("pageerror", (error) => problems.push(`${page.url()}: ${error.message}`));
      await signInAt(page, base, MEMBERS[member], path);
      return page;
    },
  };
}

/** Visits /console, signs in on the provider's own login form (and consents), and waits for the console. */
async function signInAt(page: Page, base: string, login: string, path: string): Promise<void> {
  await page.goto(`${base}${path}`);
  await throughProvider(page, base, login);
  if (!page.url().startsWith(`${base}/console`)) throw new Error(`sign-in as ${login} ended at ${page.url()}: ${await page.content()}`);
  await page.locator("header.top, main h1").first().waitFor();
}

/** Fills the provider's login form (and consents) until the browser is back at the console, at most six steps. */
export async function throughProvider(page: Page, base: string, login: string): Promise<void> {
  for (let step = 0; step < 6 && !page.url().startsWith(`${base}/console`); step++) {
    const loginField = page.locator('input[name="login"]');
    if (await loginField.count()) {
      await loginField.fill(login);
      await page.locator('input[name="password"]').fill("any password");
      await Promise.all([page.waitForNavigation(), page.getByRole("button", { name: "Sign-in" }).click()]);
      continue;
    }
    const consent = page.getByRole("button", { name: "Continue" });
    if (await consent.count()) {
      await Promise.all([page.waitForNavigation(), consent.click()]);
      continue;
    }
    await page.waitForLoadState();
  }
}

/** Runs axe-core (from node_modules, evaluated in the page: nothing is fetched) and returns its violations, one line each. */
export async function accessibilityViolations(page: Page): Promise<string[]> {
  await page.evaluate(readFileSync(require.resolve("axe-core/axe.min.js"), "utf8"));
  const found: unknown = await page.evaluate(`axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } })
    .then((result) => result.violations.map((v) => v.id + " (" + v.impact + "): " + v.help + " — " + v.nodes.map((n) => JSON.stringify(n.target)).join(", ")))`);
  if (!Array.isArray(found) || !found.every((line): line is string => typeof line === "string")) throw new Error(`axe-core answered ${JSON.stringify(found)}`);
  return found;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  if (!UPDATE_SCREENSHOTS) return;
  mkdirSync(join(ROOT, "docs"), { recursive: true });
  await page.screenshot({ path: join(ROOT, "docs", name), fullPage: true });
}

/** A page's title: its one level-1 heading. */
export const heading = (page: Page, name: string | RegExp): Locator => page.getByRole("heading", { level: 1, name });

/** Waits until nothing on the page says it is loading (parts of a page load one after another). */
export async function loaded(page: Page): Promise<void> {
  const loading = page.getByRole("status").filter({ hasText: /^Loading/ });
  while ((await loading.count()) > 0) await loading.first().waitFor({ state: "detached" });
}
