/**
 * `POST /.search` at the service root (RFC 7644 §3.4.3): one query over Users and Groups.
 * A filter naming an attribute only one type has matches nothing of the other type; results
 * are Users (in their stable order) followed by Groups, paged over the concatenation.
 */
import { listGroups as listGroupRows, listUsers as listUserRows } from "../db/list";
import type { ScimContext } from "./context";
import { UnknownAttributeError } from "./filter";
import { groupResource } from "./groups";
import { type ListRequest, type PreparedList, prepareList } from "./list-params";
import type { ResourcePage } from "./reply";
import type { ResourceKind } from "./schemas";
import { userResources } from "./users";

function prepareOrSkip(kind: ResourceKind, ctx: ScimContext, request: ListRequest): PreparedList | null {
  try {
    return prepareList(kind, ctx.db.dialect, request, ctx.limits);
  } catch (err) {
    if (err instanceof UnknownAttributeError) return null;
    throw err;
  }
}

export async function searchAll(ctx: ScimContext, request: ListRequest): Promise<ResourcePage> {
  const userList = prepareOrSkip("User", ctx, request);
  const groupList = prepareOrSkip("Group", ctx, request);
  // Neither type knows the attribute: preparing again throws the error that says so.
  const base = userList ?? groupList ?? prepareList("User", ctx.db.dialect, request, ctx.limits);
  const { offset, limit } = base.query;

  const userPage = userList
    ? await listUserRows(ctx.db.knex, { orgId: ctx.orgId, ...userList.query })
    : { total: 0, items: [] };
  const groupOffset = Math.max(0, offset - userPage.total);
  const groupLimit = limit - userPage.items.length;
  const groupPage = groupList
    ? await listGroupRows(ctx.db.knex, { orgId: ctx.orgId, ...groupList.query, offset: groupOffset, limit: groupLimit })
    : { total: 0, items: [] };

  return {
    totalResults: userPage.total + groupPage.total,
    startIndex: base.startIndex,
    resources: [
      ...(userList ? await userResources(ctx, userPage.items, userList.projection) : []),
      ...groupPage.items.map((g) => groupResource(ctx, g)),
    ],
    projections: { ...(userList ? { User: userList.projection } : {}), ...(groupList ? { Group: groupList.projection } : {}) },
  };
}
