import type { Response } from "express";
import type { Executor } from "../db/connection";
import { groupMembersPage } from "../db/groups";
import type { RenderedGroup } from "./groups";
import { write } from "./respond";

const PAGE = 5000;

/**
 * Writes a group as JSON, streaming `members` page by page (keyset on member id) so that a
 * 100k-member group is never held in memory as rows and again as one JSON string.
 */
export async function writeGroupJson(res: Response, tx: Executor, group: RenderedGroup, baseUrl: string): Promise<void> {
  const head = JSON.stringify(group.head);
  if (!group.includeMembers) {
    await write(res, head);
    return;
  }
  await write(res, `${head.slice(0, -1)}${head.length > 2 ? "," : ""}"members":[`);
  let after: string | null = null;
  let first = true;
  for (;;) {
    const page = await groupMembersPage(tx, group.id, after, PAGE);
    if (page.length === 0) break;
    const parts = page.map((m) =>
      JSON.stringify({
        value: m.value,
        $ref: `${baseUrl}/${m.type === "Group" ? "Groups" : "Users"}/${m.value}`,
        type: m.type,
        ...(m.display !== null ? { display: m.display } : {}),
      }),
    );
    await write(res, (first ? "" : ",") + parts.join(","));
    first = false;
    after = page[page.length - 1]?.value ?? null;
    if (page.length < PAGE) break;
  }
  await write(res, "]}");
}
