import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { type ActionRow, PAYMENT_CONFIRMATION_STEP, parsePolicy, SAMPLE_POLICY_YAML } from "@regua/core";
import { stringify } from "yaml";
import type { Io } from "../commands/shared.js";
import { parseConfig } from "../config.js";
import { shutdownSignal } from "../context.js";
import { createLogger } from "../logger.js";
import { createMetrics, instrumentEngine } from "../metrics.js";
import { renderActions, renderSkips, skipReasons } from "../plan-format.js";
import { renderReportText, renderSyncSummary } from "../report.js";
import { openRuntime, type Runtime } from "../runtime.js";
import { buildServer } from "../server.js";
import { renderTable } from "../table.js";
import { CHANNEL_ID, startDemoChannel } from "./channel.js";
import { DemoClock } from "./clock.js";
import { SOURCE_ID, startDemoErp } from "./erp.js";
import { policyTemplates } from "./templates.js";

/** Fixed dates so the demo prints the same thing every time (a Tuesday and the Wednesday after). */
export const DEMO_TODAY = "2026-03-10";
const DAY_ONE = "2026-03-10T12:00:00.000Z"; // 09:00 in São Paulo: inside the send window
const DAY_TWO = "2026-03-11T11:30:00.000Z"; // 08:30 the next morning

export interface DemoOptions {
  erp: "rest" | "sap-b1";
  customers: number;
  keep: boolean;
}

const SENT_STATUSES = ["sent", "delivered", "read"] as const;

/**
 * The whole cycle against bundled fakes: sync → plan → dispatch → status webhooks → payments
 * in the ERP → sync again (sequences stop, confirmations queue) → dispatch → write-back → report.
 */
