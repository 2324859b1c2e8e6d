/** `webhooks add | list | remove | test | deliveries`: event delivery to the organisation's own services. */
import type { Command } from "commander";
import { type DeliveryStatus, deleteWebhook, findWebhook, insertWebhook, listDeliveries, listWebhooks } from "../../db/webhooks";
import { WebhookTargets } from "../webhook-targets";
import { WEBHOOK_EVENT_TYPES, newWebhookSecret, sendWebhook, webhookUrlProblem } from "../webhooks";
import { type CliContext, CliError, EXIT, configOf, withJsonOption, withOrg, withOrgOption } from "./context";
import { err, out, printJson, printTable } from "./output";

const STATUSES = ["failed", "pending", "delivered", "all"] as const;
type StatusChoice = (typeof STATUSES)[number];
const isStatusChoice = (value: string): value is StatusChoice => (STATUSES as readonly string[]).includes(value);

/** Where webhooks may go, as the server sees it (WEBHOOK_ALLOW_PRIVATE). */
function webhookTargets(ctx: CliContext): WebhookTargets {
  return new WebhookTargets(configOf(ctx).operations.webhooks.allowPrivate);
}

function eventsOf(option: readonly string[] | undefined): string[] {
  const events = (option ?? []).flatMap((e) => e.split(",")).map((e) => e.trim()).filter((e) => e !== "");
  const unknown = events.filter((e) => !(WEBHOOK_EVENT_TYPES as readonly string[]).includes(e));
  if (unknown.length > 0) throw new CliError(`unknown event type(s) ${unknown.join(", ")}; known: ${WEBHOOK_EVENT_TYPES.join(", ")}`, EXIT.usage);
  return events;
}

export function webhookCommands(program: Command, ctx: CliContext): void {
  const webhooks = program.command("webhooks").description("deliver permissions.changed and admin.action events to HTTPS endpoints (Standard Webhooks)");
  withOrgOption(webhooks.command("add").description("add a webhook; prints its id, then its signing secret (shown once)"), ctx)
    .requiredOption("--url <url>", "https URL to a public address (http only to a loopback address WEBHOOK_ALLOW_PRIVATE lets through)")
    .option("--events <types...>", `event types to send (default: all; known: ${WEBHOOK_EVENT_TYPES.join(", ")})`)
    .action(async (opts: { org: string; url: string; events?: string[] }) => {
      const problem = webhookUrlProblem(opts.url);
      if (problem) throw new CliError(problem);
      const events = eventsOf(opts.events);
      await withOrg(ctx, opts.org, async ({ db, org }) => {
        const target = await webhookTargets(ctx).check(new URL(opts.url));
        if (target.kind === "refused") throw new CliError(target.reason);
        // The server may resolve names the CLI's machine cannot; it checks every delivery again anyway.
        if (target.kind === "unresolved") err(`warning: ${target.error}; the server checks the address at every delivery`);
        const secret = newWebhookSecret();
        const hook = await insertWebhook(db.knex, { orgId: org.id, url: opts.url, secret, events });
        err(`webhook ${hook.id} for organisation "${org.name}" receives ${events.length === 0 ? "every event" : events.join(", ")} from now on`);
        err("its signing secret (shown once; verify webhook-signature with any Standard Webhooks library):");
        out(hook.id);
        out(secret);
      });
    });
  withJsonOption(withOrgOption(webhooks.command("list").description("list the organisation's webhooks (never their secrets)"), ctx)).action(async (opts: { org: string; json?: boolean }) =>
    withOrg(ctx, opts.org, async ({ db, org }) => {
      const hooks = await listWebhooks(db.knex, org.id);
      if (opts.json === true) {
        printJson(hooks.map((h) => ({ id: h.id, url: h.url, events: h.events, createdAt: h.createdAt, pausedUntil: h.pausedUntil, failures: h.failures })));
        return;
      }
      printTable(
        ["ID", "URL", "EVENTS", "CREATED", "CIRCUIT"],
        hooks.map((h) => [h.id, h.url, h.events.length === 0 ? "*" : h.events.join(","), h.createdAt, h.pausedUntil === null ? "closed" : `paused until ${h.pausedUntil} after ${h.failures} failures in a row`]),
        `"${org.name}" has no webhooks`,
      );
    }),
  );
  withOrgOption(webhooks.command("remove <id>").description("remove a webhook; nothing more is sent to it"), ctx).action(async (id: string, opts: { org: string }) =>
    withOrg(ctx, opts.org, async ({ db, org }) => {
      if (!(await deleteWebhook(db.knex, org.id, id))) throw new CliError(`No webhook ${id} in "${org.name}"`);
      out(`removed ${id}`);
    }),
  );
  withOrgOption(webhooks.command("test <id>").description("send a signed webhook.test message now and print the answer"), ctx).action(async (id: string, opts: { org: string }) =>
    withOrg(ctx, opts.org, async ({ db, org }) => {
      const hook = await findWebhook(db.knex, org.id, id);
      if (!hook) throw new CliError(`No webhook ${id} in "${org.name}"`);
      const body = JSON.stringify({ type: "webhook.test", timestamp: new Date().toISOString(), data: { webhookId: hook.id, organisation: org.name } });
      const result = await sendWebhook({ url: hook.url, secret: hook.secret, messageId: `msg_test_${Date.now()}`, body, timeoutMs: configOf(ctx).operations.webhooks.timeoutMs, targets: webhookTargets(ctx) });
      if (!result.ok) throw new CliError(`${hook.url}: ${result.error ?? "failed"}`);
      out(`${hook.url}: ${result.status ?? ""} ok`);
    }),
  );
  withJsonOption(withOrgOption(webhooks.command("deliveries").description("list deliveries, newest first, with their last error"), ctx))
    .option("--status <status>", STATUSES.join(", "), "failed")
    .option("--limit <n>", "at most this many, newest first", "50")
    .action(async (opts: { org: string; status: string; limit: string; json?: boolean }) => {
      if (!isStatusChoice(opts.status)) throw new CliError(`--status must be one of ${STATUSES.join(", ")}`, EXIT.usage);
      const limit = Number(opts.limit);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10000) throw new CliError("--limit must be an integer between 1 and 10000", EXIT.usage);
      const status: DeliveryStatus | undefined = opts.status === "all" ? undefined : opts.status;
      await withOrg(ctx, opts.org, async ({ db, org }) => {
        const rows = await listDeliveries(db.knex, org.id, { limit, ...(status ? { status } : {}) });
        if (opts.json === true) {
          printJson(rows);
          return;
        }
        printTable(
          ["ID", "STATUS", "EVENT", "ATTEMPTS", "URL", "LAST ERROR"],
          rows.map((d) => [d.id, d.status, String(d.eventId), String(d.attempts), d.url, d.lastError ?? (d.lastStatus === null ? "" : `HTTP ${d.lastStatus}`)]),
          `no ${opts.status === "all" ? "" : `${opts.status} `}deliveries`,
        );
      });
    });
}
