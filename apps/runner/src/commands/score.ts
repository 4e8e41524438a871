import type { Logger, Policy, RiskStore } from "@regua/core";
import { DEFAULT_LAST_INVOICES, takeUnit, WORK_NAMESPACE } from "@regua/core";
import { Cron } from "croner";
import { cronTick } from "../cron-line.js";
import type { Runtime } from "../runtime.js";
import { ScoreConfig } from "../score/config.js";
import { type DemoHistoryOptions, openDemoHistory } from "../score/demo.js";
import { renderEvaluation, renderModel } from "../score/format.js";
import { collectFacts, evaluateHeldOut, trainModel } from "../score/train.js";
import { CommandFailed, type GlobalOptions, type Io, type RuntimeOverrides, withRuntime } from "./shared.js";

export interface ScoreOptions {
  evaluate: boolean;
  holdoutDays: number;
  json: boolean;
  /** Run on the generated demo history instead of the config's store. */
  demo: boolean;
  customers: number;
  seed: number;
  today: string | undefined;
}

/**
 * `regua score`: trains the payment-risk model on the store's history and stores it (the plan
 * uses the latest). `--evaluate`: trains on all but the last `holdoutDays` and reports AUC and
 * calibration on them; stores nothing. docs/payment-behaviour.md
 */
export async function scoreCommand(
  global: GlobalOptions,
  options: ScoreOptions,
  io: Io,
  deps: RuntimeOverrides = {},
): Promise<void> {
  if (options.demo) {
    const today = options.today ?? new Date().toISOString().slice(0, 10);
    const store = await openDemoHistory({ customers: options.customers, seed: options.seed, today });
    try {
      const now = new Date(`${today}T12:00:00.000Z`);
      io.err(
        `generated payment history: ${options.customers} customers, seed ${options.seed}, up to ${today}`,
      );
      await scoreOn(store.risk, ScoreConfig.parse({}), DEFAULT_LAST_INVOICES, now, options, io);
    } finally {
      await store.close();
    }
    return;
  }
  await withRuntime(
    global,
    io,
    async (rt) => {
      const config = rt.config.score ?? ScoreConfig.parse({});
      await scoreOn(
        rt.store.risk,
        config,
        rt.policy.paymentBehaviour.lastInvoices,
        rt.clock.now(),
        options,
        io,
      );
    },
    deps,
  );
}

async function scoreOn(
  risk: RiskStore,
  config: ScoreConfig,
  lastInvoices: number,
  now: Date,
  options: ScoreOptions,
  io: Io,
): Promise<void> {
  const facts = await collectFacts(risk);
  if (facts.length === 0)
    throw new CommandFailed("the store has no invoices to learn from; run regua sync first");
  if (options.evaluate) {
    const result = evaluateHeldOut(facts, config, lastInvoices, now, options.holdoutDays);
    if (options.json) {
      io.out(
        JSON.stringify(
          { split: result.split, today: result.today, ...result.evaluation, model: result.model },
          null,
          2,
        ),
      );
      return;
    }
    io.out(
      `trained on invoices due before ${result.split} (${result.model.rows} rows, labels as known on ${result.split}); ` +
        `scored invoices due ${result.split} to ${result.today} (held out)\n` +
        `P(paid within ${config.horizonDays} days of the due date)\n`,
    );
    io.out(renderEvaluation(result.evaluation));
    io.err("evaluation only: no model was stored");
    return;
  }
  const model = trainModel(facts, config, lastInvoices, now);
  const id = await risk.saveModel(model, now.toISOString());
  if (options.json) {
    io.out(JSON.stringify({ id, model }, null, 2));
    return;
  }
  io.out(renderModel(model));
  io.err(
    `stored payment-risk model ${id}: ${model.rows} rows from ${facts.length} customers, ` +
      `${model.iterations} Newton steps; plans with riskScore conditions use it from now on`,
  );
}

/**
 * `schedule.score` under `regua run`: retrains on its cron line. Two replicas retraining on the
 * same tick store two equal models; the plan uses the latest, so no lease is needed.
 */
/** Longer than a retrain: the lease is not renewed while the model trains. */
const SCORE_LEASE_MS = 60 * 60_000;

/**
 * `schedule.score`: one runner per tick retrains (the store's lease `score` in `regua.work`, and
 * the tick recorded when done), however many share the store.
 */
export function scoreCrons(
  rt: Pick<Runtime, "config" | "store" | "policy" | "clock" | "log" | "workerId">,
  job: (name: string, fn: () => Promise<unknown>) => () => Promise<void>,
): Cron[] {
  const line = rt.config.schedule.score;
  if (!line) return [];
  const config = rt.config.score ?? ScoreConfig.parse({});
  const work = {
    state: rt.store.state(WORK_NAMESPACE),
    clock: rt.clock,
    log: rt.log,
    workerId: rt.workerId,
    ttlMs: SCORE_LEASE_MS,
  };
  const retrainJob = job("score", async () => {
    const since = cronTick(line, rt.clock.now()).toISOString();
    const take = await takeUnit(work, "score", { since });
    if (take.taken === null) {
      rt.log.debug({ unit: "score", reason: take.reason }, "score skipped: another runner has it");
      return { skipped: ["score"] };
    }
    let done = false;
    try {
      const retrained = await retrain(rt.store.risk, config, rt.policy, rt.clock.now(), rt.log);
      done = true;
      return retrained;
    } finally {
      await take.taken.finish(done);
    }
  });
  return [new Cron(line, { protect: true, name: "score" }, retrainJob)];
}

/** One retrain: the facts, the model, stored. */
export async function retrain(
  risk: RiskStore,
  config: ScoreConfig,
  policy: Policy,
  now: Date,
  log: Logger,
): Promise<{ id: number; rows: number }> {
  const facts = await collectFacts(risk);
  const model = trainModel(facts, config, policy.paymentBehaviour.lastInvoices, now);
  const id = await risk.saveModel(model, now.toISOString());
  log.info({ id, rows: model.rows, customers: facts.length }, "payment-risk model retrained");
  return { id, rows: model.rows };
}

export type { DemoHistoryOptions };
