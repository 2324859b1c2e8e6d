import type { Harness } from "../support/harness";

/**
 * Shared fixtures and assertion helpers for the end-to-end role-mapping tests: propagation of
 * SCIM writes to permissions, and mapping files applied and hot-reloaded.
 */
export const AREAS = ["identity_access", "billing", "analytics", "privacy", "user_management", "libraries"] as const;

export const NONE = Object.fromEntries(AREAS.map((a) => [a, "none"])) as Record<(typeof AREAS)[number], string>;
export const MANAGE_ALL = Object.fromEntries(AREAS.map((a) => [a, "manage"])) as Record<(typeof AREAS)[number], string>;

/** The example mapping (fixtures/mapping/example.yaml), plus an owner rule whose group also maps to a custom role. */
export const MAPPING = `version: 1
primaryOwner: ceo@example.com
org:
  features: { web_search: on, claude_code: on, file_uploads: off }
  connectors: { google_drive: on, jira: on, slack: off }
standardRoles:
  admin: { admin: { user_management: manage, analytics: view } }
roles:
  finance:
    description: Invoices and spend
    admin: { billing: manage, analytics: view }
    capabilities: [web_search]
    connectors: [google_drive]
  security-auditor:
    admin: { identity_access: view }
mappings:
  - group: { externalId: "00g1finance" }
    roles: [finance]
  - group: { displayName: "Security Team" }
    roles: [security-auditor]
  - group: { displayName: "IT Admins" }
    orgRole: admin
  - group: { displayName: "Owners" }
    orgRole: owner
    roles: [finance]
`;

export const FINANCE_ADMIN = { ...NONE, billing: "manage", analytics: "view" };

export interface PermissionsBody {
  member: { id: string; userName: string; active: boolean };
  orgRole: string;
  admin: Record<string, string>;
  capabilities: string[];
  connectors: string[];
  roles: string[];
}

export interface AuditBody {
  entries: { member: { id: string; userName: string }; before: PermissionsBody; after: PermissionsBody; cause: Record<string, unknown>; at: string }[];
}

export async function permissionsOf(h: Harness, id: string): Promise<PermissionsBody> {
  const res = await h.api("get", `/members/${id}/permissions`);
  if (res.status !== 200) throw new Error(`permissions of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as PermissionsBody;
}

export async function auditOf(h: Harness, id: string): Promise<AuditBody["entries"]> {
  const res = await h.api("get", `/audit?member=${encodeURIComponent(id)}`);
  if (res.status !== 200) throw new Error(`audit of ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as AuditBody).entries;
}

export async function allowed(h: Harness, body: Record<string, unknown>): Promise<boolean> {
  const res = await h.api("post", "/authorize").send(body);
  if (res.status !== 200) throw new Error(`authorize ${JSON.stringify(body)}: ${res.status} ${JSON.stringify(res.body)}`);
  return (res.body as { allowed: boolean }).allowed;
}

/** Counts every audit row of the harness's organisation (all members). */
export async function auditCount(h: Harness): Promise<number> {
  const res = await h.api("get", "/audit?limit=1000");
  return (res.body as AuditBody).entries.length;
}
