import { describe, expect, it } from "vitest";
import { ManualClock, TokenBucket } from "../src/index.js";

describe("TokenBucket", () => {
  it("allows a burst, then one token per 1/perSecond of clock time", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const bucket = new TokenBucket(10, 2, clock);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
    clock.advance(100);
    expect(bucket.tryTake()).toBe(true);
    expect(bucket.tryTake()).toBe(false);
  });

  it("serves waiting callers in order as the clock moves", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const bucket = new TokenBucket(1, 1, clock);
    const order: number[] = [];
    const waits = [1, 2, 3].map((n) => bucket.take().then(() => order.push(n)));
    for (let i = 0; i < 4; i++) {
      await new Promise((r) => setImmediate(r));
      clock.advance(1000);
    }
    await Promise.all(waits);
    expect(order).toEqual([1, 2, 3]);
  });
});
