/**
 * The console's few server-rendered pages (sign-in refusals, a missing build): plain HTML with no
 * script or style, so they sit under the same Content-Security-Policy as the application.
 */
import type { Response } from "express";

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c] ?? c);
}

/** Answers `status` with a short page: a heading, a sentence, and perhaps a link back (all text escaped). */
export function sendPage(res: Response, status: number, page: { title: string; message: string; link?: { href: string; text: string } }): void {
  const link = page.link === undefined ? "" : `\n<p><a href="${escapeHtml(page.link.href)}">${escapeHtml(page.link.text)}</a></p>`;
  res
    .status(status)
    .type("html")
    .setHeader("Cache-Control", "no-store");
  res.send(`<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(page.title)}</title></head>
<body>
<main>
<h1>${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>${link}
</main>
</body>
</html>
`);
}
