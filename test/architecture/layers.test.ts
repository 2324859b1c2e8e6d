import { readFileSync, readdirSync } from "node:fs";
import { join, relative, resolve, dirname } from "node:path";

/**
 * STYLE.md habit 1: folders are the architecture. Imports flow server → {scim, roles} → {mapping, db},
 * and server/, scim/ and roles/ may use http/, the leaf that holds what SCIM and /api share;
 * scim/ reaches roles/ only through the PermissionSync interface that roles/ implements, and roles/
 * may know only that interface of scim/. ESLint enforces the same arrows file by file
 * (eslint.config.mjs); this test reads every import of every layer so that a loosened lint rule
 * cannot quietly let an arrow back in.
 */
const ROOT = resolve(__dirname, "../..");
const LAYERS = ["server", "scim", "roles", "mapping", "db", "http"] as const;
type Layer = (typeof LAYERS)[number];

const MAY_IMPORT: Readonly<Record<Layer, readonly Layer[]>> = {
  server: ["scim", "roles", "mapping", "db", "http"],
  scim: ["mapping", "db", "http"],
  roles: ["mapping", "db", "http"],
  mapping: [],
  db: [],
  // The steps SCIM and /api both take (request id, body guard, request problems, async routes).
  http: [],
};

/** The one file of scim/ that roles/ may import, as types only: the port it implements. */
const ROLES_MAY_IMPORT_FROM_SCIM = "scim/context";

/** A leaf file that imports nothing: every layer and the console may use it (the one JSON object guard). */
const SHARED_LEAF = "mapping/json";

/** The package's manifest, which server/ reads for the product's version (`--version`). */
const MANIFEST = "package.json";

function sourcesOf(dir: string, extensions: readonly string[] = [".ts"]): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourcesOf(path, extensions);
    return extensions.some((ext) => entry.name.endsWith(ext)) ? [path] : [];
  });
}

/** Every import statement of `file`: whether it is `import type`, and what it names. */
function importStatementsOf(file: string): { file: string; typeOnly: boolean; specifier: string }[] {
  return [...readFileSync(join(ROOT, file), "utf8").matchAll(/^import\s+(type\s+)?[^;]*?from\s+"([^"]+)"/gms)].map((m) => ({ file, typeOnly: m[1] !== undefined, specifier: m[2] ?? "" }));
}

function importsOf(file: string): string[] {
  const text = readFileSync(join(ROOT, file), "utf8");
  return [...text.matchAll(/(?:from|import)\s+"([^"]+)"/g)].map((match) => match[1] ?? "");
}

/** The layer and layer-relative path (without extension) an import of `file` reaches, or null for a package. */
function target(file: string, specifier: string): { layer: string; path: string } | null {
  if (!specifier.startsWith(".")) return null;
  const path = relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.ts$/, "");
  return { layer: path.split("/")[0] ?? "", path };
}

const arrows = LAYERS.flatMap((layer) =>
  sourcesOf(layer).flatMap((file) =>
    importsOf(file).flatMap((specifier) => {
      const to = target(file, specifier);
      return to === null || to.layer === layer ? [] : [{ layer, file, to }];
    }),
  ),
);

describe("the layers import one way", () => {
  it("has imports between layers to check", () => {
    expect(arrows.length).toBeGreaterThan(20);
  });

  it.each(LAYERS.map((layer) => [layer]))("%s/ imports only the layers below it", (layer) => {
    const wrong = arrows
      .filter((a) => a.layer === layer)
      .filter((a) => !(MAY_IMPORT[layer] as readonly string[]).includes(a.to.layer))
      .filter((a) => !(layer === "roles" && a.to.path === ROLES_MAY_IMPORT_FROM_SCIM))
      .filter((a) => a.to.path !== SHARED_LEAF)
      .filter((a) => !(layer === "server" && a.to.path === MANIFEST))
      .map((a) => `${a.file} → ${a.to.path}`);
    expect(wrong).toEqual([]);
  });

  it("lets roles/ take from scim/ only the types of the port it implements (import type)", () => {
    const statements = sourcesOf("roles").flatMap((file) => importStatementsOf(file));
    const intoScim = statements.filter((s) => target(s.file, s.specifier)?.layer === "scim");
    expect(intoScim.length).toBeGreaterThan(0);
    expect(intoScim.filter((s) => !s.typeOnly || target(s.file, s.specifier)?.path !== ROLES_MAY_IMPORT_FROM_SCIM).map((s) => `${s.file} → ${s.specifier}`)).toEqual([]);
  });

  it("keeps the shared leaf and http/ free of imports of ours", () => {
    const leafImports = importsOf(`${SHARED_LEAF}.ts`).filter((s) => s.startsWith("."));
    const fromHttp = arrows.filter((a) => a.layer === "http").map((a) => `${a.file} → ${a.to.path}`);
    expect({ leafImports, fromHttp }).toEqual({ leafImports: [], fromHttp: [] });
  });

  it.each([
    ["db", "the database drivers", /^(knex|pg|better-sqlite3)$/],
    ["scim", "scimmy", /^scimmy(-routers)?$/],
  ] as const)("lets only %s/ import %s", (owner, _what, packages) => {
    const elsewhere = LAYERS.filter((layer) => layer !== owner).flatMap((layer) =>
      sourcesOf(layer).flatMap((file) => importsOf(file).filter((s) => packages.test(s)).map((s) => `${file} → ${s}`)),
    );
    expect(elsewhere).toEqual([]);
  });
});

describe("the console takes only types from the server", () => {
  const pages = sourcesOf("console/src", [".ts", ".tsx"]);
  const statements = pages.flatMap((file) => importStatementsOf(file));
  const intoLayers = statements.filter((s) => (LAYERS as readonly string[]).includes(target(s.file, s.specifier)?.layer ?? ""));

  it("uses the server's types", () => {
    expect(intoLayers.length).toBeGreaterThan(3);
  });

  it("imports nothing of server/, scim/, roles/, mapping/, db/ or http/ but types (and the JSON object guard, a leaf), so nothing else is bundled into the page", () => {
    expect(intoLayers.filter((s) => !s.typeOnly && target(s.file, s.specifier)?.path !== SHARED_LEAF).map((s) => `${s.file} → ${s.specifier}`)).toEqual([]);
  });

  it("is imported by no layer of the server", () => {
    expect(arrows.filter((a) => a.to.layer === "console").map((a) => a.file)).toEqual([]);
  });
});
