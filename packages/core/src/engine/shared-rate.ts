import { type Clock, sleepUntil } from "../clock.js";
import type { DunningStore } from "../store-port.js";

/** Slots reserved per round trip to the store: 50 ms of the rate, and at least the burst. */
const BLOCK_MS = 50;

/**
 * A channel's rate shared by every runner on one store (issue: two runners at 80 msg/s each must
 * not send 160 msg/s to Meta). Send slots come from the store's schedule (`reserveRate`, one
 * atomic statement: GCRA), a block of 50 ms of slots per round trip, handed out in call order;
 * each caller waits for its slot through the injected clock. A slot older than the burst
 * tolerance (a runner that reserved and then idled) is dropped, never used late, so late slots
 * cannot pile onto the other runners' current ones. The reservation's own round trip is not
 * idling: a block is granted from the instant it was asked for, so its first slots are already
 * that old when they arrive. Counted as stale, they were dropped at every start (at 80 msg/s the
 * first slot, which shifted the whole run one interval late; at 1,000 msg/s one per millisecond
 * of round trip).
 *
 * The next block is reserved while half of this one is still left, not when it has run out: on
 * PostgreSQL the reservation is a round trip (a commit), and at 80 msg/s (blocks of 4) every
 * fourth send waited for it between its turn and its request. A reservation that fails ahead of
 * time is asked for again by the send that needs it, which then gets the error as before.
 */
/** A send slot (epoch ms), and the instant after which it is stale and dropped. */
interface Slot {
  at: number;
  usableUntil: number;
}

export class SharedRate {
  /** Reserved slots in order. */
  private slots: Slot[] = [];
  private reserving: Promise<void> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly intervalMs: number;
  private readonly toleranceMs: number;
  private readonly block: number;

  constructor(
    private readonly store: DunningStore,
    private readonly key: string,
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly clock: Clock,
  ) {
    this.intervalMs = 1000 / perSecond;
    this.toleranceMs = Math.max(0, burst - 1) * this.intervalMs;
    // A burst in one round trip: with blocks of 50 ms, the second half of an 80 msg/s burst of 8
    // (blocks of 4) waited for a second reservation at the start of every run.
    this.block = Math.max(1, Math.floor(BLOCK_MS / this.intervalMs), Math.floor(burst));
  }

  async take(signal?: AbortSignal): Promise<void> {
    await sleepUntil(this.clock, await this.slot(signal), signal);
  }

  /** This caller's slot (epoch ms, whole, never early), in call order, without waiting for it. */
  async slot(signal?: AbortSignal): Promise<number> {
    if (signal?.aborted) throw signal.reason;
    const next = this.queue.then(() => this.nextSlot());
    this.queue = next.catch(() => undefined);
    return Math.ceil(await next);
  }

  private async nextSlot(): Promise<number> {
    for (;;) {
      const now = this.clock.now().getTime();
      while (this.slots.length > 0 && (this.slots[0] as Slot).usableUntil < now) this.slots.shift();
      const slot = this.slots.shift();
      if (slot !== undefined) {
        if (this.block > 1 && this.slots.length < this.block / 2) this.reserve(now).catch(() => undefined);
        return slot.at;
      }
      await this.reserve(now);
    }
  }

  /** One reservation at a time; its slots follow the ones held (the store's schedule only moves on). */
  private reserve(nowMs: number): Promise<void> {
    this.reserving ??= this.store
      .reserveRate({ key: this.key, perSecond: this.perSecond, burst: this.burst, count: this.block, nowMs })
      .then(({ firstMs }) => {
        // Usable until the burst tolerance has passed, plus the reservation's own round trip.
        const roundTripMs = Math.max(0, this.clock.now().getTime() - nowMs);
        for (let i = 0; i < this.block; i++) {
          const at = firstMs + i * this.intervalMs;
          this.slots.push({ at, usableUntil: at + this.toleranceMs + roundTripMs });
        }
      })
      .finally(() => {
        this.reserving = null;
      });
    return this.reserving;
  }
}
