import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Io } from "../commands/shared.js";
import { shutdownSignal } from "../context.js";
import { createLogger } from "../logger.js";
import {
  dispatchStage,
  type Narrator,
  narrator,
  paymentsStage,
  planStage,
  reportStage,
  resyncStage,
  statusStage,
  syncStage,
  writeBackStage,
} from "./stages.js";
import { DAY_ONE, type DemoOptions, type DemoWorld, startDemoWorld } from "./world.js";

export { DEMO_TODAY, type DemoOptions } from "./world.js";

function introduce(show: Narrator, world: DemoWorld, keep: boolean): void {
  const { config } = world;
  show.say("régua demo — everything runs locally against bundled fakes; nothing leaves this machine.");
  show.say(`  workspace  ${world.dir}${keep ? " (kept)" : " (removed at the end; --keep to keep it)"}`);
  show.say(`  ERP        ${world.erp.describe}`);
  show.say(`  channel    ${world.channel.describe}`);
  show.say(`  store      SQLite at ${"sqlite" in config.store ? config.store.sqlite : "?"}`);
  show.say(`  server     ${world.webhookBase} (webhooks, /metrics, dashboard)`);
  show.say(`  clock      fixed at ${DAY_ONE} (Tuesday 09:00 in São Paulo)`);
}

/**
 * The whole cycle against bundled fakes: sync → plan → dispatch → status webhooks → payments
 * in the ERP → sync again (sequences stop, confirmations queue) → dispatch → write-back → report.
 * A stage that does nothing fails the demo (exit 1) instead of printing ✔.
 */
export async function demoCommand(options: DemoOptions, io: Io): Promise<void> {
  const started = performance.now();
  const dir = mkdtempSync(path.join(tmpdir(), "regua-demo-"));
  const log = createLogger({ level: "warn" });
  const shutdown = shutdownSignal(log);
  const cleanups: (() => Promise<unknown>)[] = [];
  const show = narrator((text) => io.out(text));
  try {
    const world = await startDemoWorld(options, dir, log, shutdown.signal, cleanups);
    introduce(show, world, options.keep);
    await syncStage(world, show, shutdown.signal);
    await planStage(world, show);
    await dispatchStage(world, show);
    await statusStage(world, show);
    await paymentsStage(world, show);
    await resyncStage(world, show, shutdown.signal);
    await writeBackStage(world, show);
    await reportStage(world, show);
    show.say(`\nDemo finished in ${((performance.now() - started) / 1000).toFixed(1)} s.`);
    show.say("Try: regua init && regua check   (then point regua.yaml at your ERP)");
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => undefined);
    shutdown.dispose();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}
