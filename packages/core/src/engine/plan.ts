import { type PlanResult, plan as planActions } from "../planner/index.js";
import { type EngineContext, nowIso } from "./context.js";
import type { PlanOptions, PlanSummary } from "./types.js";

/**
 * Streams customer snapshots batch by batch into the pure planner with one `now` for the whole
 * run, so memory stays flat and every batch agrees on the time. Duplicate keys are ignored by
 * the outbox, so planning again the same day inserts nothing.
 */
export async function runPlan(ctx: EngineContext, options: PlanOptions = {}): Promise<PlanSummary> {
  const dryRun = options.dryRun === true;
  const collect = options.collect !== false;
  const now = ctx.clock.now();
  const nowText = now.toISOString();
  const result: PlanResult = { actions: [], skips: [] };
  const summary: PlanSummary = { result, customers: 0, actions: 0, skips: 0, inserted: 0, dryRun };
  for await (const batch of ctx.store.snapshots({ batchSize: ctx.claimBatch * 10, now: nowText })) {
    const planned = planActions(ctx.policy, batch, now);
    summary.customers += batch.length;
    summary.actions += planned.actions.length;
    summary.skips += planned.skips.length;
    if (!dryRun && planned.actions.length > 0) {
      summary.inserted += await ctx.store.insertActions(planned.actions, nowIso(ctx));
    }
    if (collect) {
      result.actions.push(...planned.actions);
      result.skips.push(...planned.skips);
    }
  }
  ctx.log.info(
    {
      customers: summary.customers,
      actions: summary.actions,
      skips: summary.skips,
      inserted: summary.inserted,
      dryRun,
    },
    dryRun ? "plan (dry run)" : "plan",
  );
  return summary;
}
