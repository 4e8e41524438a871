import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { type Logger, parsePolicy, SAMPLE_POLICY_YAML } from "@regua/core";
import type { FastifyInstance } from "fastify";
import { stringify } from "yaml";
import { parseConfig, type RunnerConfig } from "../config.js";
import { createMetrics, instrumentEngine } from "../metrics.js";
import { openRuntime, type Runtime } from "../runtime.js";
import { createWebhookWorker } from "../server/worker.js";
import { buildServer } from "../server.js";
import { DemoClock } from "./clock.js";
import { type DemoChannel, type DemoErp, loadDemoKit } from "./kit.js";
import { policyTemplates } from "./templates.js";

/** Fixed dates so the demo prints the same thing every time (a Tuesday and the Wednesday after). */
export const DEMO_TODAY = "2026-03-10";
export const DAY_ONE = "2026-03-10T12:00:00.000Z"; // 09:00 in São Paulo: inside the send window
export const DAY_TWO = "2026-03-11T11:30:00.000Z"; // 08:30 the next morning

export interface DemoOptions {
  erp: "rest" | "sap-b1";
  customers: number;
  keep: boolean;
}

/** Everything the demo runs against: the fakes, the runtime on SQLite, the HTTP server. */
export interface DemoWorld {
  dir: string;
  clock: DemoClock;
  erp: DemoErp;
  channel: DemoChannel;
  config: RunnerConfig;
  rt: Runtime;
  engine: Runtime["engine"];
  webhookBase: string;
}

/**
 * The sample policy `regua init` writes, with pay links swapped for the PIX code: the fake ERP's
 * invoices carry boleto and PIX but no pay link, and a message never goes out with a variable missing.
 */
function demoPolicy(): string {
  return SAMPLE_POLICY_YAML.replaceAll("invoice.payLink", "invoice.pixCode");
}

function demoConfig(dir: string, erp: DemoErp, channel: DemoChannel): RunnerConfig {
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
  return parseConfig(configText, path.join(dir, "regua.yaml"));
}

async function startServer(world: Omit<DemoWorld, "webhookBase">, log: Logger): Promise<FastifyInstance> {
  const { rt, clock } = world;
  const metrics = createMetrics({ store: rt.store, now: () => clock.now(), defaults: false });
  world.engine = instrumentEngine(rt.engine, metrics);
  // The server queues webhooks; the demo applies them right after each round it posts.
  const worker = createWebhookWorker({
    engine: world.engine,
    store: rt.store,
    log,
    clock,
    intervalMs: 60_000,
  });
  const post = world.channel.deliverStatuses.bind(world.channel);
  world.channel.deliverStatuses = async () => {
    const posted = await post();
    await worker.drain();
    return posted;
  };
  return buildServer({
    engine: world.engine,
    store: rt.store,
    log,
    clock,
    metrics,
    worker,
    adminToken: randomBytes(24).toString("hex"),
    channels: rt.channels.map((c) => ({ id: c.id, packageName: c.packageName, instance: c.channel })),
    connectors: rt.sources.map((s) => ({ id: s.id, packageName: s.packageName, instance: s.connector })),
  });
}

/** Starts the fakes, the runtime and the server; every started piece is pushed onto `cleanups`. */
export async function startDemoWorld(
  options: DemoOptions,
  dir: string,
  log: Logger,
  signal: AbortSignal,
  cleanups: (() => Promise<unknown>)[],
): Promise<DemoWorld> {
  const clock = new DemoClock(DAY_ONE);
  const policyText = demoPolicy();
  writeFileSync(path.join(dir, "policy.yaml"), policyText);
  const policy = parsePolicy(policyText, "policy.yaml");
  const kit = await loadDemoKit();
  const erp = await kit.startDemoErp({
    kind: options.erp,
    customers: options.customers,
    today: DEMO_TODAY,
    clock,
  });
  cleanups.push(() => erp.close());
  const channel = await kit.startDemoChannel({ templates: policyTemplates(policy), now: () => clock.now() });
  cleanups.push(() => channel.close());
  const config = demoConfig(dir, erp, channel);
  // The demo's connectors and channel are @regua/demo's dependencies, not the user's.
  const rt = await openRuntime(config, { log, clock, signal, importer: kit.importPlugin });
  cleanups.push(() => rt.close());
  const partial = { dir, clock, erp, channel, config, rt, engine: rt.engine };
  const app = await startServer(partial, log);
  cleanups.push(() => app.close());
  const webhookBase = await app.listen({ port: 0, host: "127.0.0.1" });
  channel.attach(webhookBase);
  return { ...partial, webhookBase };
}
