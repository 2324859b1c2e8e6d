/**
 * User Management's admin routes: members added by e-mail and removed, suspended and reactivated
 * (with a plan first), signed out of every console session; the manual groups a member manager may
 * fill, and the plan of a membership change. Each reads its input and calls one use case of
 * roles/admin, which re-reads the actor in its transaction and judges the change.
 */
import type { Request, Router } from "express";
import * as admin from "../../roles/admin";
import { MembershipPlanRequest, NewMemberRequest, SuspensionRequest } from "../openapi/requests";
import { validBody } from "../openapi/validate";
import { actorOf } from "./auth";
import { pageLimit, query } from "./http";
import { asyncRoute } from "../../http/route";

export function addMemberRoutes(router: Router, use: admin.AdminDeps): void {
  const route = asyncRoute;
  const id = (req: Request): string => req.params.id ?? "";

  router.post("/members", route(async (req, res) => {
    const input = validBody(req, NewMemberRequest);
    res.status(201).json(await admin.addLocalMember(use, actorOf(res), { email: input.email, displayName: input.displayName }));
  }));
  router.delete("/members/:id", route(async (req, res) => {
    await admin.removeLocalMember(use, actorOf(res), id(req));
    res.status(204).end();
  }));
  router.post("/members/:id/suspend/plan", route(async (req, res) => {
    res.json(await admin.planSuspension(use, actorOf(res), id(req)));
  }));
  router.post("/members/:id/suspend", route(async (req, res) => {
    res.json(await admin.suspendMember(use, actorOf(res), id(req), validBody(req, SuspensionRequest).reason));
  }));
  router.post("/members/:id/reactivate", route(async (req, res) => {
    res.json(await admin.reactivateMember(use, actorOf(res), id(req)));
  }));
  router.post("/members/:id/sign-out", route(async (req, res) => {
    res.json(await admin.signOutMember(use, actorOf(res), id(req)));
  }));

  router.get("/manual-groups", route(async (req, res) => {
    const [q, cursor] = [query(req, "q"), query(req, "cursor")];
    res.json(await admin.listManualGroups(use, actorOf(res), { limit: pageLimit(req), ...(q === undefined ? {} : { q }), ...(cursor === undefined ? {} : { cursor }) }));
  }));
  router.post("/groups/:id/members/:userId/plan", route(async (req, res) => {
    const { op } = validBody(req, MembershipPlanRequest);
    res.json(await admin.planGroupMembership(use, actorOf(res), id(req), req.params.userId ?? "", op));
  }));
}
