import type { AlertStore } from "@regua/core";
import { Cron } from "croner";
import { createNotifier, type Notifier } from "../notify/index.js";
import type { Runtime } from "../runtime.js";
import { credentialFacts } from "./credentials.js";
import { type AlertRunDeps, runAlerts } from "./evaluate.js";

/** Alerts are evaluated every minute: the rules read a few aggregate rows from the store. */
const EVERY_MINUTE = "* * * * *";
/** Under the minute, so a replica that died lets another take the next tick. */
const LEASE_MS = 55_000;

/**
 * The alert job of `regua run`: none when `notify:` has no target (nowhere to send) or the store
 * keeps no alert state. Replicas on one PostgreSQL take a lease per tick, so one of them
 * evaluates and sends.
 */
export function alertCrons(
  rt: Runtime,
  job: (name: string, fn: () => Promise<unknown>) => () => Promise<void>,
): Cron[] {
  const alerts = rt.store.alerts;
  const notifier = createNotifier(rt.config.notify, { clock: rt.clock, log: rt.log });
  if (!alerts || notifier.targets.length === 0) return [];
  const lease = rt.store.state("alerts");
  const evaluate = job("alerts", async () => {
    if (!(await lease.acquireLease("evaluate", rt.workerId, LEASE_MS))) return { skipped: "another runner" };
    return runAlerts(alertRunDeps(rt, alerts, notifier));
  });
  return [new Cron(EVERY_MINUTE, { protect: true, name: "alerts" }, evaluate)];
}

/** What one evaluation needs from a runtime: `regua run`, `regua serve` and tests build it here. */
export function alertRunDeps(rt: Runtime, alerts: AlertStore, notifier: Notifier): AlertRunDeps {
  return {
    alerts,
    notifier,
    config: rt.config.alerts,
    clock: rt.clock,
    log: rt.log,
    accounts: rt.store.channelAccounts,
    credentials: () => credentialFacts(rt),
  };
}
