import type { ActionRow } from "../actions.js";
import { nextMacrotask } from "../clock.js";
import { AccountView } from "./account-gates.js";
import { ClaimedReads } from "./claimed-reads.js";
import { audit, type EngineContext, nowIso } from "./context.js";
import { deliverAction } from "./deliver.js";
import { ChannelGates } from "./gates.js";
import { releaseAction } from "./outcomes.js";
import { StatusPoller } from "./poll.js";
import type { DispatchOptions, DispatchSummary } from "./types.js";
import { reconcileUnknowns } from "./unknowns.js";

/** What a dispatch claims at once, at the least, in time of its slowest channel's sends. */
const CLAIM_AHEAD_MS = 100;

/** Claims due actions batch by batch and delivers them under each channel's rate limit. */
export class Dispatcher {
  /** Rate limits and back-offs per channel, kept for the life of the engine (across runs). */
  private readonly gates: ChannelGates;
  private readonly poller: StatusPoller;

  constructor(private readonly ctx: EngineContext) {
    this.gates = new ChannelGates(ctx.clock, ctx.shareRateLimits ? ctx.store : undefined);
    this.poller = new StatusPoller(ctx);
  }

  async run(options: DispatchOptions = {}): Promise<DispatchSummary> {
    const { ctx } = this;
    // Independent reads: on PostgreSQL they go at once, each a round trip before the first send.
    const [recovered] = await Promise.all([recoverLeases(ctx), this.loadAccounts()]);
    const reconciled = await reconcileUnknowns(ctx, options.signal);
    const summary: DispatchSummary = {
      claimed: 0,
      sent: 0,
      recorded: 0,
      skipped: 0,
      failed: 0,
      retried: 0,
      unknown: 0,
      recovered,
      released: 0,
      reconciled,
      polled: 0,
    };
    let remaining = options.limit ?? Number.POSITIVE_INFINITY;
    // Up to sendConcurrency actions are delivered at once (each waits for its channel's gate in
    // turn); the next batch is claimed while the last one's sends are still going.
    const inFlight = new Set<Promise<void>>();
    let released = false;
    let failure: { error: unknown } | null = null;
    const start = (row: ActionRow, reads: ClaimedReads) => {
      // Shutdown: stop starting sends; what is claimed and not started goes back to planned.
      const delivery = (
        options.signal?.aborted || failure !== null
          ? releaseAction(ctx, row)
          : deliverAction(ctx, row, this.gates, reads, options.signal)
      ).then(
        (outcome) => {
          summary[outcome] += 1;
          released ||= outcome === "released";
        },
        (error: unknown) => {
          failure ??= { error };
        },
      );
      const tracked = delivery.finally(() => inFlight.delete(tracked));
      inFlight.add(tracked);
    };
    // A row handed back is due again at once: claiming on would only pick it up again.
    while (remaining > 0 && !options.signal?.aborted && !released && failure === null) {
      // The next batch is claimed once half the sends under way are done, not as soon as the
      // last batch has started: its claim and reads would hold the event loop while this
      // batch's first sends (and the burst behind them) are waiting to go.
      while (inFlight.size > ctx.sendConcurrency / 2) await Promise.race(inFlight);
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
      // The claim and the reads are several milliseconds of synchronous work on SQLite: a send
      // whose slot comes meanwhile leaves between them, not after the whole batch's reads.
      await nextMacrotask();
      const reads = await ClaimedReads.load(ctx, rows);
      await nextMacrotask();
      for (const row of rows) {
        while (inFlight.size >= ctx.sendConcurrency) await Promise.race(inFlight);
        start(row, reads);
      }
    }
    while (inFlight.size > 0) await Promise.race(inFlight);
    if (failure !== null) throw (failure as { error: unknown }).error;
    if (!options.signal?.aborted) summary.polled = await this.poller.run(options.signal);
    ctx.log.info({ ...summary }, "dispatch");
    return summary;
  }

  /**
   * Template statuses, limits and suspensions as the store has them now. A suspension another
   * replica (or this runner before a restart) recorded holds here too, until a probe clears it.
   */
  private async loadAccounts(): Promise<void> {
    this.gates.accounts = await AccountView.load(this.ctx);
    this.gates.newRun();
    for (const state of this.gates.accounts.channels.values()) {
      if (state.suspendedReason !== null && this.ctx.channels.has(state.channel)) {
        this.gates.suspend(state.channel, state.suspendedReason);
      }
    }
  }

  /**
   * `claimBatch` when configured; by default 20, or more: CLAIM_AHEAD_MS of the slowest
   * channel's sends. A batch's claim and reads are three store round trips in a row; at the
   * 1,000 msg/s tier a batch of 20 is 20 ms of sends, and on PostgreSQL those round trips took
   * about as long, so the sends waited for the next batch (0.69 of the tier; 0.98 with batches
   * of 100, dispatch bench). No more than the slowest channel sends in half a lease: a claimed
   * row waiting for its token must not outlive its lease (it would then be skipped, as another
   * worker may own it).
   */
  private batchSize(): number {
    const rates = [...this.ctx.channels.values()].map((channel) => channel.rateLimit.perSecond);
    if (rates.length === 0) return this.ctx.claimBatch;
    const slowest = Math.min(...rates);
    const ahead = this.ctx.claimBatchConfigured ? 0 : Math.ceil((slowest * CLAIM_AHEAD_MS) / 1_000);
    const perLease = Math.floor((slowest * this.ctx.leaseMs) / 2_000);
    return Math.max(1, Math.min(Math.max(this.ctx.claimBatch, ahead), perLease));
  }
}

/**
 * Expired claims go back to planned; expired `sending` rows become `unknown` (the reconciler
 * settles them). `deadWorkers` (a restarted runner's own predecessor) are recovered at once.
 */
export async function recoverLeases(
  ctx: EngineContext,
  options: { deadWorkers?: readonly string[] } = {},
): Promise<{ released: number; unknown: number }> {
  const now = nowIso(ctx);
  const workerIds = options.deadWorkers ?? [];
  const ofDead = await ctx.store.recoverClaimsOf({ workerIds, now });
  if (ofDead.released > 0 || ofDead.unknown > 0) {
    ctx.log.warn({ ...ofDead, workers: workerIds }, "recovered the claims of a dead predecessor");
    await audit(ctx, "leases.recovered", "outbox", { ...ofDead, deadWorkers: workerIds });
  }
  const expired = await ctx.store.recoverExpiredLeases(now);
  if (expired.released > 0 || expired.unknown > 0) {
    ctx.log.warn(expired, "recovered expired leases");
    await audit(ctx, "leases.recovered", "outbox", { ...expired });
  }
  return { released: ofDead.released + expired.released, unknown: ofDead.unknown + expired.unknown };
}
