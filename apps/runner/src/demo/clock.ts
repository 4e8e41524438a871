import { type Clock, systemClock } from "@regua/core";

/**
 * The demo's clock: starts at a fixed instant so dates in the output never change, then runs at
 * real speed so rate limits, retries and webhook delays (which sleep) still work. `jumpTo`
 * moves it to another day, as if the runner had been left running overnight.
 */
export class DemoClock implements Clock {
  private base: number;
  private startedAt = performance.now();

  constructor(start: string) {
    this.base = Date.parse(start);
  }

  now(): Date {
    return new Date(this.base + (performance.now() - this.startedAt));
  }

  sleep(ms: number, signal?: AbortSignal): Promise<void> {
    return systemClock.sleep(ms, signal);
  }

  jumpTo(instant: string): void {
    this.base = Date.parse(instant);
    this.startedAt = performance.now();
  }
}
