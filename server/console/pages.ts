/**
 * The console's few server-rendered pages (sign-in refusals, a provider that does not answer, a
 * missing build): HTML with no script, styled by one stylesheet this server serves itself
 * (`/console/page.css`), so they sit under the same Content-Security-Policy as the application.
 * Each offers its ways on: sign in again, sign out, use another account.
 */
import type { Response } from "express";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

export interface PageLink {
  readonly href: string;
  readonly text: string;
}

export interface Page {
  readonly title: string;
  readonly message: string;
  /** The way on (the first action, shown first). */
  readonly link?: PageLink;
  /** More ways on, after `link`. */
  readonly actions?: readonly PageLink[];
  /** Where this server's path starts behind a proxy (PUBLIC_URL's path), for the stylesheet; "" otherwise. */
  readonly base?: string;
}

/** The path of the pages' stylesheet under /console. */
export const PAGE_CSS_PATH = "/page.css";

/** The pages' look: the application's colours and type, legible at 200 % zoom, contrast ≥ 4.5:1. */
export const PAGE_CSS = `:root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0; min-height: 100vh; display: flex; align-items: flex-start; justify-content: center; }
main { margin: 10vh 1rem 2rem; max-width: 34rem; width: 100%; background: #ffffff; border: 1px solid #d0d7de; border-radius: 8px; padding: 2rem; box-shadow: 0 1px 3px rgba(31, 35, 40, 0.08); }
.product { margin: 0 0 1rem; font-size: 0.875rem; color: #57606a; text-transform: uppercase; letter-spacing: 0.04em; }
h1 { margin: 0 0 0.75rem; font-size: 1.5rem; line-height: 1.3; }
p { line-height: 1.5; }
ul.actions { list-style: none; padding: 0; margin: 1.5rem 0 0; display: flex; flex-wrap: wrap; gap: 0.75rem; }
ul.actions a { display: inline-block; padding: 0.5rem 1rem; border-radius: 6px; border: 1px solid #0969da; color: #0969da; text-decoration: none; font-weight: 600; }
ul.actions li:first-child a { background: #0969da; color: #ffffff; }
ul.actions a:hover { text-decoration: underline; }
ul.actions a:focus-visible { outline: 3px solid #1f2328; outline-offset: 2px; }
`;

/** Answers `status` with a short page: a heading, a sentence, and its ways on (all text escaped). */
export function sendPage(res: Response, status: number, page: Page): void {
  const links = [...(page.link === undefined ? [] : [page.link]), ...(page.actions ?? [])];
  const actions = links.length === 0 ? "" : `\n<ul class="actions">${links.map((l) => `<li><a href="${escapeHtml(l.href)}">${escapeHtml(l.text)}</a></li>`).join("")}</ul>`;
  res
    .status(status)
    .type("html")
    .setHeader("Cache-Control", "no-store");
  res.send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escapeHtml(page.title)}</title><link rel="stylesheet" href="${escapeHtml(`${page.base ?? ""}/console${PAGE_CSS_PATH}`)}"></head>
<body>
<main>
<p class="product">Admin console</p>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>${actions}
</main>
</body>
</html>
`);
}
