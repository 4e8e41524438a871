import type { DunningStore, Engine } from "@regua/core";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";

/**
 * Prometheus metrics on a registry of their own (tests build several servers in one process).
 * The store-derived gauges are cached: `refresh()` reads the store (after engine work, at most
 * every `minRefreshMs`), and a scrape only serialises what is in memory, so /metrics costs the
 * database nothing however often it is scraped.
 */
export interface RunnerMetrics {
  registry: Registry;
  syncDuration: Histogram<"source">;
  syncErrors: Counter<"source">;
  dispatchErrors: Counter;
  recordsSynced: Counter<"source" | "entity">;
  webhookEvents: Counter<"plugin" | "instance" | "outcome">;
  httpRejected: Counter<"reason">;
  /** Re-reads the store-derived gauges; skipped when the last read is younger than minRefreshMs unless forced. */
  refresh(options?: { force?: boolean }): Promise<void>;
}

export function createMetrics(
  options: { store?: DunningStore; now?: () => Date; defaults?: boolean; minRefreshMs?: number } = {},
): RunnerMetrics {
  const registry = new Registry();
  if (options.defaults !== false) collectDefaultMetrics({ register: registry, prefix: "regua_" });
  const { store } = options;
  const now = options.now ?? (() => new Date());
  const messages = new Gauge({
    name: "regua_messages",
    help: "Dunning actions in the outbox by kind (message, lifecycle, escalate, pause) and status",
    labelNames: ["kind", "status"],
    registers: [registry],
  });
  const backlog = new Gauge({
    name: "regua_webhook_backlog_events",
    help: "Webhook events queued and not applied yet",
    registers: [registry],
  });
  const refreshedAt = new Gauge({
    name: "regua_metrics_refreshed_seconds",
    help: "Unix time of the last read of the store-derived gauges",
    registers: [registry],
  });
  const unknownSends = new Gauge({
    name: "regua_unknown_sends",
    help:
      "Ambiguous sends by how they were settled: waiting (in their quiet period), status, lookup, " +
      "resent (sent once more after the quiet period), held (left for an operator)",
    labelNames: ["resolution"],
    registers: [registry],
  });
  let lastRefreshMs = Number.NEGATIVE_INFINITY;
  let refreshing: Promise<void> | null = null;
  const refresh = async ({ force = false } = {}) => {
    if (!store) return;
    const nowMs = now().getTime();
    if (!force && nowMs - lastRefreshMs < (options.minRefreshMs ?? 15_000)) return;
    if (refreshing) return refreshing;
    lastRefreshMs = nowMs;
    refreshing = (async () => {
      const report = await store.report(now().toISOString());
      messages.reset();
      for (const row of report.actionsByStatus)
        messages.set({ kind: row.kind, status: row.status }, row.count);
      unknownSends.reset();
      for (const row of report.unknowns) unknownSends.set({ resolution: row.resolution }, row.count);
      backlog.set(await store.webhookBacklog());
      refreshedAt.set(nowMs / 1000);
    })().finally(() => {
      refreshing = null;
    });
    return refreshing;
  };
  return {
    registry,
    refresh,
    httpRejected: new Counter({
      name: "regua_http_rejected_total",
      help: "Requests refused before any work (bad signature or token, too large, rate limited)",
      labelNames: ["reason"],
      registers: [registry],
    }),
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
    plan: (options) => engine.plan(options).finally(() => refreshLater(metrics)),
    writeBack: () => engine.writeBack(),
    handleChannelEvents: (channelId, events) => engine.handleChannelEvents(channelId, events),
    handleErpEvents: (sourceId, events) => engine.handleErpEvents(sourceId, events),
    recover: (options) => engine.recover(options),
    enqueueChannelEvents: (channelId, events, rawBody) =>
      engine.enqueueChannelEvents(channelId, events, rawBody),
    enqueueErpEvents: (sourceId, events, rawBody) => engine.enqueueErpEvents(sourceId, events, rawBody),
    async applyWebhookQueue(options) {
      const result = await engine.applyWebhookQueue(options);
      if (result.events > 0) refreshLater(metrics);
      return result;
    },
    erp: engine.erp,
    releasePaymentHold: (source, customerRef, actor) => engine.releasePaymentHold(source, customerRef, actor),
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
        refreshLater(metrics);
      }
    },
    async dispatch(options) {
      try {
        return await engine.dispatch(options);
      } catch (error) {
        metrics.dispatchErrors.inc();
        throw error;
      } finally {
        refreshLater(metrics);
      }
    },
  };
}

/** Gauges follow engine work in the background; a failed read keeps the previous values. */
function refreshLater(metrics: RunnerMetrics): void {
  metrics.refresh().catch(() => {});
}
