/** Time comes from here, never from Date.now() inside a connector, channel or the engine. */
export interface Clock {
  now(): Date;
  /** Resolves after `ms` of this clock's time; rejects with the signal's reason when aborted. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * Resumes after the event loop's pending I/O and due timers (setImmediate), not on a timer:
 * setTimeout(0) costs at least 1 ms. Long synchronous work (SQLite's driver) split by it lets a
 * send due meanwhile leave on time.
 */
export const nextMacrotask = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

/** Waits until the instant `atMs` (epoch ms) of `clock`'s time; at once when it has passed. */
export async function sleepUntil(clock: Clock, atMs: number, signal?: AbortSignal): Promise<void> {
  const waitMs = atMs - clock.now().getTime();
  if (waitMs > 0) await clock.sleep(waitMs, signal);
}

export const systemClock: Clock = {
  now: () => new Date(),
  sleep: (ms, signal) =>
    new Promise((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const timer = setTimeout(() => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      }, ms);
      const onAbort = () => {
        clearTimeout(timer);
        reject(signal?.reason);
      };
      signal?.addEventListener("abort", onAbort, { once: true });
    }),
};

/** A clock tests move by hand: sleep() resolves when advance() passes its deadline. */
export class ManualClock implements Clock {
  private current: number;
  private sleepers: { until: number; resolve: () => void }[] = [];

  constructor(start: Date | string) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve) => {
      this.sleepers.push({ until: this.current + Math.max(0, ms), resolve });
      this.wake();
    });
  }

  advance(ms: number): void {
    this.current += ms;
    this.wake();
  }

  set(to: Date | string): void {
    this.current = new Date(to).getTime();
    this.wake();
  }

  private wake(): void {
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const s of due) s.resolve();
  }
}
