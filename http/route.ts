/**
 * express 4 does not catch a rejected promise: an async handler's failure would never reach the
 * router's error handler, and the request would hang. Every async route is wrapped here.
 */
import type { NextFunction, Request, RequestHandler, Response } from "express";

export function asyncRoute(handler: (req: Request, res: Response) => Promise<void>): RequestHandler {
  return (req: Request, res: Response, next: NextFunction) => {
    handler(req, res).catch(next);
  };
}
