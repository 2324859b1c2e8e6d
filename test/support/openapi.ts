import Ajv2020 from "ajv/dist/2020";
import type { ValidateFunction } from "ajv";
import type { Response } from "supertest";
import { openApiDocument } from "../../server/openapi";

/**
 * Checks a real response against the OpenAPI document the server publishes: its status is one the
 * operation declares, and its JSON body matches that status's schema. API tests run every response
 * through it, so the document cannot drift from what the server answers.
 */
interface Operation {
  readonly template: RegExp;
  readonly path: string;
  readonly method: string;
  /** Each declared status's validator, compiled when a response first has that status (compiling all of them took a minute on a busy machine). */
  readonly statuses: Map<number, () => ValidateFunction | null>;
}

let compiled: Operation[] | null = null;

function operations(): Operation[] {
  if (compiled !== null) return compiled;
  const document = openApiDocument() as { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema: object }> }> }>>; components: object };
  const ajv = new Ajv2020({ allErrors: true, strict: false });
  ajv.addSchema({ $id: "doc", components: document.components });
  const resolve = (schema: object): object => JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"doc#/components/')) as object;
  compiled = Object.entries(document.paths).flatMap(([path, methods]) =>
    Object.entries(methods).map(([method, op]) => ({
      path,
      method: method.toUpperCase(),
      template: new RegExp(`^/api/v1${path.replace(/\{[^}]+\}/g, "[^/]+")}$`),
      statuses: new Map(
        Object.entries(op.responses).map(([status, response]) => {
          const schema = response.content?.["application/json"]?.schema;
          let validate: ValidateFunction | null | undefined;
          return [Number(status), () => (validate ??= schema === undefined ? null : ajv.compile(resolve(schema)))];
        }),
      ),
    })),
  );
  return compiled;
}

export function expectDocumented(res: Response): void {
  const request = (res as unknown as { req: { method: string; path: string } }).req;
  const pathname = request.path.split("?")[0] ?? "";
  // The most specific template first: /admin/mapping/plan before /admin/mapping/{x}.
  const candidates = operations().filter((op) => op.method === request.method && op.template.test(pathname));
  const op = candidates.sort((a, b) => b.path.replace(/\{[^}]+\}/g, "").length - a.path.replace(/\{[^}]+\}/g, "").length)[0];
  if (op === undefined) throw new Error(`${request.method} ${pathname} is not in the OpenAPI document`);
  if (!op.statuses.has(res.status)) throw new Error(`${request.method} ${op.path} answered ${res.status}, which the OpenAPI document does not declare (${[...op.statuses.keys()].join(", ")}): ${JSON.stringify(res.body)}`);
  const validate = op.statuses.get(res.status)?.();
  if (validate !== null && validate !== undefined && !validate(res.body)) {
    throw new Error(`${request.method} ${op.path} ${res.status} does not match the OpenAPI document: ${JSON.stringify(validate.errors)}\nbody: ${JSON.stringify(res.body).slice(0, 800)}`);
  }
}
