import type { Clock, DunningStore, Engine, Logger } from "@regua/core";
import { describeError } from "../commands/shared.js";

export interface WebhookWorkerOptions {
  engine: Engine;
  store: DunningStore;
  log: Logger;
  clock: Clock;
  /** How often the queue is looked at without a kick (other replicas' deliveries, leftovers). */
  intervalMs?: number;
  /** Events per engine call; the engine yields between its own smaller batches. */
  eventsPerRun?: number;
  /** Raw webhook bodies and dedupe records older than this are deleted. Default 90. */
  retentionDays?: number;
  /** Called after each run that applied something (the metrics refresh). */
  onApplied?: () => void;
}

export interface WebhookWorker {
  /** Something was queued: apply it soon. */
  kick(): void;
  /** Runs until the queue is empty (tests, the demo). */
  drain(): Promise<void>;
  /** Deletes what retention says is old; returns what went. */
  purge(): Promise<{ batches: number; events: number }>;
  stop(): Promise<void>;
}

const RETENTION_EVERY_MS = 6 * 60 * 60_000;

/** Drives engine.applyWebhookQueue: one run at a time, on a kick or on its interval. */
export function createWebhookWorker(options: WebhookWorkerOptions): WebhookWorker {
  const { engine, store, log, clock } = options;
  const eventsPerRun = options.eventsPerRun ?? 1_000;
  const retentionMs = (options.retentionDays ?? 90) * 24 * 60 * 60_000;
  let running: Promise<number> | null = null;
  let again = false;
  let stopped = false;
  const abort = new AbortController();
  let lastPurgeMs = Number.NEGATIVE_INFINITY;

  const runOnce = async (): Promise<number> => {
    try {
      const result = await engine.applyWebhookQueue({ maxEvents: eventsPerRun, signal: abort.signal });
      if (result.events > 0) options.onApplied?.();
      return result.events;
    } catch (error) {
      log.error({ err: describeError(error) }, "webhook worker failed; the queue is kept for the next run");
      return 0;
    }
  };
  const run = (): Promise<number> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      let applied = 0;
      do {
        again = false;
        const n = await runOnce();
        applied += n;
        if (n >= eventsPerRun) again = true;
      } while (again && !stopped);
      running = null;
      return applied;
    })();
    return running;
  };
  const purge = async () => {
    lastPurgeMs = clock.now().getTime();
    const before = new Date(lastPurgeMs - retentionMs).toISOString();
    const removed = await store.purgeWebhookHistory(before);
    if (removed.batches + removed.events > 0) log.info({ before, ...removed }, "webhook retention");
    return removed;
  };
  const timer = setInterval(() => {
    void run();
    if (clock.now().getTime() - lastPurgeMs >= RETENTION_EVERY_MS) {
      purge().catch((error: unknown) => log.warn({ err: describeError(error) }, "webhook retention failed"));
    }
  }, options.intervalMs ?? 1_000);
  timer.unref();

  return {
    kick: () => void run(),
    async drain() {
      while (!stopped && (await run()) > 0) {}
    },
    purge,
    async stop() {
      stopped = true;
      abort.abort();
      clearInterval(timer);
      await running;
    },
  };
}
