import { describe, expect, it } from "vitest";
import { RateLimiter } from "../src/index.js";
import { JumpingClock } from "./support/clock.js";

describe("RateLimiter windows", () => {
  it("lets at most `max` requests leave within any window, callers that arrive together included", async () => {
    const clock = new JumpingClock();
    const limiter = new RateLimiter({ windows: [{ max: 3, ms: 1000 }] }, clock);
    const left: number[] = [];
    const leave = () => limiter.run("realm", async () => void left.push(clock.now().getTime()));
    await Promise.all(Array.from({ length: 7 }, leave));
    const start = left[0] as number;
    expect(left.map((t) => t - start)).toEqual([0, 0, 0, 1001, 1001, 1001, 2002]);
    await limiter.run("other realm", async () => undefined); // a window per key: no wait
    expect(clock.sleeps).toHaveLength(2);
  });

  it("refuses a window that cannot let anything through", () => {
    const clock = new JumpingClock();
    expect(() => new RateLimiter({ windows: [{ max: 0, ms: 1000 }] }, clock)).toThrow(RangeError);
    expect(() => new RateLimiter({ windows: [{ max: 2, ms: 0 }] }, clock)).toThrow(RangeError);
  });
});
