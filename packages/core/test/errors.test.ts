import { describe, expect, it } from "vitest";
import { z } from "zod";
import {
  AuthError,
  fromZodError,
  isReguaError,
  ManualClock,
  RateLimitError,
  TransientError,
  withRetry,
} from "../src/index.js";

describe("errors", () => {
  it("are recognised by tag and carry the provider's words", () => {
    const error = new AuthError("session expired", {
      provider: { system: "sap-b1", code: -304, message: "Invalid session", status: 401 },
    });
    expect(isReguaError(error)).toBe(true);
    expect(isReguaError(new Error("plain"))).toBe(false);
    expect(error.describe()).toBe(
      "AUTH: session expired (sap-b1: HTTP 401, code -304, Invalid session) [not retried]",
    );
  });

  it("are recognised across copies of the package (no instanceof)", () => {
    const foreign = Object.assign(new Error("x"), { [Symbol.for("regua.error")]: true, retryable: true });
    expect(isReguaError(foreign)).toBe(true);
    expect(foreign.retryable).toBe(true);
  });

  it("turn zod issues into a message naming the source and each field", () => {
    const schema = z.object({ dueDate: z.iso.date(), lines: z.array(z.object({ qty: z.number() })) });
    const result = schema.safeParse({ dueDate: "31/02/2026", lines: [{ qty: "1" }] });
    if (result.success) throw new Error("expected a failure");
    const error = fromZodError(result.error, "sap-b1 Invoices DocEntry=7");
    expect(error.message).toMatch(/^sap-b1 Invoices DocEntry=7: dueDate: .*; lines\[0\]\.qty: /);
    expect(error.issues.map((i) => i.path)).toEqual(["dueDate", "lines[0].qty"]);
  });
});

describe("withRetry", () => {
  it("retries retryable errors a bounded number of times, waiting on the clock", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    let calls = 0;
    const promise = withRetry(
      async () => {
        calls++;
        throw new TransientError("502 from the ERP");
      },
      { attempts: 3, baseMs: 100, maxMs: 1000, jitter: 0, clock },
    );
    const outcome = promise.catch((e: unknown) => e);
    for (let i = 0; i < 5; i++) {
      await Promise.resolve();
      clock.advance(1000);
      await new Promise((r) => setImmediate(r));
    }
    expect(await outcome).toBeInstanceOf(TransientError);
    expect(calls).toBe(3);
  });

  it("does not retry a permanent error", async () => {
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw new AuthError("bad token");
        },
        { attempts: 5, baseMs: 1, maxMs: 1, clock: new ManualClock("2026-01-01T00:00:00Z") },
      ),
    ).rejects.toBeInstanceOf(AuthError);
    expect(calls).toBe(1);
  });

  it("waits at least the provider's Retry-After", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const waits: number[] = [];
    let calls = 0;
    const promise = withRetry(
      async () => {
        if (calls++ === 0) throw new RateLimitError("slow down", 5_000);
        return "ok";
      },
      {
        attempts: 2,
        baseMs: 10,
        maxMs: 100,
        jitter: 0,
        clock,
        onRetry: (_e, _a, delay) => waits.push(delay),
      },
    );
    await new Promise((r) => setImmediate(r));
    clock.advance(5_000);
    expect(await promise).toBe("ok");
    expect(waits).toEqual([5_000]);
  });
});
