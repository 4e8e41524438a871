import type { Clock } from "@regua/core";

/**
 * A clock whose sleep returns at once and moves its own time forward: retries and limits run
 * instantly while every wait they asked for is recorded.
 */
export class JumpingClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start = "2026-03-02T12:00:00Z") {
    this.current = Date.parse(start);
  }

  now(): Date {
    return new Date(this.current);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.current += ms;
  }
}
