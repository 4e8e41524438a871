import { audit, type EngineContext, nowIso } from "./context.js";
import { deliverAction } from "./deliver.js";
import { ChannelGates } from "./gates.js";
import type { Outcome } from "./outcomes.js";
import type { DispatchOptions, DispatchSummary } from "./types.js";

/** Claims due actions batch by batch and delivers them under each channel's rate limit. */
export class Dispatcher {
  /** Rate limits and back-offs per channel, kept for the life of the engine (across runs). */
  private readonly gates: ChannelGates;

  constructor(private readonly ctx: EngineContext) {
    this.gates = new ChannelGates(ctx.clock, ctx.shareRateLimits ? ctx.store : undefined);
  }

  async run(options: DispatchOptions = {}): Promise<DispatchSummary> {
    const { ctx } = this;
    const recovered = await recoverLeases(ctx);
    const summary: DispatchSummary = {
      claimed: 0,
      sent: 0,
      recorded: 0,
      skipped: 0,
      failed: 0,
      retried: 0,
      unknown: 0,
      recovered,
    };
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    while (remaining > 0 && !options.signal?.aborted) {
      const limit = Math.min(this.batchSize(), remaining);
      const rows = await ctx.store.claimDueActions({
        now: nowIso(ctx),
        limit,
        workerId: ctx.workerId,
        leaseMs: ctx.leaseMs,
      });
      if (rows.length === 0) break;
      summary.claimed += rows.length;
      remaining -= rows.length;
      for (const row of rows) {
        count(summary, await deliverAction(ctx, row, this.gates, options.signal));
      }
    }
    ctx.log.info({ ...summary }, "dispatch");
    return summary;
  }

  /**
   * No more than the slowest channel sends in half a lease: a claimed row waiting for its
   * token must not outlive its lease (it would then be skipped, as another worker may own it).
   */
  private batchSize(): number {
    const rates = [...this.ctx.channels.values()].map((channel) => channel.rateLimit.perSecond);
    if (rates.length === 0) return this.ctx.claimBatch;
    const perLease = Math.floor((Math.min(...rates) * this.ctx.leaseMs) / 2_000);
    return Math.max(1, Math.min(this.ctx.claimBatch, perLease));
  }
}

function count(summary: DispatchSummary, outcome: Outcome): void {
  if (outcome !== "released") summary[outcome] += 1;
}

/** Expired claims go back to planned; expired `sending` rows become `unknown`, never resent. */
export async function recoverLeases(ctx: EngineContext): Promise<{ released: number; unknown: number }> {
  const recovered = await ctx.store.recoverExpiredLeases(nowIso(ctx));
  if (recovered.released > 0 || recovered.unknown > 0) {
    ctx.log.warn(recovered, "recovered expired leases");
    await audit(ctx, "leases.recovered", "outbox", { ...recovered });
  }
  return recovered;
}
