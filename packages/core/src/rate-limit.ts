import type { Clock } from "./clock.js";

/**
 * A token bucket: `perSecond` tokens a second, bursts up to `burst`.
 * `take()` resolves when a token is available; waiting goes through the injected clock.
 * Calls are served in order (FIFO), so a burst of callers cannot starve one of them.
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    if (!(perSecond > 0)) throw new RangeError("perSecond must be > 0");
    this.tokens = burst;
    this.last = clock.now().getTime();
  }

  take(signal?: AbortSignal): Promise<void> {
    const next = this.queue.then(() => this.acquire(signal));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** Spends a token at once if there is one; never waits. */
  tryTake(): boolean {
    this.refill();
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }

  private async acquire(signal?: AbortSignal): Promise<void> {
    for (;;) {
      this.refill();
      if (this.tokens >= 1) {
        this.tokens -= 1;
        return;
      }
      const waitMs = Math.ceil(((1 - this.tokens) / this.perSecond) * 1000);
      await this.clock.sleep(Math.max(1, waitMs), signal);
    }
  }

  private refill(): void {
    const now = this.clock.now().getTime();
    const elapsed = Math.max(0, now - this.last);
    this.last = now;
    this.tokens = Math.min(this.burst, this.tokens + (elapsed / 1000) * this.perSecond);
  }
}
