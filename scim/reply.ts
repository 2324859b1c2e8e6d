/**
 * What SCIM handlers return, and the one step that turns it into an HTTP response. Handlers
 * return data — a resource, a page of resources, "no content" — and `sendReply` applies the
 * projection (`attributes`/`excludedAttributes`, RFC 7644 §3.9), sets the status, ETag and
 * Location, answers 304 to a GET whose If-None-Match names the current version (RFC 7644 §3.14),
 * and streams the members of groups from the source the handler gave it.
 */
import type { Request, Response } from "express";
import type { ScimContext } from "./context";
import { etagOf, matchesIfNoneMatch } from "./etag";
import type { JsonObject } from "../mapping/json";
import { NO_PROJECTION, type Projection, applyProjection, wantsAttribute } from "./projection";
import { SCIM_CONTENT_TYPE, send, write } from "./respond";
import { LIST_RESPONSE, type ResourceKind } from "./schemas";

export interface UserResource {
  readonly type: "User";
  readonly id: string;
  readonly version: number;
  readonly body: JsonObject;
}

/** A member as a group's response lists it (RFC 7643 §4.2); `$ref` is derived from the id. */
export interface GroupMember {
  readonly value: string;
  readonly type: "User" | "Group";
  readonly display: string | null;
}

export interface GroupResource {
  readonly type: "Group";
  readonly id: string;
  readonly version: number;
  /** The group without `members`. */
  readonly head: JsonObject;
  /**
   * The members, page by page, read only when the response carries them: a 100k-member group is
   * never held in memory as rows and again as one JSON string.
   */
  readonly members: AsyncIterable<readonly GroupMember[]>;
}

export type Resource = UserResource | GroupResource;

export interface ResourcePage {
  readonly totalResults: number;
  /** 1-based, as echoed in the ListResponse. */
  readonly startIndex: number;
  readonly resources: readonly Resource[];
  /** How each resource type on the page is projected; a type not named is returned whole. */
  readonly projections: Readonly<Partial<Record<ResourceKind, Projection>>>;
}

export type Reply =
  | { readonly kind: "resource"; readonly status: 200 | 201; readonly resource: Resource; readonly projection: Projection }
  | { readonly kind: "list"; readonly page: ResourcePage }
  /** 204; the ETag is sent when the resource still exists (a PATCH), not after a DELETE. */
  | { readonly kind: "noContent"; readonly version?: number }
  | { readonly kind: "message"; readonly status: number; readonly body: JsonObject };

export const resourceReply = (status: 200 | 201, resource: Resource, projection: Projection): Reply => ({ kind: "resource", status, resource, projection });
export const listReply = (page: ResourcePage): Reply => ({ kind: "list", page });
export const noContent = (version?: number): Reply => (version === undefined ? { kind: "noContent" } : { kind: "noContent", version });
export const messageReply = (status: number, body: JsonObject): Reply => ({ kind: "message", status, body });

export async function sendReply(req: Request, res: Response, ctx: ScimContext, reply: Reply): Promise<void> {
  switch (reply.kind) {
    case "resource":
      return sendResource(req, res, ctx, reply.status, reply.resource, reply.projection);
    case "list":
      return sendList(res, ctx, reply.page);
    case "noContent":
      res.status(204);
      if (reply.version !== undefined) res.setHeader("ETag", etagOf(reply.version));
      res.end();
      return;
    case "message":
      send(res, reply.status, reply.body);
      return;
  }
}

async function sendResource(req: Request, res: Response, ctx: ScimContext, status: number, resource: Resource, projection: Projection): Promise<void> {
  if (req.method === "GET" && matchesIfNoneMatch(req.get("if-none-match"), resource.version)) {
    res.status(304).setHeader("ETag", etagOf(resource.version));
    res.end();
    return;
  }
  const headers = { version: resource.version, location: `${ctx.baseUrl}/${resource.type}s/${resource.id}` };
  if (!streams(resource, projection)) {
    send(res, status, shaped(resource, projection), headers);
    return;
  }
  res.status(status).type(SCIM_CONTENT_TYPE).setHeader("ETag", etagOf(headers.version));
  res.setHeader("Location", headers.location);
  await writeResource(res, ctx, resource, projection);
  res.end();
}

/** A ListResponse (RFC 7644 §3.4.2), streamed when a group on it carries its members. */
async function sendList(res: Response, ctx: ScimContext, page: ResourcePage): Promise<void> {
  const projectionOf = (resource: Resource): Projection => page.projections[resource.type] ?? NO_PROJECTION;
  const head = { schemas: [LIST_RESPONSE], totalResults: page.totalResults, startIndex: page.startIndex, itemsPerPage: page.resources.length };
  if (!page.resources.some((r) => streams(r, projectionOf(r)))) {
    send(res, 200, { ...head, Resources: page.resources.map((r) => shaped(r, projectionOf(r))) });
    return;
  }
  res.status(200).type(SCIM_CONTENT_TYPE);
  await write(res, `${JSON.stringify(head).slice(0, -1)},"Resources":[`);
  let first = true;
  for (const resource of page.resources) {
    if (!first) await write(res, ",");
    first = false;
    await writeResource(res, ctx, resource, projectionOf(resource));
  }
  await write(res, "]}");
  res.end();
}

function streams(resource: Resource, projection: Projection): boolean {
  return resource.type === "Group" && wantsAttribute(projection, "members");
}

/** The projected resource, for a group without its members. */
function shaped(resource: Resource, projection: Projection): JsonObject {
  return applyProjection(resource.type === "User" ? resource.body : resource.head, projection);
}

async function writeResource(res: Response, ctx: ScimContext, resource: Resource, projection: Projection): Promise<void> {
  const head = JSON.stringify(shaped(resource, projection));
  if (resource.type !== "Group" || !wantsAttribute(projection, "members")) {
    await write(res, head);
    return;
  }
  await write(res, `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"members":[`);
  let first = true;
  for await (const page of resource.members) {
    if (page.length === 0) continue;
    await write(res, (first ? "" : ",") + page.map((m) => JSON.stringify(memberJson(m, ctx.baseUrl))).join(","));
    first = false;
  }
  await write(res, "]}");
}

function memberJson(member: GroupMember, baseUrl: string): JsonObject {
  return {
    value: member.value,
    $ref: `${baseUrl}/${member.type === "Group" ? "Groups" : "Users"}/${member.value}`,
    type: member.type,
    ...(member.display !== null ? { display: member.display } : {}),
  };
}
