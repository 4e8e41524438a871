import type { Clock } from "./clock.js";
import { isReguaError, RateLimitError } from "./errors.js";

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
  /** 0..1, fraction of the delay randomised; random comes from `random` so tests are deterministic. */
  jitter?: number;
  random?: () => number;
}

/** Exponential backoff with jitter: base·2^(attempt−1), capped at max. `attempt` starts at 1. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const exponential = Math.min(options.maxMs, options.baseMs * 2 ** Math.max(0, attempt - 1));
  const jitter = options.jitter ?? 0.2;
  const random = options.random ?? Math.random;
  return Math.round(exponential * (1 - jitter + jitter * 2 * random()));
}

export interface RetryOptions extends BackoffOptions {
  attempts: number;
  clock: Clock;
  signal?: AbortSignal;
  onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
}

/**
 * Runs `fn` up to `attempts` times, retrying only errors whose `retryable` flag is set.
 * A RateLimitError waits its own retryAfterMs when that is longer than the backoff.
 * The operation must be idempotent: this is the caller's promise, checked in its tests.
 */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (attempt >= options.attempts || !isReguaError(error) || !error.retryable) throw error;
      let delay = backoffDelay(attempt, options);
      if (error instanceof RateLimitError || error.code === "RATE_LIMIT") {
        delay = Math.max(delay, (error as RateLimitError).retryAfterMs ?? 0);
      }
      options.onRetry?.(error, attempt, delay);
      await options.clock.sleep(delay, options.signal);
    }
  }
}
