/**
 * The User endpoints' behaviour, one function per verb: read the request, act in one
 * transaction (which also recomputes permissions), and return the resource for the response
 * step (`reply.ts`) to shape.
 */
import { appRoleValues } from "../db/app-roles";
import type { Executor } from "../db/connection";
import { listUsers as listUserRows } from "../db/list";
import type { UserRecord } from "../db/resources";
import { type GroupRef, groupsOfUsers } from "../db/groups";
import * as db from "../db/users";
import { adoptConsoleMember, recordMemberOrigin } from "../db/member-standing";
import { type ScimContext, causeOf, inTransaction } from "./context";
import { notFound, translateDbWriteError } from "./errors";
import { readResource } from "./ingress";
import { type ListRequest, prepareList, resourcePage } from "./list-params";
import { applyPatch, parsePatchRequest } from "./patch";
import { type Projection, wantsAttribute } from "./projection";
import { detectProvisioner } from "./provisioner";
import type { ResourcePage, UserResource } from "./reply";
import { patchableUser, renderUser, toUserFields } from "./user-model";
import { lockForWrite } from "./write-step";

function userResource(ctx: ScimContext, record: UserRecord, groups: readonly GroupRef[] | undefined): UserResource {
  return { type: "User", id: record.id, version: record.version, body: renderUser(record, groups, ctx.baseUrl) };
}

/** The user just written, with its groups. */
async function render(tx: Executor, ctx: ScimContext, record: UserRecord): Promise<UserResource> {
  return userResource(ctx, record, (await groupsOfUsers(tx, ctx.orgId, [record.id])).get(record.id));
}

export async function createUser(ctx: ScimContext, body: unknown): Promise<UserResource> {
  const fields = toUserFields(readResource("User", body, ctx.limits), true);
  return inTransaction(ctx, async (tx, after) => {
    const record = await db.insertUser(tx, ctx.orgId, fields).catch(translateDbWriteError);
    // Who provisioned the member, so the console can name the IdP that owns their attributes.
    const schemas = typeof body === "object" && body !== null && "schemas" in body ? body.schemas : undefined;
    await recordMemberOrigin(tx, ctx.orgId, record.id, { origin: detectProvisioner(ctx.client, schemas) ?? "scim", addedBy: null, at: record.created });
    const member = { id: record.id, userName: record.userName, active: record.active, appRoles: appRoleValues(record.data["roles"]) };
    after(await ctx.sync.memberCreated(tx, ctx.orgId, member, causeOf(ctx)));
    // A new user is in no group yet.
    return userResource(ctx, record, []);
  });
}

/** `projection` only spares reading the user's groups when the response will not show them. */
export async function getUser(ctx: ScimContext, id: string, projection: Projection): Promise<UserResource> {
  if (!wantsAttribute(projection, "groups")) {
    const record = await db.findUser(ctx.db.knex, ctx.orgId, id);
    if (!record) throw notFound(`User ${id} not found`);
    return userResource(ctx, record, undefined);
  }
  const found = await db.findUserWithGroups(ctx.db.knex, ctx.orgId, id);
  if (!found) throw notFound(`User ${id} not found`);
  return userResource(ctx, found.user, found.groups);
}

/** PUT: a full replace (RFC 7644 §3.5.1); read-only attributes in the body are ignored. */
export async function replaceUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<UserResource> {
  const resource = readResource("User", body, ctx.limits);
  return inTransaction(ctx, async (tx, after) => {
    const current = await lockForWrite(tx, ctx, { kind: "User", id, find: db.findUser }, ifMatch);
    // A PUT that leaves `active` out (or sends null) does not assert it: the stored flag stays.
    const fields = toUserFields(resource, current.active);
    const record = await db.updateUser(tx, ctx.orgId, id, current.version, fields, current).catch(translateDbWriteError);
    await adoptConsoleMember(tx, ctx.orgId, id, detectProvisioner(ctx.client, undefined), record.lastModified);
    after(await ctx.sync.membersChanged(tx, ctx.orgId, [id], causeOf(ctx)));
    return render(tx, ctx, record);
  });
}

/**
 * PATCH: applied to the stored resource under a row lock (so parallel PATCHes serialise and none is
 * lost), never to the projection a query parameter asked for.
 */
export async function patchUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<UserResource> {
  const operations = parsePatchRequest(body, ctx.limits.maxPatchOperations, ctx.limits.filter);
  return inTransaction(ctx, async (tx, after) => {
    const current = await lockForWrite(tx, ctx, { kind: "User", id, find: db.findUser }, ifMatch);
    const patched = applyPatch("User", patchableUser(current), operations);
    // `active` is absent only when an operation removed it or set it to null: unassigned, not active.
    const fields = toUserFields(readResource("User", patched, ctx.limits), false);
    const record = await db.updateUser(tx, ctx.orgId, id, current.version, fields, current).catch(translateDbWriteError);
    await adoptConsoleMember(tx, ctx.orgId, id, detectProvisioner(ctx.client, undefined), record.lastModified);
    after(await ctx.sync.membersChanged(tx, ctx.orgId, [id], causeOf(ctx)));
    return render(tx, ctx, record);
  });
}

export async function deleteUser(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<void> {
  await inTransaction(ctx, async (tx, after) => {
    await lockForWrite(tx, ctx, { kind: "User", id, find: db.findUser }, ifMatch);
    after(await ctx.sync.userDeleted(tx, ctx.orgId, id, causeOf(ctx)));
    await db.deleteUser(tx, ctx.orgId, id);
  });
}

export async function listUsers(ctx: ScimContext, request: ListRequest): Promise<ResourcePage> {
  const prepared = prepareList("User", ctx.db.dialect, request, ctx.limits);
  const page = await listUserRows(ctx.db.knex, { orgId: ctx.orgId, ...prepared.query });
  return resourcePage("User", prepared, page.total, await userResources(ctx, page.items, prepared.projection));
}

/** The users of a page, with their groups (one query for the page) unless the projection leaves them out. */
export async function userResources(ctx: ScimContext, records: readonly UserRecord[], projection: Projection): Promise<UserResource[]> {
  const withGroups = wantsAttribute(projection, "groups") && records.length > 0;
  const groups = withGroups ? await groupsOfUsers(ctx.db.knex, ctx.orgId, records.map((u) => u.id)) : undefined;
  return records.map((u) => userResource(ctx, u, groups?.get(u.id)));
}
