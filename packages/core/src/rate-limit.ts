import { type Clock, sleepUntil } from "./clock.js";

/**
 * A token bucket: `perSecond` tokens a second, bursts up to `burst`, kept as a virtual schedule
 * (GCRA: https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm). Each `take()` reserves the
 * next release instant at once, in call order (FIFO), and waits for exactly that instant through
 * the injected clock. Releases are spread continuously at 1/perSecond apart: a late timer delays
 * only its own caller and never pushes the callers behind it (the earlier version woke one
 * waiter per timer, so every message paid the timer's granularity and the delays added up along
 * the queue — most of the channel's added p99 at 1,000 msg/s). Waits round up to whole
 * milliseconds, never down, so the rate is never exceeded.
 */
export class TokenBucket {
  /** Release instant (epoch ms, fractional) the next token is scheduled for, without the burst. */
  private theoretical: number;
  private readonly intervalMs: number;
  private readonly toleranceMs: number;

  constructor(
    perSecond: number,
    burst: number,
    private readonly clock: Clock,
  ) {
    if (!(perSecond > 0)) throw new RangeError("perSecond must be > 0");
    this.intervalMs = 1000 / perSecond;
    this.toleranceMs = Math.max(0, Math.floor(burst) - 1) * this.intervalMs;
    this.theoretical = clock.now().getTime();
  }

  /** Resolves at this caller's release instant; rejects with the signal's reason when aborted. */
  async take(signal?: AbortSignal): Promise<void> {
    await sleepUntil(this.clock, await this.slot(signal), signal);
  }

  /**
   * Books this caller's release instant (epoch ms, whole, never early) without waiting for it, so
   * the caller can prepare its request meanwhile; the caller must not send before it.
   */
  async slot(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) throw signal.reason;
    const now = this.clock.now().getTime();
    return now + Math.max(0, Math.ceil(this.reserve(now)));
  }

  /** Spends a token at once if there is one; never waits. */
  tryTake(): boolean {
    const now = this.clock.now().getTime();
    if (Math.max(this.theoretical, now) - this.toleranceMs > now) return false;
    this.reserve(now);
    return true;
  }

  /** Books the next release and returns how long until it (≤ 0: now). */
  private reserve(now: number): number {
    const start = Math.max(this.theoretical, now);
    this.theoretical = start + this.intervalMs;
    return start - this.toleranceMs - now;
  }
}
