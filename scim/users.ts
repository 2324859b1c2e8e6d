import type { Executor } from "../db/connection";
import { listUsers as listUserRows } from "../db/list";
import type { UserRecord } from "../db/resources";
import * as db from "../db/users";
import { type ScimContext, causeOf, inTransaction } from "./context";
import { checkIfMatch } from "./etag";
import { notFound, translateDbWriteError } from "./errors";
import { readResource } from "./ingress";
import { type ListRequest, prepareList } from "./list-params";
import { applyPatch, parsePatchRequest } from "./patch";
import { type Projection, applyProjection, wantsAttribute } from "./projection";
import type { JsonObject } from "./json";
import { patchableUser, renderUser, toUserFields } from "./user-model";

/**
 * The User endpoints' behaviour, one function per verb: read the request, act in one
 * transaction (which also recomputes permissions), return what to send.
 */
export interface Rendered {
  readonly resource: JsonObject;
  readonly version: number;
  readonly id: string;
}

async function render(tx: Executor, ctx: ScimContext, record: UserRecord, projection?: Projection): Promise<Rendered> {
  const withGroups = projection === undefined || wantsAttribute(projection, "groups");
  const groups = withGroups ? (await db.groupsOfUsers(tx, ctx.orgId, [record.id])).get(record.id) : undefined;
  const resource = renderUser(record, groups, ctx.baseUrl);
  return { resource: projection ? applyProjection(resource, projection) : resource, version: record.version, id: record.id };
}

export async function createUser(ctx: ScimContext, body: unknown): Promise<Rendered> {
  const fields = toUserFields(readResource("User", body));
  return inTransaction(ctx, async (tx, after) => {
    const record = await db.insertUser(tx, ctx.orgId, fields).catch(translateDbWriteError);
    after(await ctx.sync.memberCreated(tx, ctx.orgId, { id: record.id, userName: record.userName, active: record.active }, causeOf(ctx)));
    // A new user is in no group yet.
    return { resource: renderUser(record, [], ctx.baseUrl), version: record.version, id: record.id };
  });
}

export async function getUser(ctx: ScimContext, id: string, projection: Projection): Promise<Rendered> {
  if (!wantsAttribute(projection, "groups")) {
    const record = await db.findUser(ctx.db.knex, ctx.orgId, id);
    if (!record) throw notFound(`User ${id} not found`);
    return render(ctx.db.knex, ctx, record, projection);
  }
  const found = await db.findUserWithGroups(ctx.db.knex, ctx.orgId, id);
  if (!found) throw notFound(`User ${id} not found`);
  return { resource: applyProjection(renderUser(found.user, found.groups, ctx.baseUrl), projection), version: found.user.version, id };
}

/** PUT: a full replace (RFC 7644 §3.5.1); read-only attributes in the body are ignored. */
export async function replaceUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<Rendered> {
  const fields = toUserFields(readResource("User", body));
  return inTransaction(ctx, async (tx, after) => {
    const current = await db.findUser(tx, ctx.orgId, id, { forUpdate: true });
    if (!current) throw notFound(`User ${id} not found`);
    checkIfMatch(ifMatch, current.version);
    const record = await db.updateUser(tx, ctx.orgId, id, current.version, fields).catch(translateDbWriteError);
    after(await ctx.sync.membersChanged(tx, ctx.orgId, [id], causeOf(ctx)));
    return render(tx, ctx, record);
  });
}

/**
 * PATCH: applied to the stored resource under a row lock (so parallel PATCHes serialise and none is
 * lost), never to the projection a query parameter asked for.
 */
export async function patchUser(ctx: ScimContext, id: string, body: unknown, ifMatch: string | undefined): Promise<Rendered> {
  const operations = parsePatchRequest(body);
  return inTransaction(ctx, async (tx, after) => {
    const current = await db.findUser(tx, ctx.orgId, id, { forUpdate: true });
    if (!current) throw notFound(`User ${id} not found`);
    checkIfMatch(ifMatch, current.version);
    const patched = applyPatch("User", patchableUser(current), operations);
    const fields = toUserFields(readResource("User", patched));
    const record = await db.updateUser(tx, ctx.orgId, id, current.version, fields).catch(translateDbWriteError);
    after(await ctx.sync.membersChanged(tx, ctx.orgId, [id], causeOf(ctx)));
    return render(tx, ctx, record);
  });
}

export async function deleteUser(ctx: ScimContext, id: string, ifMatch: string | undefined): Promise<void> {
  await inTransaction(ctx, async (tx, after) => {
    const current = await db.findUser(tx, ctx.orgId, id, { forUpdate: true });
    if (!current) throw notFound(`User ${id} not found`);
    checkIfMatch(ifMatch, current.version);
    after(await ctx.sync.userDeleted(tx, ctx.orgId, id, causeOf(ctx)));
    await db.deleteUser(tx, ctx.orgId, id);
  });
}

export interface ListPage {
  readonly totalResults: number;
  readonly startIndex: number;
  readonly Resources: JsonObject[];
}

export async function listUsers(ctx: ScimContext, request: ListRequest): Promise<ListPage> {
  const prepared = prepareList("User", ctx.db.dialect, request, ctx.limits);
  const tx = ctx.db.knex;
  const page = await listUserRows(tx, { orgId: ctx.orgId, ...prepared.query });
  const withGroups = wantsAttribute(prepared.projection, "groups");
  const groups = withGroups && page.items.length > 0 ? await db.groupsOfUsers(tx, ctx.orgId, page.items.map((u) => u.id)) : undefined;
  return {
    totalResults: page.total,
    startIndex: prepared.startIndex,
    Resources: page.items.map((u) => applyProjection(renderUser(u, groups?.get(u.id), ctx.baseUrl), prepared.projection)),
  };
}
