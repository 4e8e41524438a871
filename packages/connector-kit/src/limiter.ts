import { type Clock, TokenBucket } from "@regua/core";

/** The limits a connector declares for the API it talks to (its documented quotas). */
export interface RateLimits {
  /** Requests a second, with bursts up to `burst` (default: one second's worth). */
  perSecond?: number;
  burst?: number;
  /** Requests a minute (QuickBooks: 500 per realm), with bursts up to the whole minute. */
  perMinute?: number;
  /** Requests in flight at once (QuickBooks: 10 per realm). */
  concurrency?: number;
  /**
   * At most `max` requests leaving within any `ms` (a sliding window, as a vendor that answers
   * 429 past "10 a second" or "500 a minute" counts them), checked at the instant a request
   * leaves, after its concurrency slot: the buckets pace requests evenly, but a stalled event
   * loop or slots freed together let paced requests leave in a bunch; a window never does.
   */
  windows?: readonly SlidingWindowLimit[];
}

export interface SlidingWindowLimit {
  max: number;
  ms: number;
}

/** The instants the last `max` requests left; a request waits until the oldest is `ms` old. */
class SlidingWindow {
  private readonly left: number[] = [];
  /** Callers are served one at a time, in arrival order. */
  private queue: Promise<void> = Promise.resolve();

  constructor(
    private readonly limit: SlidingWindowLimit,
    private readonly clock: Clock,
  ) {}

  take(signal?: AbortSignal): Promise<void> {
    const turn = this.queue.then(() => this.wait(signal));
    this.queue = turn.catch(() => undefined);
    return turn;
  }

  private async wait(signal?: AbortSignal): Promise<void> {
    for (;;) {
      signal?.throwIfAborted();
      const now = this.clock.now().getTime();
      while (this.left.length && (this.left[0] as number) <= now - this.limit.ms) this.left.shift();
      if (this.left.length < this.limit.max) {
        this.left.push(now);
        return;
      }
      await this.clock.sleep((this.left[0] as number) + this.limit.ms - now + 1, signal);
    }
  }
}

/** A counting semaphore served in arrival order. */
class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(private readonly size: number) {}

  async acquire(): Promise<void> {
    if (this.active < this.size) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next)
      next(); // the slot passes straight to the next waiter
    else this.active--;
  }
}

interface Gate {
  buckets: TokenBucket[];
  semaphore: Semaphore | undefined;
  windows: SlidingWindow[];
}

/**
 * Client-side limits, kept per key (a tenant, a QuickBooks realm, a phone number): every request
 * takes a token from each bucket, then a concurrency slot for as long as it is in flight, then
 * a place in each sliding window as it leaves.
 * Waiting goes through the injected clock. Buckets are core's TokenBucket.
 */
export class RateLimiter {
  private readonly gates = new Map<string, Gate>();

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (name === "windows") continue;
      if (value !== undefined && !(value > 0)) throw new RangeError(`rate limit ${name} must be > 0`);
    }
    for (const window of limits.windows ?? []) {
      if (!(Number.isInteger(window.max) && window.max > 0 && window.ms > 0))
        throw new RangeError("a rate limit window needs an integer max > 0 and ms > 0");
    }
  }

  async run<T>(key: string, send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const gate = this.gate(key);
    for (const bucket of gate.buckets) await bucket.take(signal);
    await gate.semaphore?.acquire();
    try {
      for (const window of gate.windows) await window.take(signal);
      return await send();
    } finally {
      gate.semaphore?.release();
    }
  }

  private gate(key: string): Gate {
    let gate = this.gates.get(key);
    if (!gate) {
      const { perSecond, burst, perMinute, concurrency } = this.limits;
      const buckets: TokenBucket[] = [];
      if (perSecond) buckets.push(new TokenBucket(perSecond, burst ?? Math.max(1, perSecond), this.clock));
      if (perMinute) buckets.push(new TokenBucket(perMinute / 60, perMinute, this.clock));
      gate = {
        buckets,
        semaphore: concurrency ? new Semaphore(concurrency) : undefined,
        windows: (this.limits.windows ?? []).map((limit) => new SlidingWindow(limit, this.clock)),
      };
      this.gates.set(key, gate);
    }
    return gate;
  }
}
