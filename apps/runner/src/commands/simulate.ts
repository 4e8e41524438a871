import {
  type BacktestCustomer,
  backtest,
  type CustomerSnapshot,
  DEFAULT_LAST_INVOICES,
  type DunningStore,
  type Policy,
  type RiskModel,
  type RiskStore,
  simulate,
  toMinorUnits,
} from "@regua/core";
import { renderActions, skipReasons } from "../plan-format.js";
import { loadPolicy } from "../runtime.js";
import { ScoreConfig } from "../score/config.js";
import { demoScorePolicy, openDemoHistory } from "../score/demo.js";
import { renderBacktest } from "../score/format.js";
import { collectFacts, trainModel } from "../score/train.js";
import { renderTable } from "../table.js";
import { CommandFailed, type GlobalOptions, type Io, type RuntimeOverrides, withRuntime } from "./shared.js";

export interface SimulateOptions {
  from: string;
  to: string;
  json: boolean;
  details: boolean;
  backtest: boolean;
  baseline?: string;
  messageCost: string;
  attributionDays: number;
  demo: boolean;
  customers: number;
  seed: number;
}

/**
 * Replays the policy over the stored snapshots day by day (core's `simulate`): prints what
 * would be sent each day. Sends nothing and writes nothing.
 */
export async function simulateCommand(
  global: GlobalOptions,
  options: Pick<SimulateOptions, "from" | "to" | "json" | "details">,
  io: Io,
  deps: RuntimeOverrides = {},
) {
  await withRuntime(
    global,
    io,
    async (rt) => {
      const snapshots: CustomerSnapshot[] = [];
      const now = rt.clock.now().toISOString();
      for await (const batch of rt.store.snapshots({ now })) snapshots.push(...batch);
      const days = simulate(rt.policy, snapshots, { from: options.from, to: options.to });
      if (options.json) {
        io.out(JSON.stringify(days, null, 2));
      } else {
        io.out(
          renderTable(
            ["date", "messages", "escalations", "skips", "skip reasons"],
            days.map((d) => [
              d.date,
              d.actions.filter((a) => a.kind === "message").length,
              d.actions.filter((a) => a.kind === "escalate").length,
              d.skips.length,
              skipReasons(d.skips),
            ]),
          ),
        );
        if (options.details) {
          for (const d of days.filter((day) => day.actions.length > 0))
            io.out(`\n${d.date}\n${renderActions(d.actions, 20)}`);
        }
      }
      io.err(
        `simulated ${snapshots.length} customer(s) from ${options.from} to ${options.to}; nothing was sent`,
      );
    },
    deps,
  );
}

/**
 * `regua simulate --backtest`: the policy replayed over history with the payment-risk score and
 * without it (the same policy minus its riskScore conditions, or --baseline), side by side:
 * messages, cost, escalations, and what was paid after a message. docs/payment-behaviour.md
 */
export async function backtestCommand(
  global: GlobalOptions,
  options: SimulateOptions,
  io: Io,
  deps: RuntimeOverrides = {},
): Promise<void> {
  if (options.demo) {
    const store = await openDemoHistory({
      customers: options.customers,
      seed: options.seed,
      today: options.to,
    });
    try {
      // Trained on what was known when the backtest starts: the replayed period is out of sample.
      const facts = await collectFacts(store.risk);
      const model = trainModel(
        facts,
        ScoreConfig.parse({}),
        DEFAULT_LAST_INVOICES,
        new Date(`${options.from}T00:00:00.000Z`),
      );
      io.err(
        `generated payment history: ${options.customers} customers, seed ${options.seed}; model trained on invoices due before ${options.from}`,
      );
      await compare(store, store.risk, demoScorePolicy(), null, model, options, io);
    } finally {
      await store.close();
    }
    return;
  }
  await withRuntime(
    global,
    io,
    async (rt) => {
      const stored = await rt.store.risk.latestModel();
      const baseline = options.baseline ? loadPolicy(options.baseline) : null;
      await compare(rt.store, rt.store.risk, rt.policy, baseline, stored?.model ?? null, options, io);
    },
    deps,
  );
}

async function compare(
  store: DunningStore,
  risk: RiskStore,
  policy: Policy,
  baseline: Policy | null,
  model: RiskModel | null,
  options: SimulateOptions,
  io: Io,
): Promise<void> {
  const usesScore = policy.steps.some((step) => step.conditions.riskScore !== undefined);
  if (usesScore && model === null) {
    throw new CommandFailed(
      "the policy has riskScore conditions but no payment-risk model is stored; run regua score first",
    );
  }
  const customers: BacktestCustomer[] = [];
  for (const facts of await collectFacts(risk)) {
    const customer = await store.getCustomer(facts.source, facts.customerRef);
    if (customer) customers.push({ customer, facts });
  }
  const settings = {
    from: options.from,
    to: options.to,
    riskModel: model,
    attributionDays: options.attributionDays,
  };
  const withScore = backtest(policy, customers, settings);
  const without = backtest(baseline ?? withoutScore(policy), customers, settings);
  const costMinor = toMinorUnits(options.messageCost, policy.currency);
  const runs = [
    { name: "with the score", result: withScore },
    { name: baseline ? "baseline policy" : "without the score", result: without },
  ];
  if (options.json) {
    io.out(
      JSON.stringify({ from: options.from, to: options.to, messageCostMinor: costMinor, runs }, null, 2),
    );
  } else {
    io.out(
      `backtest ${options.from} to ${options.to}, ${customers.length} customers, ${withScore.days} days\n`,
    );
    io.out(renderBacktest(runs, costMinor, policy.currency));
  }
  io.err(
    "payments are history: the figures compare what each policy would have sent and what came in after its messages, not what a different régua would have changed; nothing was sent",
  );
}

/** The same policy with every riskScore condition removed: the régua as it runs without a model. */
export function withoutScore(policy: Policy): Policy {
  return {
    ...policy,
    steps: policy.steps.map((step) => {
      const { riskScore: _score, ...conditions } = step.conditions;
      return { ...step, conditions };
    }),
  };
}
