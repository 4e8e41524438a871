import { type PlanResult, plan as planActions, planEpoch } from "../planner/index.js";
import type { RiskModel } from "../risk/model.js";
import { describeError, type EngineContext, nowIso } from "./context.js";
import type { PlanOptions, PlanSummary } from "./types.js";
import { engineWork, type HeldUnit, takeUnit } from "./work-lease.js";

/** The plan's work unit: one worker plans at a time, so two plans never take the same marks. */
const PLAN_UNIT = "plan";
/** How often a plan waiting for another worker's (PlanOptions.waitMs) looks again. */
const PLAN_POLL_MS = 1_000;

/**
 * Customers per snapshot batch (and per insertActions transaction). Memory stays bounded by it
 * (~5 invoices and ~4 actions each); larger batches mean fewer queries and commits: 2,000 read
 * and wrote a 1M-invoice plan in a tenth of the round trips of the former claimBatch × 10 (200).
 */
const PLAN_BATCH = 2_000;

/**
 * Streams customer snapshots batch by batch into the pure planner with one `now` for the whole
 * run, so memory stays flat and every batch agrees on the time. Duplicate keys are ignored by
 * the outbox, so planning again the same day inserts nothing. Within one plan epoch only the
 * customers the store marked as changed are re-planned (the others would get the same actions).
 */
export async function runPlan(ctx: EngineContext, options: PlanOptions = {}): Promise<PlanSummary> {
  // A dry run writes nothing and takes no marks: it needs no lease.
  if (!ctx.shareWork || options.dryRun === true) return planHolding(ctx, options, null);
  const lease = await planLease(ctx, options);
  if (lease === null) {
    ctx.log.debug({ unit: PLAN_UNIT }, "plan skipped: another worker holds its lease");
    return { ...emptySummary(false, false), skipped: [PLAN_UNIT] };
  }
  try {
    return await planHolding(ctx, options, lease);
  } finally {
    await lease.finish(false);
  }
}

/** The plan's lease, waiting up to `waitMs` while another worker plans; null when it stays busy. */
async function planLease(ctx: EngineContext, options: PlanOptions): Promise<HeldUnit | null> {
  const deadline = ctx.clock.now().getTime() + Math.max(0, options.waitMs ?? 0);
  for (;;) {
    options.signal?.throwIfAborted();
    const take = await takeUnit(engineWork(ctx), PLAN_UNIT);
    if (take.taken !== null) return take.taken;
    const left = deadline - ctx.clock.now().getTime();
    if (left <= 0) return null;
    await ctx.clock.sleep(Math.min(PLAN_POLL_MS, left), options.signal);
  }
}

function emptySummary(dryRun: boolean, incremental: boolean): PlanSummary {
  return {
    result: { actions: [], skips: [] },
    customers: 0,
    actions: 0,
    skips: 0,
    inserted: 0,
    dryRun,
    incremental,
    skipped: [],
  };
}

