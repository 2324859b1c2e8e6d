/**
 * The Group endpoints' behaviour, one function per verb. Members are never loaded to be written:
 * every membership change is a set operation in db/memberships.ts. A group is returned with a
 * source of its members that the response step (`reply.ts`) reads page by page, only when the
 * response carries them.
 */
import { chunks } from "../db/chunks";
import type { Executor } from "../db/connection";
import * as db from "../db/groups";
import { listGroups as listGroupRows } from "../db/list";
import * as members from "../db/memberships";
import type { GroupRecord } from "../db/resources";
import { type ScimContext, causeOf, inTransaction } from "./context";
import { invalidValue, notFound, translateDbWriteError } from "./errors";
import { patchableGroup, renderGroupHead, toGroupFields } from "./group-model";
import { type ResourceLimits, readResource } from "./ingress";
import { isObject } from "../mapping/json";
import { getKey } from "./json";
import { type ListRequest, prepareList, resourcePage } from "./list-params";
import { readMemberIds } from "./members";
import { type GroupPatchStep, applyPatch, parsePatchRequestInTurns, planGroupPatchInTurns } from "./patch";
import { detectProvisioner } from "./provisioner";
import type { GroupMember, GroupResource, ResourcePage } from "./reply";
import { lockForWrite } from "./write-step";
import { runInTurns } from "../http/turns";

const MEMBER_PAGE = 5000;

function unreachable(value: never): never {
  throw new Error(`unhandled step ${JSON.stringify(value)}`);
}

export function groupResource(ctx: ScimContext, record: GroupRecord): GroupResource {
  const id = record.id;
  return {
    type: "Group",
    id,
    version: record.version,
    head: renderGroupHead(record, ctx.baseUrl),
    members: { [Symbol.asyncIterator]: () => memberPages(ctx, id) },
  };
}

/**
 * A group's members in member-id order, a page at a time (keyset on member id). Read after the
 * commit, from the database rather than the transaction: streaming a large group to a slow client
 * must not hold a transaction open.
 */
async function* memberPages(ctx: ScimContext, groupId: string): AsyncGenerator<readonly GroupMember[]> {
  let after: string | null = null;
  for (;;) {
    const page = await db.groupMembersPage(ctx.db.knex, groupId, after, MEMBER_PAGE);
    if (page.length > 0) yield page;
    const last = page[page.length - 1];
    if (page.length < MEMBER_PAGE || last === undefined) return;
    after = last.value;
  }
}

/**
 * Splits a Group body into its attributes (coerced by the schema) and its member ids. Members are
 * taken out first: running schema coercion over a 100k-member list costs seconds and adds nothing;
 * the list itself is read in turns (a 32 MiB body names 600k members).
 */
async function readGroupBody(body: unknown, limits: ResourceLimits): Promise<{ fields: db.GroupFields; memberIds: string[]; schemas: unknown }> {
  if (!isObject(body)) return { fields: toGroupFields(readResource("Group", body, limits)), memberIds: [], schemas: undefined };
  const membersKey = Object.keys(body).find((k) => k.toLowerCase() === "members");
  const { [membersKey ?? "members"]: raw, ...rest } = body;
  const fields = toGroupFields(readResource("Group", rest, limits));
  return { fields, memberIds: await runInTurns(readMemberIds(raw, "members")), schemas: getKey(body, "schemas") };
}

/**
 * RFC 7643 §4.2 lets a group hold groups, but not itself: that member would make the group's
 * membership its own definition. Said as what it is rather than as an unknown id.
 */
function refuseSelfMembership(groupId: string, ids: readonly string[]): void {
  if (ids.includes(groupId)) throw invalidValue(`A group cannot be its own member: members names the group itself (${groupId}).`);
}

/** Members recomputed per call: recomputing 10k members at once was one 70 ms stretch of the event loop. */
const RECOMPUTE_BATCH = 2000;

/** Role mapping for the members a write added or removed, a batch at a time, in the write's transaction. */
async function recompute(tx: Executor, ctx: ScimContext, memberIds: readonly string[], after: (cb: () => void) => void): Promise<void> {
  for (const batch of chunks(memberIds, RECOMPUTE_BATCH)) after(await ctx.sync.membersChanged(tx, ctx.orgId, batch, causeOf(ctx)));
}

async function fresh(tx: Executor, ctx: ScimContext, id: string): Promise<GroupRecord> {
  const record = await db.findGroup(tx, ctx.orgId, id);
  if (!record) throw notFound(`Group ${id} not found`);
  return record;
}

