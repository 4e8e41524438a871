import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { silentLogger } from "@regua/core";
import {
  dispatchStage,
  narrator,
  paymentsStage,
  planStage,
  resyncStage,
  statusStage,
  syncStage,
} from "../../src/demo/stages.js";
import { type DemoWorld, startDemoWorld } from "../../src/demo/world.js";
import { ReportsConfig } from "../../src/reports/schema.js";

/** The morning after the demo's second day: a daily report covers 03-11, the previous day 03-10. */
export const REPORT_MORNING = "2026-03-12T07:30:00.000Z";

export const REPORTS_CONFIG = ReportsConfig.parse({
  prices: { currency: "BRL", perMessage: { utility: "0.0400", marketing: "0.3125" } },
  dsoDays: 90,
  curveDays: 14,
  schedules: [{ id: "daily", cron: "0 7 * * *", period: "day", to: ["finance@example.com.br"] }],
});

export interface ReportDemo {
  world: DemoWorld;
  dbFile: string;
  close(): Promise<void>;
}

/**
 * The demo's cycle on @regua/demo's fakes (sync, plan, send, status webhooks, payments next
 * morning, resync, confirmations), then one customer's reply and an opt-out on day two, so every
 * figure of the report has something to count.
 */
export async function runReportDemo(): Promise<ReportDemo> {
  const dir = mkdtempSync(path.join(tmpdir(), "regua-reports-"));
  const cleanups: (() => Promise<unknown>)[] = [];
  const controller = new AbortController();
  const close = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const world = await startDemoWorld(
      { erp: "rest", customers: 40, keep: true },
      dir,
      silentLogger,
      controller.signal,
      cleanups,
    );
    const show = narrator(() => {});
    await syncStage(world, show, controller.signal);
    await planStage(world, show);
    await dispatchStage(world, show);
    await statusStage(world, show);
    await paymentsStage(world, show);
    await resyncStage(world, show, controller.signal);
    const store = world.rt.store;
    // Messages that left on day two (reminders and payment confirmations), so the reply and
    // the opt-out fall inside the daily report's period.
    const contacted = (
      await store.listActions({ status: ["read", "delivered", "sent"], limit: 10_000 })
    ).filter((a) => a.kind !== "escalate" && (a.sentAt ?? "") >= "2026-03-11");
    const [first, second] = contacted;
    if (!first || !second) throw new Error("the demo contacted fewer than two customers");
    await store.markReplied(first.key, "2026-03-11T12:00:00.000Z");
    await store.setOptOut({
      phone: null,
      source: second.source,
      customerRef: second.customerRef,
      reason: "PARAR",
      at: "2026-03-11T12:05:00.000Z",
    });
    world.clock.jumpTo(REPORT_MORNING);
    return { world, dbFile: path.join(dir, "regua.db"), close };
  } catch (error) {
    await close();
    throw error;
  }
}
