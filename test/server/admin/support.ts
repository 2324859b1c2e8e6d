import type { Response } from "supertest";
import { type Harness, type HarnessOptions, createGroup, createUser, startHarness } from "../../support/harness";
import { expectDocumented } from "../../support/openapi";
import { type TestIssuer, startIssuer } from "../../support/oidc";

/**
 * An organisation whose members sign in through a real OpenID Provider, with one member per row of
 * the policy: the Primary Owner, an owner, a role editor (custom, identity_access manage), a role
 * reader (identity_access view), a people manager (user_management view), a finance member, and a
 * plain user. Every admin response is checked against the OpenAPI document.
 */
export const ADMIN_MAPPING = `version: 1
primaryOwner: po@example.com
org:
  features: { web_search: on, file_uploads: off }
  connectors: { slack: on, jira: off }
roles:
  iam-admin: { admin: { identity_access: manage } }
  iam-viewer: { admin: { identity_access: view } }
  people: { admin: { user_management: view } }
  finance: { description: Spend, admin: { billing: manage }, capabilities: [web_search] }
mappings:
  - { id: owners, group: { externalId: g-owners }, orgRole: owner }
  - { id: iam-admins, group: { externalId: g-iam-admin }, roles: [iam-admin] }
  - { id: iam-viewers, group: { externalId: g-iam-view }, roles: [iam-viewer] }
  - { id: people, group: { externalId: g-people }, roles: [people] }
  - { id: finance, group: { externalId: g-finance }, roles: [finance] }
`;

export const MEMBERS = {
  primaryOwner: "po@example.com",
  owner: "owner@example.com",
  roleEditor: "iam@example.com",
  roleReader: "viewer@example.com",
  peopleManager: "hr@example.com",
  finance: "fin@example.com",
  plain: "plain@example.com",
} as const;
export type MemberKey = keyof typeof MEMBERS;

export interface AdminWorld {
  readonly h: Harness;
  readonly ids: Record<MemberKey, string>;
  readonly groups: Record<"owners" | "iamAdmin" | "iamView" | "people" | "finance", string>;
  /** A member's admin API, every response checked against the OpenAPI document. */
  as(member: MemberKey): AdminClient;
}

export interface AdminClient {
  get(path: string): Promise<Response>;
  put(path: string, body: unknown, etag?: string | null): Promise<Response>;
  post(path: string, body: unknown, etag?: string | null): Promise<Response>;
  patch(path: string, body: unknown): Promise<Response>;
  delete(path: string, etag?: string | null): Promise<Response>;
  /** The ETag of the mapping in force (read with the product API, so any member's test can use it). */
  etag(): Promise<string>;
}

export interface AdminWorldOptions {
  readonly mapping?: string;
  /** More of the harness: the console, its public URL. */
  readonly harness?: Omit<HarnessOptions, "oidc">;
}

export async function startAdminWorld(op: TestIssuer, options: AdminWorldOptions = {}): Promise<AdminWorld> {
  const h = await startHarness({ ...options.harness, oidc: { issuer: op.issuer, clientId: op.clientId, clientSecret: op.clientSecret } });
  const ids = Object.fromEntries(await Promise.all(Object.entries(MEMBERS).map(async ([key, userName]) => [key, await createUser(h, userName)]))) as Record<MemberKey, string>;
  const groups = {
    owners: await createGroup(h, "Owners", [ids.owner], { externalId: "g-owners" }),
    iamAdmin: await createGroup(h, "IAM admins", [ids.roleEditor], { externalId: "g-iam-admin" }),
    iamView: await createGroup(h, "IAM viewers", [ids.roleReader], { externalId: "g-iam-view" }),
    people: await createGroup(h, "People", [ids.peopleManager], { externalId: "g-people" }),
    finance: await createGroup(h, "Finance", [ids.finance], { externalId: "g-finance" }),
  };
  await h.applyMapping(options.mapping ?? ADMIN_MAPPING);
  return { h, ids, groups, as: (member) => adminClient(h, op, MEMBERS[member]) };
}

export function adminClient(h: Harness, op: TestIssuer, login: string): AdminClient {
  const checked = async (pending: Promise<Response>): Promise<Response> => {
    const res = await pending;
    expectDocumented(res);
    return res;
  };
  const withEtag = <T extends { set(name: string, value: string): T }>(req: T, etag: string | null | undefined): T => (etag === null || etag === undefined ? req : req.set("If-Match", etag));
  const client: AdminClient = {
    get: async (path) => checked(h.admin("get", path, await op.signIn(login))),
    put: async (path, body, etag) => checked(withEtag(h.admin("put", path, await op.signIn(login)), etag).send(body as object)),
    post: async (path, body, etag) => checked(withEtag(h.admin("post", path, await op.signIn(login)), etag).send(body as object)),
    patch: async (path, body) => checked(h.admin("patch", path, await op.signIn(login)).send(body as object)),
    delete: async (path, etag) => checked(withEtag(h.admin("delete", path, await op.signIn(login)), etag)),
    etag: async () => {
      const res = await h.api("get", "/mapping");
      return `W/"${(res.body as { version: number | null }).version ?? 0}"`;
    },
  };
  return client;
}

/** The API error a response carries. */
export function errorOf(res: Response): { code: string; message: string } & Record<string, unknown> {
  return (res.body as { error: { code: string; message: string } & Record<string, unknown> }).error;
}

export function expectError(res: Response, status: number, code: string): void {
  if (res.status !== status || errorOf(res)?.code !== code) {
    throw new Error(`expected ${status} ${code}, got ${res.status} ${JSON.stringify(res.body)}`);
  }
}

/**
 * One real OpenID Provider for the describe block, a fresh organisation per test: registers the
 * hooks and returns the world of the running test (its members, groups and admin clients).
 */
export function adminWorldPerTest(options: AdminWorldOptions = {}): AdminWorld & { readonly op: TestIssuer } {
  let op: TestIssuer | null = null;
  let current: AdminWorld | null = null;
  beforeAll(async () => {
    op = await startIssuer();
  });
  afterAll(async () => op?.close());
  beforeEach(async () => {
    if (op === null) throw new Error("the OpenID Provider did not start");
    current = await startAdminWorld(op, options);
  });
  afterEach(async () => current?.h.close());
  const world = (): AdminWorld => {
    if (current === null) throw new Error("no world outside a test");
    return current;
  };
  return {
    get op() {
      if (op === null) throw new Error("the OpenID Provider did not start");
      return op;
    },
    get h() {
      return world().h;
    },
    get ids() {
      return world().ids;
    },
    get groups() {
      return world().groups;
    },
    as: (member) => world().as(member),
  };
}
