import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { exportJWK, generateKeyPair, SignJWT } from "jose";
import request from "supertest";
import { type Harness, type HarnessOptions, startHarness } from "./harness";

/**
 * Replays recorded IdP interactions from `fixtures/{okta,entra}/*.json` (format: fixtures/README.md).
 * Requests are sent raw with supertest so headers (or their absence) are exactly what the IdP sends.
 */
export const FIXTURES_DIR = join(__dirname, "..", "..", "fixtures");

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface FixtureRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  /** A `null` value removes a fixture-level default header. */
  readonly headers?: Readonly<Record<string, string | null>>;
  /** An object or array is serialised as JSON; a string is sent as is. */
  readonly body?: Json;
}

export interface FixtureExpect {
  readonly status: number | readonly number[];
  readonly body?: Json;
  readonly headers?: Readonly<Record<string, string>>;
  readonly absent?: readonly string[];
  readonly noNulls?: boolean;
}

export interface FixtureStep {
  readonly name?: string;
  /** Sends the step `repeat` times, with `{{i}}` = 1, 2, … */
  readonly repeat?: number;
  readonly request: FixtureRequest;
  readonly expect: FixtureExpect;
  readonly capture?: Readonly<Record<string, string>>;
}

export interface Fixture {
  readonly description: string;
  readonly source: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** Starts the server with an Entra tenant and signs `{{entraJwt}}`/`{{entraJwtOtherTenant}}` (RS256, in memory). */
  readonly entraJwt?: boolean;
  readonly setup?: readonly FixtureStep[];
  readonly steps: readonly FixtureStep[];
}

