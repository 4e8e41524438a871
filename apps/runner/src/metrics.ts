import type { DunningStore, Engine } from "@regua/core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/** Prometheus metrics on a registry of their own (tests build several servers in one process). */
export interface RunnerMetrics {
  registry: Registry;
  syncDuration: Histogram<"source">;
  syncErrors: Counter<"source">;
  dispatchErrors: Counter;
  recordsSynced: Counter<"source" | "entity">;
  webhookEvents: Counter<"plugin" | "instance" | "outcome">;
}

export function createMetrics(
  options: { store?: DunningStore; now?: () => Date; defaults?: boolean } = {},
): RunnerMetrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: "regua_" });
  const { store } = options;
  const now = options.now ?? (() => new Date());
  new Gauge({
    name: "regua_messages",
    help: "Dunning actions in the outbox by kind (message, lifecycle, escalate, pause) and status",
    labelNames: ["kind", "status"],
    registers: [registry],
    async collect() {
      if (!store) return;
      this.reset();
      const report = await store.report(now().toISOString());
      for (const row of report.actionsByStatus) this.set({ kind: row.kind, status: row.status }, row.count);
    },
  });
  return {
    registry,
    syncDuration: new Histogram({
      name: "regua_sync_duration_seconds",
      help: "Duration of a sync run per source",
      labelNames: ["source"],
      buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300],
      registers: [registry],
    }),
    syncErrors: new Counter({
      name: "regua_sync_errors_total",
      help: "Sync runs that failed",
      labelNames: ["source"],
      registers: [registry],
    }),
    dispatchErrors: new Counter({
      name: "regua_dispatch_errors_total",
      help: "Dispatch runs that failed",
      registers: [registry],
    }),
    recordsSynced: new Counter({
      name: "regua_records_synced_total",
      help: "Records committed by sync",
      labelNames: ["source", "entity"],
      registers: [registry],
    }),
    webhookEvents: new Counter({
      name: "regua_webhook_events_total",
      help: "Webhook events received, by plugin instance and outcome",
      labelNames: ["plugin", "instance", "outcome"],
      registers: [registry],
    }),
  };
}

/** Wraps sync/dispatch so every caller (CLI loop, server) feeds the same metrics. */
export function instrumentEngine(engine: Engine, metrics: RunnerMetrics): Engine {
  // Delegates method by method: the engine may be a class, whose methods a spread would lose.
  return {
    plan: (options) => engine.plan(options),
    writeBack: () => engine.writeBack(),
    handleChannelEvents: (channelId, events) => engine.handleChannelEvents(channelId, events),
    handleErpEvents: (sourceId, events) => engine.handleErpEvents(sourceId, events),
    recover: () => engine.recover(),
    async sync(options = {}) {
      const label = { source: options.source ?? "all" };
      const stop = metrics.syncDuration.startTimer(label);
      const lastCount = new Map<string, number>();
      try {
        return await engine.sync({
          ...options,
          onProgress(progress) {
            const key = `${progress.source}\u0000${progress.entity}`;
            const delta = progress.records - (lastCount.get(key) ?? 0);
            if (delta > 0)
              metrics.recordsSynced.inc({ source: progress.source, entity: progress.entity }, delta);
            lastCount.set(key, progress.records);
            options.onProgress?.(progress);
          },
        });
      } catch (error) {
        metrics.syncErrors.inc(label);
        throw error;
      } finally {
        stop();
      }
    },
    async dispatch(options) {
      try {
        return await engine.dispatch(options);
      } catch (error) {
        metrics.dispatchErrors.inc();
        throw error;
      }
    },
  };
}
