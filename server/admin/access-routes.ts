/**
 * My access: `GET /me/access`, the signed-in member's own explanation (every member may read it;
 * no admin right needed), beside `GET /me`.
 */
import type { Response, Router } from "express";
import * as admin from "../../roles/admin";
import { type ProductSections, type VisibleProductSection, visibleSections } from "../console-sections";
import { actorOf } from "./auth";
import { asyncRoute } from "../../http/route";

export function addAccessRoutes(router: Router, deps: { readonly use: admin.AdminDeps }): void {
  const route = asyncRoute;
  router.get("/me/access", route(async (_req, res) => {
    res.json(await admin.explainMyAccess(deps.use, actorOf(res)));
  }));
}

/** `GET /me`: who is signed in, what they may do, and the product's sections they may open. */
export type MeAnswer = admin.Me & { readonly productSections: readonly VisibleProductSection[] };

export async function meAnswer(use: admin.AdminDeps, res: Response, sections: ProductSections): Promise<MeAnswer> {
  const actor = actorOf(res);
  return { ...(await admin.whoAmI(use, actor)), productSections: visibleSections(sections, actor.permissions.admin) };
}
