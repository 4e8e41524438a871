import { ConfigError, type PlanSummary, type SyncSummary } from "@regua/core";
import { Cron } from "croner";
import { alertCrons } from "../alerts/job.js";
import { botCrons } from "../bot.js";
import { cronTick } from "../cron-line.js";
import { createMetrics, instrumentEngine } from "../metrics.js";
import { createEmailSender } from "../notify/index.js";
import { scheduleReports } from "../reports/job.js";
import { loadCharts } from "../reports/load-charts.js";
import type { Runtime } from "../runtime.js";
import { buildServer } from "../server.js";
import { scoreCrons } from "./score.js";
import { describeError, type GlobalOptions, type Io, type RuntimeOverrides, withRuntime } from "./shared.js";

function serverOptions(rt: Runtime, metrics: ReturnType<typeof createMetrics>) {
  return {
    engine: instrumentEngine(rt.engine, metrics),
    store: rt.store,
    channels: rt.channels.map((c) => ({ id: c.id, packageName: c.packageName, instance: c.channel })),
    connectors: rt.sources.map((s) => ({ id: s.id, packageName: s.packageName, instance: s.connector })),
    log: rt.log,
    clock: rt.clock,
    metrics,
    adminToken: rt.config.server.adminToken ?? "",
    ...(rt.config.server.metricsToken ? { metricsToken: rt.config.server.metricsToken } : {}),
    limits: definedOnly(rt.config.server.limits),
    retentionDays: rt.config.retention.webhookDays,
    reports: rt.config.reports,
    console: rt.config.console.enabled
      ? {
          store: rt.store,
          config: rt.config.console,
          secretKey: rt.config.secretKey,
          selfServiceBot: rt.config.bot !== undefined,
        }
      : undefined,
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

async function listen(rt: Runtime, metrics: ReturnType<typeof createMetrics>, io: Io) {
  const app = await buildServer(serverOptions(rt, metrics));
  const address = await app.listen({ port: rt.config.server.port, host: rt.config.server.host });
  io.err(`regua serving on ${address} (webhooks at ${address}/webhooks/<plugin>/<id>)`);
  return app;
}

/**
 * How long the plan after a sync waits while another runner plans: its own sync's changes are then
 * planned right after, not at the next tick.
 */
const PLAN_AFTER_SYNC_WAIT_MS = 2 * 60_000;

const untilAborted = (signal: AbortSignal) =>
  new Promise<void>((resolve) =>
    signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true }),
  );

/** What a sync's log line says: the counts, and the sources another runner had. */
function syncBrief(summary: SyncSummary) {
  const { records, rejects, quarantined, paidNow, stopped, deleted, errors, skipped } = summary;
  return { records, rejects, quarantined, paidNow, stopped, deleted, errors, skipped };
}

/** A plan's log line: the counts, not the actions. */
function planBrief(summary: PlanSummary) {
  const { customers, actions, skips, inserted, incremental, skipped } = summary;
  return { customers, actions, skips, inserted, incremental, skipped };
}

type Job = (name: string, fn: () => Promise<unknown>) => () => Promise<void>;

/**
 * The wrapper every scheduled job runs in (`regua run` and `regua serve`): nothing starts after
 * shutdown began, each run is logged with its duration and result, and `settle` waits for the
 * runs still going.
 */
function scheduledJobs(rt: Runtime, signal: AbortSignal): { job: Job; settle(): Promise<unknown> } {
  const running = new Set<Promise<unknown>>();
  const job: Job = (name, fn) => async () => {
    if (signal.aborted) return;
    const started = performance.now();
    const run = fn().then(
      (result) =>
        rt.log.info({ job: name, ms: Math.round(performance.now() - started), result }, `${name} finished`),
      (error: unknown) => rt.log.error({ job: name, err: describeError(error) }, `${name} failed`),
    );
    running.add(run);
    await run;
    running.delete(run);
  };
  return { job, settle: () => Promise.allSettled(running) };
}

/**
 * `regua serve`: webhooks, admin API, metrics. Account webhooks (a template paused, a tier
 * dropped) arrive here, so the alert rules are evaluated here too, on the same schedule and
 * lease as under `regua run`.
 */
