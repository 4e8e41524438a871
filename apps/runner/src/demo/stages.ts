import { type ActionRow, PAYMENT_CONFIRMATION_STEP } from "@regua/core";
import { CommandFailed } from "../commands/shared.js";
import { renderActions, renderSkips, skipReasons } from "../plan-format.js";
import { renderReportText, renderSyncSummary } from "../report.js";
import type { Runtime } from "../runtime.js";
import { renderTable } from "../table.js";
import { DAY_TWO, type DemoWorld } from "./world.js";

const SENT_STATUSES = ["sent", "delivered", "read"] as const;

/** Prints the demo's lines; `done` is the only way to print a ✔. */
export interface Narrator {
  say(text: string): void;
  step(n: number, title: string): void;
  /**
   * "✔ line" when the stage did something; a stage that did nothing proves nothing, so the demo
   * fails there (exit 1, no ✔) instead of printing a green line over zero.
   */
  done(count: number, line: string): void;
}

export function narrator(out: (text: string) => void): Narrator {
  return {
    say: out,
    step: (n, title) => out(`\n── ${n}. ${title} ${"─".repeat(Math.max(0, 60 - title.length))}`),
    done(count, line) {
      if (!(count > 0)) throw new CommandFailed(`demo: a stage did nothing: ${line}`);
      out(`✔ ${line}`);
    },
  };
}

export async function syncStage(world: DemoWorld, show: Narrator, signal: AbortSignal): Promise<void> {
  show.step(1, "Sync the ERP");
  const initial = await world.engine.sync({ signal });
  show.say(renderSyncSummary(initial));
  const invoices = initial.entities.filter((e) => e.entity === "invoices").reduce((n, e) => n + e.records, 0);
  show.done(invoices, `${invoices} invoices synced`);
}

export async function planStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(2, "Plan by the policy (first actions with their traces)");
  const plan = await world.engine.plan({ dryRun: false });
  const { actions, skips } = plan.result;
  const escalations = actions.filter((a) => a.kind === "escalate");
  show.say(`skipped: ${skipReasons(skips)}`);
  // Messages first, then one escalation: what an operator sees on a first run.
  const messages = actions.filter((a) => a.kind === "message");
  show.say(renderActions([...messages.slice(0, 3), ...escalations.slice(0, 1)], 4));
  const tooLate = skips.filter((s) => s.reason === "too_late");
  if (tooLate.length > 0) {
    show.say(`\n${tooLate.length} step(s) more than catchUpMaxDays late wait for an operator, e.g.:`);
    show.say(renderSkips(tooLate, 2));
  }
  show.done(
    plan.actions,
    `${plan.actions} action(s) planned for ${plan.customers} customer(s): ${messages.length} message(s), ${escalations.length} escalation(s)`,
  );
}

export async function dispatchAll(engine: Runtime["engine"]) {
  const total = { sent: 0, recorded: 0, failed: 0, retried: 0 };
  for (let round = 0; round < 100; round++) {
    const d = await engine.dispatch({ limit: 200 });
    total.sent += d.sent;
    total.recorded += d.recorded;
    total.failed += d.failed;
    total.retried += d.retried;
    if (d.claimed === 0) break;
  }
  return total;
}

export async function dispatchStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(3, "Dispatch");
  const first = await dispatchAll(world.engine);
  show.done(
    first.sent,
    `${first.sent} messages sent through ${world.channel.configEntry.id} (whatsapp); ${first.recorded} escalation(s) recorded, ` +
      `${first.failed} failed, ${first.retried} to retry`,
  );
}

export async function statusStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(4, "Delivery status webhooks → POST /webhooks/…");
  const posted = await world.channel.deliverStatuses();
  show.done(posted, `${posted} status webhook(s) verified and applied`);
  show.say(statusTable(await world.rt.store.listActions({ limit: 10_000 })));
}

export async function paymentsStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(5, "Next morning: payments land in the ERP");
  world.clock.jumpTo(DAY_TWO);
  const planned = await world.engine.plan({ dryRun: false });
  show.say(
    `${planned.inserted} new action(s) planned for ${DAY_TWO.slice(0, 10)} before the payments arrive`,
  );
  const payers = await choosePayers(world.rt, world.erp.configEntry.id);
  for (const invoice of payers) await world.erp.markPaid(invoice, DAY_TWO.slice(0, 10));
  show.done(payers.length, `${payers.length} invoice(s) paid in the ERP: ${payers.join(", ")}`);
}

export async function resyncStage(world: DemoWorld, show: Narrator, signal: AbortSignal): Promise<void> {
  show.step(6, "Sync again: payments stop the sequences");
  const second = await world.engine.sync({ signal });
  show.say(renderSyncSummary(second));
  const stopped = (await world.rt.store.listActions({ status: ["skipped"], limit: 10_000 })).filter((a) =>
    (a.statusReason ?? "").includes("paid"),
  );
  show.say(
    renderTable(
      ["invoice", "customer", "step", "status", "reason"],
      stopped
        .slice(0, 8)
        .map((a) => [a.invoiceRefs.join(","), a.customerRef, a.stepId, a.status, a.statusReason]),
    ),
  );
  show.done(
    stopped.length,
    `${stopped.length} planned action(s) stopped by payment (${second.paidNow} invoice(s) newly paid)`,
  );
  const confirmations = await dispatchAll(world.engine);
  await world.channel.deliverStatuses();
  const confirmed = (await world.rt.store.listActions({ status: [...SENT_STATUSES], limit: 10_000 })).filter(
    (a) => a.stepId === PAYMENT_CONFIRMATION_STEP,
  );
  show.done(
    confirmed.length,
    `${confirmed.length} payment confirmation(s) sent (${confirmations.sent} message(s) in this dispatch)`,
  );
}

export async function writeBackStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(7, "Write every contact back to the ERP");
  let written = 0;
  for (let round = 0; round < 50; round++) {
    const w = await world.engine.writeBack();
    written += w.written;
    if (w.claimed === 0) break;
  }
  show.done(
    written,
    `${written} collection activities written back (${await world.erp.activitiesWritten()} in the ERP)`,
  );
}

export async function reportStage(world: DemoWorld, show: Narrator): Promise<void> {
  show.step(8, "Report");
  show.say(renderReportText(await world.rt.store.report(world.clock.now().toISOString())));
}

/** Who pays: invoices with a planned message for today (their sequence visibly stops) and a few already contacted. */
async function choosePayers(rt: Runtime, source: string): Promise<string[]> {
  const planned = await rt.store.listActions({ status: ["planned"], source, limit: 10_000 });
  const contacted = await rt.store.listActions({
    status: [...SENT_STATUSES],
    source,
    limit: 10_000,
  });
  const pick = (rows: ActionRow[], n: number) =>
    [...new Set(rows.filter((r) => r.kind === "message").flatMap((r) => r.invoiceRefs))].sort().slice(0, n);
  return [...new Set([...pick(planned, 6), ...pick(contacted, 6)])];
}

function statusTable(rows: ActionRow[]): string {
  const counts = new Map<string, number>();
  for (const r of rows) counts.set(r.status, (counts.get(r.status) ?? 0) + 1);
  return renderTable(
    ["status", "actions"],
    [...counts].sort().map(([s, n]) => [s, n]),
  );
}
