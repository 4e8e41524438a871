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
}

/**
 * Client-side limits, kept per key (a tenant, a QuickBooks realm, a phone number): every request
 * takes a token from each bucket, then a concurrency slot for as long as it is in flight.
 * Waiting goes through the injected clock. Buckets are core's TokenBucket.
 */
export class RateLimiter {
  private readonly gates = new Map<string, Gate>();

  constructor(
    private readonly limits: RateLimits,
    private readonly clock: Clock,
  ) {
    for (const [name, value] of Object.entries(limits)) {
      if (value !== undefined && !(value > 0)) throw new RangeError(`rate limit ${name} must be > 0`);
    }
  }

  async run<T>(key: string, send: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    const gate = this.gate(key);
    for (const bucket of gate.buckets) await bucket.take(signal);
    await gate.semaphore?.acquire();
    try {
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
      gate = { buckets, semaphore: concurrency ? new Semaphore(concurrency) : undefined };
      this.gates.set(key, gate);
    }
    return gate;
  }
}
