/**
 * The full-sync scenario: a whole directory pushed through SCIM over HTTP by concurrent clients,
 * shaped as Microsoft Entra provisions (aadOptscim062020 bodies: POST users, POST groups without
 * members, then PATCH members in batches with `"$ref": null`). Nothing here touches the database.
 */
import { expectStatus, send } from "./lib/http";

export interface SyncShape {
  readonly users: number;
  readonly groups: number;
  /** Members per group; user u is in the groups g with g·step ≤ u < g·step + perGroup (mod users). */
  readonly perGroup: number;
  readonly batch: number;
  readonly clients: number;
  /**
   * Per-phase time caps (seconds), or null to run to completion. A capped phase stops handing out
   * work at its cap; the result then reports what completed and projects the whole sync from each
   * phase's measured rate. Memberships only name users that were created.
   */
  readonly caps: { readonly users: number; readonly groups: number; readonly members: number } | null;
}

export interface SyncPhase {
  readonly name: string;
  readonly seconds: number;
  /** Requests completed. */
  readonly requests: number;
  /** Requests the whole phase needs. */
  readonly planned: number;
  readonly rps: number;
}

export interface SyncResult {
  readonly complete: boolean;
  /** Measured wall time of what ran. */
  readonly seconds: number;
  /** Σ planned ÷ rate over the phases: equals `seconds` when complete. */
  readonly projectedSeconds: number;
  readonly requests: number;
  readonly rps: number;
  readonly memberships: number;
  readonly phases: SyncPhase[];
}

const CORE_USER = "urn:ietf:params:scim:schemas:core:2.0:User";
const ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User";
const CORE_GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group";
const PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp";

export function syncGroupKey(g: number): string {
  return `sync-group-${g}`;
}

/** Runs work(0 … count-1) on `clients` concurrent clients until done or `capMs` passed; returns how many completed. */
async function pool(count: number, clients: number, capMs: number, work: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  let done = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: clients }, async () => {
      for (;;) {
        if (performance.now() - t0 > capMs) return;
        const i = next++;
        if (i >= count) return;
        await work(i);
        done += 1;
      }
    }),
  );
  return done;
}

function entraUser(i: number): Record<string, unknown> {
  const userName = `sync${i}@contoso.example`;
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: `00000000-0000-4000-8000-${String(i).padStart(12, "0")}`,
    userName,
    active: true,
    addresses: null,
    displayName: `Sync User ${i}`,
    emails: [{ primary: true, type: "work", value: userName }],
    meta: { resourceType: "User" },
    name: { formatted: `Sync User ${i}`, familyName: `User ${i}`, givenName: "Sync" },
    phoneNumbers: null,
    roles: [],
    title: null,
    [ENTERPRISE]: { employeeNumber: String(i), department: `Dept ${i % 50}` },
  };
}

export async function fullSync(base: string, token: string, shape: SyncShape): Promise<SyncResult> {
  const headers = { Authorization: `Bearer ${token}`, Accept: "application/scim+json" };
  const phases: SyncPhase[] = [];
  const phase = async (name: string, count: number, capSeconds: number | undefined, work: (i: number) => Promise<void>): Promise<number> => {
    const t0 = performance.now();
    const done = await pool(count, shape.clients, capSeconds === undefined ? Infinity : capSeconds * 1000, work);
    const seconds = (performance.now() - t0) / 1000;
    phases.push({ name, seconds, requests: done, planned: count, rps: done / seconds });
    return done;
  };

  const userIds: string[] = new Array<string>(shape.users);
  const createdUsers = await phase("POST /Users", shape.users, shape.caps?.users, async (i) => {
    const reply = expectStatus(await send(base, "POST", "/scim/v2/Users?aadOptscim062020", { body: entraUser(i), headers }), 201, `POST user ${i}`);
    userIds[i] = (JSON.parse(reply.body) as { id: string }).id;
  });

  const groupIds: string[] = new Array<string>(shape.groups);
  const createdGroups = await phase("POST /Groups", shape.groups, shape.caps?.groups, async (g) => {
    const body = { schemas: [CORE_GROUP], externalId: syncGroupKey(g), displayName: `Sync Group ${g}`, members: [], meta: { resourceType: "Group" } };
    const reply = expectStatus(await send(base, "POST", "/scim/v2/Groups?aadOptscim062020", { body, headers }), 201, `POST group ${g}`);
    groupIds[g] = (JSON.parse(reply.body) as { id: string }).id;
  });

  const step = shape.users / shape.groups;
  const batchesPerGroup = Math.ceil(shape.perGroup / shape.batch);
  const createdIds = userIds.slice(0, createdUsers).filter((id) => id !== undefined);
  await phase(`PATCH /Groups (members, ${shape.batch} per request)`, shape.groups * batchesPerGroup, shape.caps?.members, async (k) => {
    const g = Math.floor(k / batchesPerGroup) % Math.max(1, createdGroups);
    const b = k % batchesPerGroup;
    const value: { $ref: null; value: string }[] = [];
    for (let j = b * shape.batch; j < Math.min(shape.perGroup, (b + 1) * shape.batch); j++) {
      value.push({ $ref: null, value: createdIds[(Math.floor(g * step) + j) % createdIds.length] ?? "" });
    }
    const body = { schemas: [PATCH_OP], Operations: [{ op: "Add", path: "members", value }] };
    expectStatus(await send(base, "PATCH", `/scim/v2/Groups/${groupIds[g]}?aadOptscim062020`, { body, headers }), 204, `PATCH group ${g} batch ${b}`);
  });

  const seconds = phases.reduce((s, p) => s + p.seconds, 0);
  const requests = phases.reduce((s, p) => s + p.requests, 0);
  const complete = phases.every((p) => p.requests === p.planned);
  const projectedSeconds = complete ? seconds : phases.reduce((s, p) => s + (p.requests === p.planned ? p.seconds : p.planned / p.rps), 0);
  return { complete, seconds, projectedSeconds, requests, rps: requests / seconds, memberships: shape.groups * shape.perGroup, phases };
}