export async function demoCommand(options: DemoOptions, io: Io): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), "regua-demo-"));
  const clock = new DemoClock(DAY_ONE);
  const log = createLogger({ level: "warn" });
  const shutdown = shutdownSignal(log);
  const say = (text: string) => io.out(text);
  const step = (n: number, title: string) =>
    say(`\n── ${n}. ${title} ${"─".repeat(Math.max(0, 60 - title.length))}`);
  const cleanups: (() => Promise<unknown>)[] = [];
  try {
    const policyText = demoPolicy();
    writeFileSync(path.join(dir, "policy.yaml"), policyText);
    const policy = parsePolicy(policyText, "policy.yaml");
    const erp = await startDemoErp({
      kind: options.erp,
      customers: options.customers,
      today: DEMO_TODAY,
      clock,
    });
    cleanups.push(() => erp.close());
    const channel = await startDemoChannel({ templates: policyTemplates(policy) });
    cleanups.push(() => channel.close());

    const configText = stringify({
      store: { sqlite: "./regua.db" },
      secretKey: "demo-secret-key-not-for-production",
      sources: [erp.configEntry],
      channels: [channel.configEntry],
      policy: "./policy.yaml",
      schedule: { sync: "*/15 * * * *", dispatch: "*/5 8-19 * * 1-5" },
      server: { port: 0, host: "127.0.0.1" },
    });
    writeFileSync(path.join(dir, "regua.yaml"), configText);
    const config = parseConfig(configText, path.join(dir, "regua.yaml"));
    const rt = await openRuntime(config, { log, clock, signal: shutdown.signal });
    cleanups.push(() => rt.close());
    const metrics = createMetrics({ store: rt.store, now: () => clock.now(), defaults: false });
    const engine = instrumentEngine(rt.engine, metrics);
    const app = await buildServer({
      engine,
      store: rt.store,
      log,
      clock,
      metrics,
      channels: rt.channels.map((c) => ({ id: c.id, packageName: c.packageName, instance: c.channel })),
      connectors: rt.sources.map((s) => ({ id: s.id, packageName: s.packageName, instance: s.connector })),
    });
    cleanups.push(() => app.close());
    const webhookBase = await app.listen({ port: 0, host: "127.0.0.1" });
    channel.attach(webhookBase);

    say("régua demo — everything runs locally against bundled fakes; nothing leaves this machine.");
    say(`  workspace  ${dir}${options.keep ? " (kept)" : " (removed at the end; --keep to keep it)"}`);
    say(`  ERP        ${erp.describe}`);
    say(`  channel    ${channel.describe}`);
    say(`  store      SQLite at ${"sqlite" in config.store ? config.store.sqlite : "?"}`);
    say(`  server     ${webhookBase} (webhooks, /metrics, dashboard)`);
    say(`  clock      fixed at ${DAY_ONE} (Tuesday 09:00 in São Paulo)`);

    step(1, "Sync the ERP");
    const initial = await engine.sync({ signal: shutdown.signal });
    say(renderSyncSummary(initial));
    const invoicesSynced = initial.entities
      .filter((e) => e.entity === "invoices")
      .reduce((n, e) => n + e.records, 0);
    say(`✔ ${invoicesSynced} invoices synced`);

    step(2, "Plan by the policy (first actions with their traces)");
    const plan = await engine.plan({ dryRun: false });
    say(
      `${plan.actions} action(s) planned for ${plan.customers} customer(s); skipped: ${skipReasons(plan.result.skips)}`,
    );
    // Messages first: on a fresh install most old debts jump straight to the latest step (catch-up).
    const byKind = [...plan.result.actions].sort(
      (a, b) => Number(a.kind !== "message") - Number(b.kind !== "message"),
    );
    say(
      renderActions([...byKind.slice(0, 3), ...byKind.filter((a) => a.kind === "escalate").slice(0, 1)], 4),
    );
    if (plan.result.skips.length > 0) say(`\n${renderSkips(plan.result.skips, 3)}`);

    step(3, "Dispatch");
    const first = await dispatchAll(engine);
    say(
      `✔ ${first.sent} messages sent through ${CHANNEL_ID} (whatsapp); ${first.recorded} escalation(s) recorded, ` +
        `${first.failed} failed, ${first.retried} to retry`,
    );

    step(4, "Delivery status webhooks → POST /webhooks/…");
    const posted = await channel.deliverStatuses();
    say(`✔ ${posted} status webhook(s) verified and applied`);
    say(statusTable(await rt.store.listActions({ limit: 10_000 })));

    step(5, "Next morning: payments land in the ERP");
    clock.jumpTo(DAY_TWO);
    const planned = await engine.plan({ dryRun: false });
    say(`${planned.inserted} new action(s) planned for ${DAY_TWO.slice(0, 10)} before the payments arrive`);
    const payers = await choosePayers(rt);
    for (const invoice of payers) await erp.markPaid(invoice, DAY_TWO.slice(0, 10));
    say(`${payers.length} invoice(s) paid in the ERP: ${payers.join(", ")}`);

    step(6, "Sync again: payments stop the sequences");
    const second = await engine.sync({ signal: shutdown.signal });
    say(renderSyncSummary(second));
    const stopped = (await rt.store.listActions({ status: ["skipped"], limit: 10_000 })).filter((a) =>
      (a.statusReason ?? "").includes("paid"),
    );
    say(
      renderTable(
        ["invoice", "customer", "step", "status", "reason"],
        stopped
          .slice(0, 8)
          .map((a) => [a.invoiceRefs.join(","), a.customerRef, a.stepId, a.status, a.statusReason]),
      ),
    );
    say(`✔ ${stopped.length} planned action(s) stopped by payment (${second.paidNow} invoice(s) newly paid)`);
    const confirmations = await dispatchAll(engine);
    await channel.deliverStatuses();
    const confirmed = (await rt.store.listActions({ status: [...SENT_STATUSES], limit: 10_000 })).filter(
      (a) => a.stepId === PAYMENT_CONFIRMATION_STEP,
    );
    say(
      `✔ ${confirmed.length} payment confirmation(s) sent (${confirmations.sent} message(s) in this dispatch)`,
    );

    step(7, "Write every contact back to the ERP");
    let written = 0;
    for (let round = 0; round < 50; round++) {
      const w = await engine.writeBack();
      written += w.written;
      if (w.claimed === 0) break;
    }
    say(`✔ ${written} collection activities written back (${await erp.activitiesWritten()} in the ERP)`);

    step(8, "Report");
    say(renderReportText(await rt.store.report(clock.now().toISOString())));
    say(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    say("Try: regua init && regua check   (then point regua.yaml at your ERP)");
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    shutdown.dispose();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

async function dispatchAll(engine: Runtime["engine"]) {
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

/**
 * The sample policy `regua init` writes, with pay links swapped for the PIX code: the fake ERP's
 * invoices carry boleto and PIX but no pay link, and a message never goes out with a variable missing.
 */
function demoPolicy(): string {
  return SAMPLE_POLICY_YAML.replaceAll("invoice.payLink", "invoice.pixCode");
}

/** Who pays: invoices with a planned message for today (their sequence visibly stops) and a few already contacted. */
async function choosePayers(rt: Runtime): Promise<string[]> {
  const planned = await rt.store.listActions({ status: ["planned"], source: SOURCE_ID, limit: 10_000 });
  const contacted = await rt.store.listActions({
    status: [...SENT_STATUSES],
    source: SOURCE_ID,
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
