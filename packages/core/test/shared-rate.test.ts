import { describe, expect, it } from "vitest";
import { ChannelGates } from "../src/engine/gates.js";
import { SharedRate } from "../src/engine/shared-rate.js";
import { ManualClock } from "../src/index.js";
import { MemoryStore } from "./support/memory-store.js";

describe("SharedRate: one channel tier for every runner on a store", () => {
  it("two runners together stay within the tier", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const store = new MemoryStore();
    // Two runners' gates for the same channel, 80 msg/s with bursts of 8.
    const runners = [1, 2].map(() => new SharedRate(store, "channel:wa", 80, 8, clock));
    const released: number[] = [];
    const start = clock.now().getTime();
    const waits = runners.flatMap((gate) =>
      Array.from({ length: 60 }, () => gate.take().then(() => released.push(clock.now().getTime() - start))),
    );
    for (let ms = 0; ms <= 1600; ms += 5) {
      for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
      // burst 8, then 80 a second, whichever runner sends: never more than 8 + 80·t by time t.
      expect(released.length).toBeLessThanOrEqual(8 + Math.floor((ms * 80) / 1000));
      clock.advance(5);
    }
    await Promise.all(waits);
    expect(released).toHaveLength(120);
    // Both runners got slots: 120 messages at 80/s take ~1.4 s, not 2 × 0.75 s in parallel.
    expect(Math.max(...released)).toBeGreaterThanOrEqual(1_300);
  });

  it("drops slots a runner reserved and then left unused, instead of sending them late", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const store = new MemoryStore();
    let reservations = 0;
    const reserve = store.reserveRate.bind(store);
    store.reserveRate = (options) => {
      reservations++;
      return reserve(options);
    };
    const gate = new SharedRate(store, "channel:wa", 1000, 1, clock);
    await gate.take(); // reserves a block of 50 slots, uses the first
    const second = gate.take(); // the second slot of that block, 1 ms later
    await new Promise((r) => setImmediate(r));
    clock.advance(1);
    await second;
    expect(reservations).toBe(1);
    clock.advance(10_000);
    await gate.take();
    // The 48 stale slots were dropped: this one came from a fresh reservation.
    expect(reservations).toBe(2);
  });

  it("keeps a block's first slots that are stale only by the reservation's own round trip", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const store = new MemoryStore();
    const reserve = store.reserveRate.bind(store);
    store.reserveRate = async (options) => {
      const granted = await reserve(options);
      clock.advance(5); // a PostgreSQL round trip
      return granted;
    };
    const gate = new SharedRate(store, "channel:wa", 80, 8, clock);
    const start = clock.now().getTime();
    const slots: number[] = [];
    for (let i = 0; i < 9; i++) slots.push(await gate.slot());
    // The whole burst of 8 is due at once (none dropped), the ninth one interval after the burst.
    expect(slots.slice(0, 8).every((at) => at <= clock.now().getTime())).toBe(true);
    expect(slots[8]).toBe(start + 13); // 12.5 ms after the burst's start, rounded up
  });

  it("reserves a whole burst in one round trip", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const store = new MemoryStore();
    const asked: number[] = [];
    const reserve = store.reserveRate.bind(store);
    store.reserveRate = (options) => {
      asked.push(options.count);
      return reserve(options);
    };
    const gate = new SharedRate(store, "channel:wa", 80, 8, clock); // 50 ms is 4 slots; the burst 8
    const slots = await Promise.all(Array.from({ length: 8 }, () => gate.slot()));
    expect(slots.every((at) => at <= clock.now().getTime())).toBe(true);
    expect(asked[0]).toBe(8);
  });

  /** A store whose reservations are counted, and fail while `failing` says so. */
  function countingStore(failing: (call: number) => boolean = () => false) {
    const store = new MemoryStore();
    const counts = { reservations: 0 };
    const reserve = store.reserveRate.bind(store);
    store.reserveRate = (options) => {
      counts.reservations++;
      if (failing(counts.reservations)) return Promise.reject(new Error("database is gone"));
      return reserve(options);
    };
    return { store, counts };
  }

  /** Takes a slot, moving the manual clock on until it is given. */
  async function takeOn(gate: SharedRate, clock: ManualClock): Promise<void> {
    let done = false;
    const taken = gate.take().finally(() => {
      done = true;
    });
    for (let i = 0; i < 50 && !done; i++) {
      await new Promise((r) => setImmediate(r));
      if (!done) clock.advance(5);
    }
    await taken;
  }

  it("reserves the next block while half of this one is left, so no send waits for it", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const { store, counts } = countingStore();
    const gate = new SharedRate(store, "channel:wa", 80, 4, clock); // blocks of 4 slots
    await takeOn(gate, clock);
    await takeOn(gate, clock);
    expect(counts.reservations).toBe(1);
    await takeOn(gate, clock); // one slot left: the next block is asked for now
    await new Promise((r) => setImmediate(r));
    expect(counts.reservations).toBe(2);
    await takeOn(gate, clock);
    await takeOn(gate, clock); // from the block reserved ahead
    expect(counts.reservations).toBe(2);
  });

  it("a reservation that failed ahead of time fails the send that needed it", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const { store, counts } = countingStore((call) => call > 1);
    const gate = new SharedRate(store, "channel:wa", 80, 4, clock); // blocks of 4 slots
    // The first block's four slots; both reservations ahead (at the third and fourth) failed.
    for (let i = 0; i < 4; i++) await takeOn(gate, clock);
    await expect(gate.take()).rejects.toThrow("database is gone");
    expect(counts.reservations).toBe(4);
  });

  it("a channel's shared gate bursts a tenth of a second, not a whole one", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const store = new MemoryStore();
    const channel = { rateLimit: { perSecond: 80 } } as Parameters<ChannelGates["bucket"]>[1];
    // Two runners after a quiet spell: together, 8 at once (then 80 a second), not 80 at once.
    const gates = [1, 2].map(() => new ChannelGates(clock, store).bucket("wa", channel));
    const slots = await Promise.all(gates.flatMap((gate) => Array.from({ length: 20 }, () => gate.slot())));
    const now = clock.now().getTime();
    expect(slots.filter((at) => at <= now)).toHaveLength(8);
    // The rest follow at the rate, whichever runner holds them: the k-th no earlier than
    // (k − 7) intervals of 12.5 ms after the burst.
    const sorted = [...slots].sort((a, b) => a - b);
    for (const [k, at] of sorted.entries())
      if (k > 7) expect(at).toBeGreaterThanOrEqual(now + (k - 7) * 12.5);
  });
});

describe("a channel's own gate", () => {
  it("bursts a tenth of a second alone too, so the channel is not handed a second's sends at once", async () => {
    const clock = new ManualClock("2026-11-25T12:00:00Z");
    const channel = { rateLimit: { perSecond: 80 } } as Parameters<ChannelGates["bucket"]>[1];
    const gate = new ChannelGates(clock).bucket("wa", channel);
    const slots = await Promise.all(Array.from({ length: 20 }, () => gate.slot()));
    const now = clock.now().getTime();
    expect(slots.filter((at) => at <= now)).toHaveLength(8);
    for (const [k, at] of slots.entries()) if (k > 7) expect(at).toBeGreaterThanOrEqual(now + (k - 7) * 12.5);
  });
});