export interface FixtureFile {
  readonly idp: string;
  readonly file: string;
  readonly fixture: Fixture;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`);
}

function checkStep(raw: unknown, where: string): void {
  if (!isObject(raw)) fail(where, "a step must be an object");
  const req = raw.request;
  if (!isObject(req) || typeof req.method !== "string" || typeof req.path !== "string") fail(where, "request needs method and path");
  if (!["GET", "POST", "PUT", "PATCH", "DELETE"].includes(req.method)) fail(where, `unknown method ${req.method}`);
  if (!req.path.startsWith("/")) fail(where, "path must start with / (relative to /scim/v2)");
  const exp = raw.expect;
  if (!isObject(exp)) fail(where, "expect is required");
  const status = exp.status;
  const statusOk = typeof status === "number" || (Array.isArray(status) && status.length > 0 && status.every((s) => typeof s === "number"));
  if (!statusOk) fail(where, "expect.status must be a number or a non-empty list of numbers");
}

/** Reads and shape-checks every fixture of one IdP folder; a malformed file fails loudly. */
export function loadFixtures(idp: string): FixtureFile[] {
  const dir = join(FIXTURES_DIR, idp);
  return readdirSync(dir)
    .filter((f) => f.endsWith(".json"))
    .sort()
    .map((file) => {
      const where = `fixtures/${idp}/${file}`;
      const parsed: unknown = JSON.parse(readFileSync(join(dir, file), "utf8"));
      if (!isObject(parsed)) fail(where, "a fixture must be a JSON object");
      if (typeof parsed.description !== "string" || parsed.description === "") fail(where, "description is required");
      if (typeof parsed.source !== "string" || parsed.source === "") fail(where, "source is required");
      if (!Array.isArray(parsed.steps) || parsed.steps.length === 0) fail(where, "steps must be a non-empty list");
      [...(Array.isArray(parsed.setup) ? parsed.setup : []), ...parsed.steps].forEach((s, i) => checkStep(s, `${where} step ${i}`));
      return { idp, file, fixture: parsed as unknown as Fixture };
    });
}

// ---------------------------------------------------------------------------------------------
// Variables

type Vars = Map<string, string>;

function substitute(text: string, vars: Vars, where: string): string {
  return text.replace(/\{\{(\w+)\}\}/g, (_m, name: string) => {
    const value = vars.get(name);
    if (value === undefined) fail(where, `{{${name}}} is not defined (captured variables: ${[...vars.keys()].join(", ")})`);
    return value;
  });
}

function substituteJson(value: Json, vars: Vars, where: string): Json {
  if (typeof value === "string") return substitute(value, vars, where);
  if (Array.isArray(value)) return value.map((v) => substituteJson(v, vars, where));
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[substitute(k, vars, where)] = substituteJson(v as Json, vars, where);
    return out;
  }
  return value;
}

/**
 * Looks up `Resources[0].members` or `urn:…:enterprise:2.0:User.manager` in a parsed body. Keys are
 * matched longest first against the remaining path, because schema URNs contain dots ("2.0").
 */
function lookup(root: unknown, path: string): { found: boolean; value: unknown } {
  let current: unknown = root;
  let rest = path;
  while (rest !== "") {
    const index = /^\[(\d+)\]/.exec(rest);
    if (index) {
      const i = Number(index[1]);
      if (!Array.isArray(current) || i >= current.length) return { found: false, value: undefined };
      current = current[i];
      rest = rest.slice(index[0].length);
    } else {
      const object = current;
      if (!isObject(object)) return { found: false, value: undefined };
      const key = Object.keys(object)
        .filter((k) => rest === k || rest.startsWith(`${k}.`) || rest.startsWith(`${k}[`))
        .sort((a, b) => b.length - a.length)[0];
      if (key === undefined) return { found: false, value: undefined };
      current = object[key];
      rest = rest.slice(key.length);
    }
    if (rest.startsWith(".")) rest = rest.slice(1);
  }
  return { found: true, value: current };
}

// ---------------------------------------------------------------------------------------------
// Partial matching

/**
 * Returns the mismatches of `actual` against `pattern`: objects match by subset, arrays by exact
 * length and element order, scalars by equality. Operator objects: `{"$contains": [...]}` (array
 * holding an element matching each pattern), `{"$type": "integer"|"string"|…}`, `{"$regex": "…"}`,
 * `{"$not": pattern}`, `{"$length": n}`.
 */
export function mismatches(actual: unknown, pattern: unknown, at = "body"): string[] {
  if (isObject(pattern)) {
    const keys = Object.keys(pattern);
    if (keys.length === 1 && keys[0]?.startsWith("$")) return operator(actual, keys[0], pattern[keys[0]], at);
    if (!isObject(actual)) return [`${at}: expected an object, got ${JSON.stringify(actual)}`];
    return keys.flatMap((k) =>
      Object.prototype.hasOwnProperty.call(actual, k) ? mismatches(actual[k], pattern[k], `${at}.${k}`) : [`${at}.${k}: missing`],
    );
  }
  if (Array.isArray(pattern)) {
    if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
    if (actual.length !== pattern.length) return [`${at}: expected ${pattern.length} element(s), got ${actual.length}: ${JSON.stringify(actual)}`];
    return pattern.flatMap((p, i) => mismatches(actual[i], p, `${at}[${i}]`));
  }
  return actual === pattern ? [] : [`${at}: expected ${JSON.stringify(pattern)}, got ${JSON.stringify(actual)}`];
}

function typeOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (typeof value === "number") return Number.isInteger(value) ? "integer" : "number";
  return typeof value;
}

function operator(actual: unknown, op: string, arg: unknown, at: string): string[] {
  switch (op) {
    case "$contains": {
      if (!Array.isArray(actual)) return [`${at}: expected an array, got ${JSON.stringify(actual)}`];
      const wanted = Array.isArray(arg) ? arg : [arg];
      return wanted.flatMap((p, i) =>
        actual.some((a) => mismatches(a, p).length === 0) ? [] : [`${at}: no element matches $contains[${i}] ${JSON.stringify(p)} in ${JSON.stringify(actual)}`],
      );
    }
    case "$type": {
      const t = typeOf(actual);
      const ok = t === arg || (arg === "number" && t === "integer");
      return ok ? [] : [`${at}: expected type ${String(arg)}, got ${t} (${JSON.stringify(actual)})`];
    }
    case "$regex":
      return typeof actual === "string" && new RegExp(String(arg)).test(actual) ? [] : [`${at}: ${JSON.stringify(actual)} does not match /${String(arg)}/`];
    case "$not":
      return mismatches(actual, arg, at).length > 0 ? [] : [`${at}: ${JSON.stringify(actual)} must not match ${JSON.stringify(arg)}`];
    case "$length":
      return Array.isArray(actual) && actual.length === arg ? [] : [`${at}: expected length ${String(arg)}, got ${JSON.stringify(actual)}`];
    default:
      return [`${at}: unknown matcher ${op}`];
  }
}

function nullPaths(value: unknown, at: string): string[] {
  if (value === null) return [at];
  if (Array.isArray(value)) return value.flatMap((v, i) => nullPaths(v, `${at}[${i}]`));
  if (isObject(value)) return Object.entries(value).flatMap(([k, v]) => nullPaths(v, `${at}.${k}`));
  return [];
}

// ---------------------------------------------------------------------------------------------
// Replay

export interface EntraTokens {
  readonly tenantId: string;
  readonly jwks: { keys: unknown[] };
  readonly valid: string;
  readonly otherTenant: string;
}

export const ENTRA_AUDIENCE = "8adf8e6e-67b2-4cf2-a259-e3dc5476c621";
export const ENTRA_APPID = "00000014-0000-0000-c000-000000000000";

/** An Entra tenant signing key made in memory, and tokens as Entra issues them for provisioning. */
export async function entraTokens(): Promise<EntraTokens> {
  const tenantId = "72f988bf-86f1-41af-91ab-2d7cd011db47";
  const otherTid = "0d9a4c4e-1c3e-4b1a-9c57-2f1f1e0c7a11";
  const { publicKey, privateKey } = await generateKeyPair("RS256");
  const jwk = { ...(await exportJWK(publicKey)), kid: "replay-key", alg: "RS256", use: "sig" };
  const sign = (tid: string): Promise<string> =>
    new SignJWT({ tid, appid: ENTRA_APPID, idp: `https://sts.windows.net/${tid}/` })
      .setProtectedHeader({ alg: "RS256", typ: "JWT", kid: "replay-key" })
      .setIssuer(`https://sts.windows.net/${tid}/`)
      .setAudience(ENTRA_AUDIENCE)
      .setIssuedAt()
      .setNotBefore("0s")
      .setExpirationTime("60m")
      .sign(privateKey);
  return { tenantId, jwks: { keys: [jwk] }, valid: await sign(tenantId), otherTenant: await sign(otherTid) };
}

export interface ReplayContext {
  readonly h: Harness;
  readonly vars: Vars;
}

/** A fixture of `fixtures/<idp>/<file>`, for tests that replay one interaction by name. */
export function fixtureNamed(idp: string, file: string): FixtureFile {
  const found = loadFixtures(idp).find((f) => f.file === file);
  if (found === undefined) throw new Error(`no fixture fixtures/${idp}/${file}`);
  return found;
}

export async function startForFixture(fixture: Fixture): Promise<ReplayContext> {
  const vars: Vars = new Map();
  let options: HarnessOptions = {};
  if (fixture.entraJwt) {
    const tokens = await entraTokens();
    options = { entra: { tenantId: tokens.tenantId, jwks: tokens.jwks } };
    vars.set("entraJwt", tokens.valid);
    vars.set("entraJwtOtherTenant", tokens.otherTenant);
    vars.set("tenantId", tokens.tenantId);
  }
  const h = await startHarness(options);
  vars.set("token", h.token);
  return { h, vars };
}

async function send(ctx: ReplayContext, fixture: Fixture, step: FixtureStep, where: string): Promise<request.Response> {
  const req = step.request;
  const path = substitute(req.path, ctx.vars, where);
  const method = req.method.toLowerCase() as "get" | "post" | "put" | "patch" | "delete";
  let test = request(ctx.h.app)[method](`/scim/v2${path}`);
  const headers: Record<string, string | null> = { ...fixture.headers, ...req.headers };
  for (const [name, value] of Object.entries(headers)) {
    if (value !== null) test = test.set(name, substitute(value, ctx.vars, where));
  }
  if (req.body === undefined) return test;
  const body = substituteJson(req.body, ctx.vars, where);
  // Serialised here, not by supertest, so that supertest adds no Content-Type of its own.
  return test.send(typeof body === "string" ? body : JSON.stringify(body));
}

function describeResponse(res: request.Response): string {
  return `${res.status} ${JSON.stringify(res.headers["content-type"] ?? null)} ${res.text?.slice(0, 2000) ?? ""}`;
}

/** A response body parsed as JSON whatever its Content-Type (supertest only parses JSON types it knows). */
function bodyOf(res: request.Response): unknown {
  if (!res.text) return undefined;
  try {
    return JSON.parse(res.text) as unknown;
  } catch {
    return res.text;
  }
}

async function runStep(ctx: ReplayContext, fixture: Fixture, step: FixtureStep, where: string): Promise<void> {
  const res = await send(ctx, fixture, step, where);
  const body = bodyOf(res);
  const problems: string[] = [];
  const statuses = typeof step.expect.status === "number" ? [step.expect.status] : step.expect.status;
  if (!statuses.includes(res.status)) problems.push(`status: expected ${statuses.join(" or ")}, got ${res.status}`);
  for (const [name, pattern] of Object.entries(step.expect.headers ?? {})) {
    const actual: unknown = res.headers[name.toLowerCase()];
    if (typeof actual !== "string" || !new RegExp(substitute(pattern, ctx.vars, where)).test(actual)) {
      problems.push(`header ${name}: ${JSON.stringify(actual)} does not match /${pattern}/`);
    }
  }
  if (step.expect.body !== undefined) problems.push(...mismatches(body, substituteJson(step.expect.body, ctx.vars, where)));
  for (const path of step.expect.absent ?? []) {
    if (lookup(body, path).found) problems.push(`body.${path}: must be absent, found ${JSON.stringify(lookup(body, path).value)}`);
  }
  if (step.expect.noNulls) problems.push(...nullPaths(body, "body").map((p) => `${p}: null`));
  for (const [name, path] of Object.entries(step.capture ?? {})) {
    const [root, ...rest] = path.split(".");
    const source = root === "headers" ? res.headers : root === "body" ? body : undefined;
    const found = rest.length === 0 ? { found: source !== undefined, value: source } : lookup(source, rest.join("."));
    if (!found.found || (typeof found.value !== "string" && typeof found.value !== "number")) {
      problems.push(`capture ${name} from ${path}: not found`);
    } else {
      ctx.vars.set(name, String(found.value));
    }
  }
  if (problems.length > 0) {
    throw new Error(`${where}: ${step.request.method} ${step.request.path}\n  ${problems.join("\n  ")}\n  response: ${describeResponse(res)}`);
  }
}

/**
 * Runs setup then steps, in order; throws with every mismatch of the first failing step. `parts`
 * replays only some, so a test can look at the server's state between the setup and the steps.
 */
export async function replay(ctx: ReplayContext, file: FixtureFile, parts: ReadonlyArray<"setup" | "steps"> = ["setup", "steps"]): Promise<void> {
  const { fixture } = file;
  const all = [
    ...(parts.includes("setup") ? (fixture.setup ?? []) : []).map((s, i) => ({ s, where: `setup[${i}]` })),
    ...(parts.includes("steps") ? fixture.steps : []).map((s, i) => ({ s, where: `steps[${i}]` })),
  ];
  for (const { s, where } of all) {
    const label = `fixtures/${file.idp}/${file.file} ${where}${s.name ? ` (${s.name})` : ""}`;
    const times = s.repeat ?? 1;
    for (let i = 1; i <= times; i += 1) {
      ctx.vars.set("i", String(i));
      await runStep(ctx, fixture, s, times > 1 ? `${label} #${i}` : label);
    }
  }
}