async function planHolding(
  ctx: EngineContext,
  options: PlanOptions,
  lease: HeldUnit | null,
): Promise<PlanSummary> {
  const dryRun = options.dryRun === true;
  const collect = options.collect !== false;
  const now = ctx.clock.now();
  const nowText = now.toISOString();
  const riskModel = await riskModelFor(ctx);
  const epoch = planEpoch(ctx.policy, now, riskModel);
  // A dry run changes nothing, marks included: it always shows the whole plan.
  const { incremental } = dryRun
    ? { incremental: false }
    : await ctx.store.beginPlan({ epoch, now: nowText, full: options.full === true });
  const summary = emptySummary(dryRun, incremental);
  const result: PlanResult = summary.result;
  const batches = ctx.store.snapshots({
    batchSize: PLAN_BATCH,
    now: nowText,
    changedOnly: incremental,
    lastInvoices: ctx.policy.paymentBehaviour.lastInvoices,
  });
  const writes = oneWriteInFlight();
  try {
    for await (const batch of batches) {
      writes.throwIfFailed();
      const planned = planActions(ctx.policy, batch, now, { riskModel });
      summary.customers += batch.length;
      summary.actions += planned.actions.length;
      summary.skips += planned.skips.length;
      if (!dryRun && planned.actions.length > 0) {
        await writes.settled();
        await lease?.keep();
        writes.start(async () => {
          summary.inserted += await ctx.store.insertActions(planned.actions, nowIso(ctx));
        });
      }
      if (collect) {
        result.actions.push(...planned.actions);
        result.skips.push(...planned.skips);
      }
    }
    await writes.settled();
  } finally {
    // A read or planning error while a batch's insert runs: the insert finishes (or fails, its
    // transaction rolled back) before the plan reports the error, so no write outlives the plan.
    await writes.drain();
  }
  if (!dryRun) {
    // Clearing the marks is the one write another plan must never see twice: confirm the lease
    // in the store first, so a worker that stalled past its TTL leaves them to the new holder.
    await lease?.confirm();
    await ctx.store.finishPlan({ epoch, at: nowText });
  }
  ctx.log.info(
    {
      customers: summary.customers,
      actions: summary.actions,
      skips: summary.skips,
      inserted: summary.inserted,
      dryRun,
      incremental,
    },
    dryRun ? "plan (dry run)" : "plan",
  );
  return summary;
}

/** The latest payment-risk model, read only when a step of the policy looks at the score. */
async function riskModelFor(ctx: EngineContext): Promise<RiskModel | null> {
  if (!ctx.policy.steps.some((step) => step.conditions.riskScore !== undefined)) return null;
  try {
    return (await ctx.store.risk?.latestModel())?.model ?? null;
  } catch (error) {
    // A model this version cannot read (trained with other columns): plan as if there were none
    // (riskScore steps skip, saying so in their trace) rather than stop dunning altogether.
    ctx.log.warn({ error: describeError(error) }, "payment-risk model unusable; planning without it");
    return null;
  }
}

interface OneWriteInFlight {
  /** Starts `write`; the caller awaits settled() first, so at most one runs at a time. */
  start(write: () => Promise<void>): void;
  /** Resolves when the write in flight (if any) has committed; rejects with its error. */
  settled(): Promise<void>;
  /** Throws the error of a write that already failed, without waiting for one still running. */
  throwIfFailed(): void;
  /** Waits for the write in flight, ignoring its error (for cleanup after another error). */
  drain(): Promise<void>;
}

/**
 * A plan's inserts, one at a time, each beside the reading and planning of the next batch:
 * batches are disjoint sets of customers, so batch N+1's snapshot does not depend on batch N's
 * actions, and the final actions are the same as inserting in turn. On PostgreSQL the server
 * inserts one batch (its own process, the other core) while this process plans the next; before,
 * the plan waited for every insert (bench/plan.ts: ~9.5 of a 13.4 s plan). Each insert is its own
 * transaction: a failed one leaves none of its batch's actions, and the plan stops with its error
 * before finishPlan, so the marks stay and the next plan re-plans those customers.
 */
function oneWriteInFlight(): OneWriteInFlight {
  let inFlight: Promise<void> | null = null;
  let failure: { error: unknown } | null = null;
  return {
    start(write) {
      if (inFlight !== null)
        throw new Error("plan: a batch's insert started before the previous one settled");
      const running = write().then(
        () => {
          if (inFlight === running) inFlight = null;
        },
        (error: unknown) => {
          failure ??= { error };
          if (inFlight === running) inFlight = null;
        },
      );
      inFlight = running;
    },
    async settled() {
      if (inFlight !== null) await inFlight;
      if (failure !== null) throw failure.error;
    },
    throwIfFailed() {
      if (failure !== null) throw failure.error;
    },
    async drain() {
      if (inFlight !== null) await inFlight;
    },
  };
}
