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

  it("books each caller's own release instant: one late wake-up releases everyone due by then", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const bucket = new TokenBucket(1000, 1, clock);
    const released: number[] = [];
    const waits = [1, 2, 3, 4, 5].map((n) => bucket.take().then(() => released.push(n)));
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual([1]);
    // The event loop was busy for 3 ms: the three callers due by then go at once, in order…
    clock.advance(3);
    await new Promise((r) => setImmediate(r));
    expect(released).toEqual([1, 2, 3, 4]);
    // …and the next one is still due 1 ms after its predecessor's slot, not 1 ms after the wake-up.
    clock.advance(1);
    await Promise.all(waits);
    expect(released).toEqual([1, 2, 3, 4, 5]);
  });

  it("never releases faster than the rate over a long run", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const bucket = new TokenBucket(80, 8, clock);
    let released = 0;
    const waits = Array.from({ length: 100 }, () => bucket.take().then(() => released++));
    for (let ms = 0; ms <= 1300; ms += 25) {
      await new Promise((r) => setImmediate(r));
      // burst 8, then 80 a second: never more than 8 + 80·t released by time t.
      expect(released).toBeLessThanOrEqual(8 + Math.floor((ms * 80) / 1000));
      clock.advance(25);
    }
    await Promise.all(waits);
    expect(released).toBe(100);
  });

  it("rejects a caller whose signal was aborted", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const bucket = new TokenBucket(1, 1, clock);
    const controller = new AbortController();
    controller.abort(new Error("shutting down"));
    await expect(bucket.take(controller.signal)).rejects.toThrow("shutting down");
  });
});
