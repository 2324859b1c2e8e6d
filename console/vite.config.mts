/**
 * The console's build: static files in console/dist that the server serves under /console (the page
 * at /console/*, its files at /console/assets/*). The server's Content-Security-Policy allows only
 * its own scripts and styles, so nothing is inlined into the page and nothing comes from a CDN.
 */
import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "/console/",
  logLevel: "warn",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    target: "es2022",
    // Fonts or images small enough to inline would become data: URLs; keep every asset a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
  },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
});
