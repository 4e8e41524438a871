import { type Clock, type Policy, type PolicyInput, PolicySchema } from "@regua/core";

/**
 * A clock whose sleep returns at once and moves its own time forward: retries, rate limits and
 * send pacing run instantly while every wait they asked for is recorded. `advance` moves it
 * between cycles (the next day's run).
 */
export class JumpingClock implements Clock {
  readonly sleeps: number[] = [];
  private current: number;

  constructor(start: Date | string | number) {
    this.current = new Date(start).getTime();
  }

  now(): Date {
    return new Date(this.current);
  }

  async sleep(ms: number, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw signal.reason;
    this.sleeps.push(ms);
    this.current += ms;
  }

  advance(ms: number): void {
    this.current += ms;
  }
}

const ALL_DAY = "00:00-24:00";

/**
 * A policy that never gets in a test's way: UTC, a send window open every hour of every day,
 * no holidays, no caps. Pass the steps and whatever else the test is about.
 */
export function openPolicy(overrides: Partial<PolicyInput> & Pick<PolicyInput, "steps">): Policy {
  return PolicySchema.parse({
    timezone: "UTC",
    window: {
      mon: ALL_DAY,
      tue: ALL_DAY,
      wed: ALL_DAY,
      thu: ALL_DAY,
      fri: ALL_DAY,
      sat: ALL_DAY,
      sun: ALL_DAY,
    },
    holidays: null,
    caps: { perCustomerPerDay: null, perCustomerPerWeek: null },
    ...overrides,
  });
}
