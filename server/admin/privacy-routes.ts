/**
 * /api/v1/admin privacy routes: the organisation's retention settings and the statement of what is
 * stored (Privacy at view reads, at manage changes), deleted members, personal data exports (a
 * Privacy manager's of anyone, every member's of themselves) and erasures. Each reads its input,
 * calls one use case of roles/admin and answers JSON.
 */
import type { Response, Router } from "express";
import * as admin from "../../roles/admin";
import { ErasureRequest } from "../openapi/requests";
import { validBody } from "../openapi/validate";
import { actorOf } from "./auth";
import { body, query } from "./http";
import { asyncRoute } from "../../http/route";

export function addPrivacyRoutes(router: Router, use: admin.AdminDeps, defaults: admin.PrivacyDefaults): void {
  const route = asyncRoute;

  router.get("/privacy/retention", route(async (_req, res) => {
    res.json(await admin.readRetentionSettings(use, actorOf(res), defaults));
  }));
  router.put("/privacy/retention", route(async (req, res) => {
    res.json(await admin.changeRetentionSettings(use, actorOf(res), body(req), defaults));
  }));
  router.get("/privacy/statement", route(async (_req, res) => {
    res.json(await admin.readPrivacyStatement(use, actorOf(res), defaults));
  }));
  router.get("/privacy/deleted-members", route(async (_req, res) => {
    res.json(await admin.readDeletedMembers(use, actorOf(res)));
  }));
  router.get("/privacy/members", route(async (req, res) => {
    res.json({ members: await admin.searchMembersForExport(use, actorOf(res), query(req, "q") ?? "") });
  }));
  router.get("/me/export", route(async (_req, res) => {
    sendExport(res, await admin.exportOwnData(use, actorOf(res)));
  }));
  router.get("/members/:id/export", route(async (req, res) => {
    sendExport(res, await admin.exportMemberData(use, actorOf(res), req.params.id ?? ""));
  }));
  router.post("/erasures", route(async (req, res) => {
    res.json(await admin.eraseDeletedMember(use, actorOf(res), validBody(req, ErasureRequest, "Name the deleted member by userId or by userName (one of them, as text)")));
  }));
}

/** The export as a file to save (a link with `download` names it), its name from the member's id only. */
function sendExport(res: Response, document: admin.PersonalDataExport): void {
  res.setHeader("Content-Disposition", `attachment; filename="personal-data-${document.member.id.replace(/[^A-Za-z0-9-]/g, "_")}.json"`);
  res.json(document);
}

