import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type * as OpenApiTypescript from "openapi-typescript";
import request from "supertest";
import ts from "typescript";
import { type Harness, createGroup, createUser, startHarness } from "../support/harness";
import { MAPPING } from "../roles/support";

// Node's real require, not jest's: openapi-typescript's dependencies are ES modules, which jest's
// module registry cannot load without experimental flags (as test/support/oidc.ts does for oidc-provider).
const nodeRequire = process.getBuiltinModule("node:module").createRequire(__filename);
const { default: openapiTS, astToString } = nodeRequire("openapi-typescript") as typeof OpenApiTypescript;

/**
 * A client generator's view of the document: openapi-typescript turns it into types, a small client
 * is written against them and compiled with the TypeScript compiler (strict), and the compiled client
 * calls the server. A question the document says no server takes must not compile.
 */
const CLIENT = `
import type { components, paths } from "./api";

type Json<T> = T extends { content: { "application/json": infer B } } ? B : never;
export type Call = (method: "GET" | "POST", path: string, body?: unknown) => Promise<unknown>;
export type Permissions = Json<paths["/members/{id}/permissions"]["get"]["responses"][200]>;
export type Question = Json<paths["/authorize"]["post"]["requestBody"]>;
export type Answer = Json<paths["/authorize"]["post"]["responses"][200]>;
export type Explanation = components["schemas"]["Explanation"];

export const client = (call: Call) => ({
  permissions: async (id: string) => (await call("GET", "/members/" + encodeURIComponent(id) + "/permissions")) as Permissions,
  authorize: async (question: Question) => (await call("POST", "/authorize", question)) as Answer,
  explain: async (id: string) => (await call("GET", "/members/" + encodeURIComponent(id) + "/permissions/explain")) as Explanation,
});

/** What a typed caller reads: a level, an answer, and why an area is what it is. */
export const billingLevel = (p: Permissions): "none" | "view" | "manage" => p.admin.billing;
export const allowed = (a: Answer): boolean | undefined => ("allowed" in a ? a.allowed : undefined);
export const billingReason = (e: Explanation): string => e.chains.admin.billing.reason;
`;

function compile(dir: string, files: Record<string, string>): { errors: string[]; outDir: string } {
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const outDir = join(dir, "out");
  const program = ts.createProgram([join(dir, "client.ts")], { strict: true, noUncheckedIndexedAccess: true, target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.CommonJS, outDir, skipLibCheck: true, types: [] });
  const emitted = program.emit();
  const errors = [...ts.getPreEmitDiagnostics(program), ...emitted.diagnostics].map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n"));
  return { errors, outDir };
}

describe("a client generated from the OpenAPI document", () => {
  let h: Harness;
  let dir: string;
  let types: string;
  beforeAll(async () => {
    h = await startHarness();
    dir = mkdtempSync(join(tmpdir(), "openapi-client-"));
    const document = (await request(h.app).get("/api/v1/openapi.json")).body as OpenApiTypescript.OpenAPI3;
    types = astToString(await openapiTS(document));
  });
  afterAll(async () => {
    await h.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("compiles strictly, and calls the permissions, authorize and explain endpoints with typed answers", async () => {
    const { errors, outDir } = compile(dir, { "api.ts": types, "client.ts": CLIENT });
    expect(errors).toEqual([]);
    await h.applyMapping(MAPPING);
    const ada = await createUser(h, "ada@example.com");
    await createGroup(h, "Finance", [ada], { externalId: "00g1finance" });

    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the client compiled a moment ago
    const generated = require(join(outDir, "client.js")) as {
      client: (call: (method: "GET" | "POST", path: string, body?: unknown) => Promise<unknown>) => Record<"permissions" | "authorize" | "explain", (arg: unknown) => Promise<unknown>>;
      billingLevel: (p: unknown) => string;
      allowed: (a: unknown) => boolean | undefined;
      billingReason: (e: unknown) => string;
    };
    const api = generated.client(async (method, path, body) => {
      const res = method === "GET" ? await h.api("get", path) : await h.api("post", path).send(body as object);
      expect(res.status).toBe(200);
      return res.body as unknown;
    });
    expect(generated.billingLevel(await api.permissions(ada))).toBe("manage");
    expect(generated.allowed(await api.authorize({ member: ada, area: "billing", level: "manage" }))).toBe(true);
    expect(generated.allowed(await api.authorize({ member: ada, capability: "web_search" }))).toBe(true);
    expect(generated.billingReason(await api.explain(ada))).toMatch(/finance/i);
  });

  it("refuses at compile time a question naming no area the product has, or no member", () => {
    const wrong = `${CLIENT}\nexport const misspelt: Question = { member: "ada", area: "billling" };\nexport const nobody: Question = { capability: "web_search" };\n`;
    const { errors } = compile(mkdtempSync(join(dir, "wrong-")), { "api.ts": types, "client.ts": wrong });
    expect(errors).toHaveLength(2);
    expect(errors.join("\n")).toMatch(/billling/);
  });
});