export async function serveCommand(global: GlobalOptions, io: Io, deps: RuntimeOverrides = {}) {
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      const app = await listen(rt, createMetrics({ store: rt.store, now: () => rt.clock.now() }), io);
      const { job, settle } = scheduledJobs(rt, env.signal);
      // The bot answers from the webhook worker; silent conversations are closed on this schedule.
      const crons = [...botCrons(rt, job), ...alertCrons(rt, job)];
      await untilAborted(env.signal);
      for (const c of crons) c.stop();
      await settle();
      await app.close();
    },
    deps,
  );
}

/**
 * The loop: sync → plan → dispatch → write-back on the config's cron lines. Each job is
 * `protect`ed (croner skips a tick while the previous run is still going), and shutdown
 * waits for the running jobs to finish before the store closes.
 */
export async function runCommand(
  global: GlobalOptions,
  options: { serve: boolean },
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt, env) => {
      const metrics = createMetrics({ store: rt.store, now: () => rt.clock.now() });
      const engine = instrumentEngine(rt.engine, metrics);
      const app = options.serve ? await listen(rt, metrics, io) : null;
      await rt.recoverPredecessors();
      const { job, settle } = scheduledJobs(rt, env.signal);
      const { schedule } = rt.config;
      // Runners on one store split this: each source is synced by one of them per tick (the
      // tick is `since`), and one plans at a time (docs/performance.md).
      const syncThenPlan = job("sync+plan", async () => {
        const since = cronTick(schedule.sync, rt.clock.now()).toISOString();
        const sync = await engine.sync({ signal: env.signal, since });
        if (schedule.plan) return { sync: syncBrief(sync) };
        const plan = await engine.plan({
          dryRun: false,
          waitMs: PLAN_AFTER_SYNC_WAIT_MS,
          signal: env.signal,
        });
        return { sync: syncBrief(sync), plan: planBrief(plan) };
      });
      const crons = [
        new Cron(schedule.sync, { protect: true, name: "sync" }, syncThenPlan),
        new Cron(
          schedule.dispatch,
          { protect: true, name: "dispatch" },
          job("dispatch", () => engine.dispatch({ signal: env.signal })),
        ),
        ...(schedule.plan
          ? [
              new Cron(
                schedule.plan,
                { protect: true, name: "plan" },
                job("plan", async () => planBrief(await engine.plan({ dryRun: false, signal: env.signal }))),
              ),
            ]
          : []),
        // Without its own line, write-back follows each dispatch tick.
        new Cron(
          schedule.writeBack ?? schedule.dispatch,
          { protect: true, name: "writeBack" },
          job("writeBack", () => engine.writeBack()),
        ),
      ];
      crons.push(...scoreCrons(rt, job));
      crons.push(...reportCrons(rt, job));
      crons.push(...alertCrons(rt, job));
      crons.push(...botCrons(rt, job));
      for (const c of crons) rt.log.info({ job: c.name, next: c.nextRun()?.toISOString() }, "scheduled");
      io.err(`regua running (${crons.length} schedules); Ctrl-C to stop`);
      await untilAborted(env.signal);
      for (const c of crons) c.stop();
      await settle();
      await app?.close();
      rt.log.info({}, "stopped");
    },
    deps,
  );
}

/** `reports.schedules`: sent through `notify.email`'s SMTP relay (docs/reports.md). */
function reportCrons(rt: Runtime, job: Job): Cron[] {
  const reports = rt.config.reports;
  if (!reports || reports.schedules.length === 0) return [];
  const email = rt.config.notify.email;
  if (!email) {
    throw new ConfigError(
      `${rt.config.locate(["reports", "schedules"])} reports.schedules needs notify.email (the SMTP relay reports go through)`,
      {
        where: rt.config.locate(["reports", "schedules"]),
      },
    );
  }
  const { attempts, timeoutMs } = rt.config.notify;
  const mailer = createEmailSender(email, { clock: rt.clock, log: rt.log, attempts, timeoutMs });
  return scheduleReports(
    {
      store: rt.store,
      config: reports,
      clock: rt.clock,
      log: rt.log,
      mailer,
      loadCharts: () => loadCharts(),
      workerId: rt.workerId,
    },
    job,
  );
}
