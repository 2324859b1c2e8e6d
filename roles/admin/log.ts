/**
 * Every admin write's log row (db/admin-actions.ts), with its `admin.action` event announced after
 * the commit: the event is written in the write's own transaction, and this process's event stream
 * and webhook dispatcher are told to look once it is durable.
 */
import { appendAdminAction } from "../../db/admin-actions";
import type { Executor } from "../../db/connection";
import type { OnCommit } from "../../db/transaction";
import type { AdminDeps } from "./mapping";

export async function logAdminAction(
  deps: Pick<AdminDeps, "sync">,
  tx: Executor,
  after: OnCommit,
  orgId: string,
  action: { actor: string; action: string; target: string | null; detail: unknown },
): Promise<number> {
  const seq = await appendAdminAction(tx, orgId, action);
  after(deps.sync.eventsStaged(orgId));
  return seq;
}
