/**
 * CONSOLE_SECTIONS: the admin areas the product serves itself (Billing, Libraries), which the
 * console lists as links to the product's own pages. The operator's file (JSON or YAML) maps an
 * area to a title and a URL:
 *
 *   billing:   { title: Billing, url: https://app.example.com/settings/billing }
 *   libraries: { title: Shared libraries, url: /libraries }
 *
 * Read and checked once at start, every problem reported together, naming the file and the key;
 * the result is frozen. Only the areas the product owns may be listed: the others have their
 * sections in this console. A URL is https, or a path on this server's own origin.
 */
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { type Area, type Level, isObject } from "../mapping";

/** The areas whose pages are the product's, not this console's. */
export const PRODUCT_AREAS = ["billing", "libraries"] as const;
export type ProductArea = (typeof PRODUCT_AREAS)[number];

export interface ProductSection {
  readonly area: ProductArea;
  readonly title: string;
  /** `https://…`, or a same-origin path (`/billing`). */
  readonly url: string;
}

export type ProductSections = readonly ProductSection[];

const TITLE_MAX = 80;
const URL_MAX = 2048;
/** An operator's file of two entries; anything larger is not one. */
const FILE_MAX_BYTES = 65_536;

export class ConsoleSectionsError extends Error {
  override readonly name = "ConsoleSectionsError";
  constructor(
    readonly file: string,
    readonly problems: readonly string[],
  ) {
    super(`Invalid CONSOLE_SECTIONS file ${file}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** Reads and checks the file; throws {@link ConsoleSectionsError} with every problem. */
export function readConsoleSections(file: string): ProductSections {
  let text: string;
  try {
    const bytes = readFileSync(file);
    if (bytes.length > FILE_MAX_BYTES) throw new ConsoleSectionsError(file, [`the file is ${bytes.length} bytes; at most ${FILE_MAX_BYTES} are read`]);
    text = bytes.toString("utf8");
  } catch (err) {
    if (err instanceof ConsoleSectionsError) throw err;
    const code = typeof err === "object" && err !== null && "code" in err ? String(err.code) : "";
    throw new ConsoleSectionsError(file, [code === "ENOENT" ? "the file does not exist" : `the file cannot be read (${code || String(err)})`]);
  }
  return parseConsoleSections(text, file);
}

/** Checks a file's text (JSON is YAML too); `file` names it in the errors. */
export function parseConsoleSections(text: string, file: string): ProductSections {
  let document: unknown;
  try {
    document = parse(text, { maxAliasCount: 0, uniqueKeys: true });
  } catch (err) {
    throw new ConsoleSectionsError(file, [`not JSON or YAML: ${err instanceof Error ? err.message.split("\n")[0] : String(err)}`]);
  }
  if (!isObject(document)) throw new ConsoleSectionsError(file, ["the file must map areas (billing, libraries) to { title, url }"]);
  const problems: string[] = [];
  const sections: ProductSection[] = [];
  for (const [key, value] of Object.entries(document)) {
    if (!isProductArea(key)) {
      problems.push(`${key}: ${isServerArea(key) ? `the console has its own ${key} section; only billing and libraries may be listed` : "not an area; only billing and libraries may be listed"}`);
      continue;
    }
    if (!isObject(value)) {
      problems.push(`${key}: must be { title, url }`);
      continue;
    }
    for (const extra of Object.keys(value).filter((k) => k !== "title" && k !== "url")) problems.push(`${key}.${extra}: unknown key (an entry has title and url)`);
    const title = value["title"];
    const url = value["url"];
    const titleProblem = typeof title !== "string" || title.trim() === "" ? "must be non-empty text" : title.length > TITLE_MAX ? `must be at most ${TITLE_MAX} characters` : null;
    if (titleProblem !== null) problems.push(`${key}.title: ${titleProblem}`);
    const urlProblem = typeof url !== "string" ? "must be an https:// URL or a path on this server (/billing)" : sectionUrlProblem(url);
    if (urlProblem !== null) problems.push(`${key}.url: ${urlProblem}`);
    if (titleProblem === null && urlProblem === null && typeof title === "string" && typeof url === "string") sections.push({ area: key, title: title.trim(), url });
  }
  if (problems.length > 0) throw new ConsoleSectionsError(file, problems);
  // In the product's order of areas, whatever the file's.
  return Object.freeze(PRODUCT_AREAS.flatMap((area) => sections.filter((s) => s.area === area)).map((s) => Object.freeze(s)));
}

/**
 * Why a section's URL cannot be linked from the console, or null: an https URL without
 * credentials, or an absolute path on this origin (`/x`, never `//host`, which leaves it).
 */
export function sectionUrlProblem(url: string): string | null {
  if (url.length > URL_MAX) return `must be at most ${URL_MAX} characters`;
  if (/[\s\\]/.test(url)) return "must not contain spaces or backslashes";
  if (url.startsWith("/")) return url.startsWith("//") ? "a path starts with one slash (//host is another origin)" : null;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `"${url}" is neither an https:// URL nor a path starting with /`;
  }
  if (parsed.protocol !== "https:") return `must be https:// (got ${parsed.protocol}//) or a path starting with /`;
  if (parsed.username !== "" || parsed.password !== "") return "must not carry credentials";
  return null;
}

function isProductArea(key: string): key is ProductArea {
  return (PRODUCT_AREAS as readonly string[]).includes(key);
}

const SERVER_AREAS: readonly Area[] = ["identity_access", "analytics", "privacy", "user_management"];
function isServerArea(key: string): boolean {
  return (SERVER_AREAS as readonly string[]).includes(key);
}

/** A product section as a member sees it: with their level in its area (never `none`: those are left out). */
export interface VisibleProductSection extends ProductSection {
  readonly level: "view" | "manage";
}

/** The sections whose area the member holds at view or manage, in the product's order. */
export function visibleSections(sections: ProductSections, levels: Readonly<Record<Area, Level>>): VisibleProductSection[] {
  return sections.flatMap((section) => {
    const level = levels[section.area];
    return level === "none" ? [] : [{ ...section, level }];
  });
}