export async function createGroup(ctx: ScimContext, body: unknown): Promise<GroupResource> {
  const { fields, memberIds: ids, schemas } = await readGroupBody(body, ctx.limits);
  const provisionedBy = detectProvisioner(ctx.client, schemas);
  return inTransaction(ctx, async (tx, after) => {
    const record = await db.insertGroup(tx, ctx.orgId, fields, { source: "scim", provisionedBy }).catch(translateDbWriteError);
    if (ids.length === 0) return groupResource(ctx, record);
    const change = await members.addMembers(tx, ctx.orgId, record.id, ids).catch(translateDbWriteError);
    await recompute(tx, ctx, change.added, after);
    return groupResource(ctx, await fresh(tx, ctx, record.id));
  });
}

export async function getGroup(ctx: ScimContext, id: string): Promise<GroupResource> {
  const record = await db.findGroup(ctx.db.knex, ctx.orgId, id);
  if (!record) throw notFound(`Group ${id} not found`);
  return groupResource(ctx, record);
}

async function writeIdentity(tx: Executor, ctx: ScimContext, current: GroupRecord, fields: db.GroupFields, after: (cb: () => void) => void): Promise<GroupRecord> {
  const record = await db.updateGroup(tx, ctx.orgId, current.id, current.version, fields).catch(translateDbWriteError);
  if (record.displayName !== current.displayName || record.externalId !== current.externalId) {
    after(await ctx.sync.groupIdentityChanged(tx, ctx.orgId, current, record, causeOf(ctx)));
  }
  return record;
}

/**
 * PUT replaces everything, members included, as a set difference in SQL: Okta's App Integration
 * Wizard apps push memberships this way (fixtures/okta/aiw-membership-put.json).
 */
export async function replaceGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<GroupResource> {
  const { fields, memberIds: ids } = await readGroupBody(body, ctx.limits);
  return inTransaction(ctx, async (tx, after) => {
    const current = await lockForWrite(tx, ctx, { kind: "Group", id, find: db.findGroup }, ifMatch);
    refuseSelfMembership(id, ids);
    await writeIdentity(tx, ctx, current, fields, after);
    const change = await members.replaceMembers(tx, ctx.orgId, id, ids).catch(translateDbWriteError);
    await recompute(tx, ctx, [...change.added, ...change.removed], after);
    return groupResource(ctx, await fresh(tx, ctx, id));
  });
}

async function applyStep(tx: Executor, ctx: ScimContext, id: string, step: GroupPatchStep, after: (cb: () => void) => void): Promise<void> {
  let change: members.MembershipChange;
  switch (step.kind) {
    case "attributes": {
      const current = await fresh(tx, ctx, id);
      const patched = applyPatch("Group", patchableGroup(current), step.ops);
      await writeIdentity(tx, ctx, current, toGroupFields(readResource("Group", patched, ctx.limits)), after);
      return;
    }
    case "addMembers":
      refuseSelfMembership(id, step.ids);
      change = await members.addMembers(tx, ctx.orgId, id, step.ids);
      break;
    case "removeMembers":
      change = await members.removeMembers(tx, ctx.orgId, id, step.ids);
      break;
    case "removeAllMembers":
      change = await members.removeAllMembers(tx, ctx.orgId, id);
      break;
    case "replaceMembers":
      refuseSelfMembership(id, step.ids);
      change = await members.replaceMembers(tx, ctx.orgId, id, step.ids);
      break;
    default:
      return unreachable(step);
  }
  await recompute(tx, ctx, [...change.added, ...change.removed], after);
}

/**
 * PATCH never reads the member list: each step is a set operation. Query parameters such as
 * `excludedAttributes=members` only shape the response; the PATCH applies to the stored group
 * (scimmy applied it to the projection, and wiped members).
 */
export async function patchGroup(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<GroupResource> {
  const steps = await planGroupPatchInTurns(await parsePatchRequestInTurns(body, ctx.limits.maxPatchOperations, ctx.limits.filter));
  return inTransaction(ctx, async (tx, after) => {
    await lockForWrite(tx, ctx, { kind: "Group", id, find: db.findGroup }, ifMatch);
    for (const step of steps) await applyStep(tx, ctx, id, step, after).catch(translateDbWriteError);
    return groupResource(ctx, await fresh(tx, ctx, id));
  });
}

export async function deleteGroup(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<void> {
  await inTransaction(ctx, async (tx, after) => {
    await lockForWrite(tx, ctx, { kind: "Group", id, find: db.findGroup }, ifMatch);
    const former = (await db.deleteGroup(tx, ctx.orgId, id)) ?? [];
    await recompute(tx, ctx, former, after);
  });
}

export async function listGroups(ctx: ScimContext, request: ListRequest): Promise<ResourcePage> {
  const prepared = prepareList("Group", ctx.db.dialect, request, ctx.limits);
  const page = await listGroupRows(ctx.db.knex, { orgId: ctx.orgId, ...prepared.query });
  return resourcePage("Group", prepared, page.total, page.items.map((g) => groupResource(ctx, g)));
}
