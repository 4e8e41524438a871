import type { Clock } from "../clock.js";
import type { Channel } from "../contracts.js";
import { TokenBucket } from "../rate-limit.js";
import type { DunningStore } from "../store-port.js";
import { AccountView } from "./account-gates.js";
import { SharedRate } from "./shared-rate.js";

/** What deliver waits on before each send. */
export interface SendGate {
  /** Books the caller's send instant (epoch ms) in call order; the caller waits for it itself. */
  slot(signal?: AbortSignal): Promise<number>;
}

/** How often a suspended channel's health check is tried. */
export const CHANNEL_PROBE_MS = 60_000;

/**
 * A channel that accepted a send this recently (and refused none since) starts a dispatch run
 * with its sends overlapping: a schedule's runs a minute apart need not prove it again each time.
 */
export const PROVEN_FOR_MS = 60_000;

/**
 * Per channel instance, for the life of the engine: a token bucket at the channel's declared
 * rate, and a back-off instant after the provider answered "rate limited", so the rest of a
 * batch waits instead of hammering a provider that already said no.
 */
export class ChannelGates {
  private readonly buckets = new Map<string, SendGate>();
  private readonly pausedUntilMs = new Map<string, number>();
  private readonly suspended = new Map<string, { reason: string; nextProbeMs: number }>();
  /** Per channel, the end of the queue of sends going one at a time (see `turn`). */
  private readonly solo = new Map<string, Promise<void>>();
  /** When each channel last accepted a send (epoch ms), while it has refused none since. */
  private readonly proven = new Map<string, number>();
  /** Template statuses and account limits, as read at the start of the current dispatch run. */
  accounts: AccountView = AccountView.empty();

  /** With `shared`, each channel's rate is shared through the store by every runner using it. */
  constructor(
    private readonly clock: Clock,
    private readonly shared?: DunningStore,
  ) {}

  bucket(channelId: string, channel: Channel): SendGate {
    let bucket = this.buckets.get(channelId);
    if (!bucket) {
      const perSecond = channel.rateLimit.perSecond;
      // A tenth of a second of burst, as a channel's own limiter keeps it. Shared between
      // runners, a full second on top of the steady rate, taken by two runners at once after a
      // quiet spell, went past the tier (the scale-out benchmark: 1.06 of it, Meta's 130429s).
      // Alone, a full second handed a second's worth of sends to the channel at once, each
      // prepared before the first left, so the first of them left milliseconds late.
      const burst = Math.max(1, Math.ceil(perSecond / 10));
      bucket = this.shared
        ? new SharedRate(this.shared, `channel:${channelId}`, perSecond, burst, this.clock)
        : new TokenBucket(perSecond, burst, this.clock);
      this.buckets.set(channelId, bucket);
    }
    return bucket;
  }

  /**
   * Sends overlap (the dispatcher delivers several actions at once) only through a channel that
   * accepted one in this run or within PROVEN_FOR_MS before it: until then, and again after a
   * refusal, they go one at a time, so the first answer (rate limited, credentials refused, a
   * shutdown meanwhile) is known before the next request leaves, as with one send at a time.
   * Resolves to the function that ends the caller's turn (a no-op when the channel is proven).
   */
  async turn(channelId: string): Promise<() => void> {
    if (this.proven.has(channelId)) return () => {};
    const previous = this.solo.get(channelId) ?? Promise.resolve();
    let end: () => void = () => {};
    const mine = new Promise<void>((resolve) => {
      end = resolve;
    });
    this.solo.set(
      channelId,
      previous.then(() => mine),
    );
    await previous;
    if (this.proven.has(channelId)) {
      end(); // proven while this caller waited: the ones behind need not wait for its send
      return () => {};
    }
    return end;
  }

  /** A send through the channel was accepted (true) or refused (false). */
  answered(channelId: string, accepted: boolean): void {
    if (accepted) this.proven.set(channelId, this.clock.now().getTime());
    else this.proven.delete(channelId);
  }

  /**
   * A new dispatch run: a channel proves itself again unless it accepted a send within
   * PROVEN_FOR_MS (the run before, on a schedule) and refused none since.
   */
  newRun(): void {
    const now = this.clock.now().getTime();
    for (const [channelId, acceptedAt] of this.proven) {
      if (now - acceptedAt > PROVEN_FOR_MS) this.proven.delete(channelId);
    }
  }

  /** The instant (ms) the channel may be used again, or null when it is not backing off. */
  pausedUntil(channelId: string): number | null {
    const until = this.pausedUntilMs.get(channelId);
    return until !== undefined && until > this.clock.now().getTime() ? until : null;
  }

  /**
   * Stops the channel until it is known to work again (its credentials were refused). Returns
   * true only for the call that stopped it, so the alert is raised once, not once per action.
   */
  suspend(channelId: string, reason: string): boolean {
    if (this.suspended.has(channelId)) return false;
    this.suspended.set(channelId, { reason, nextProbeMs: this.clock.now().getTime() + CHANNEL_PROBE_MS });
    return true;
  }

  /** Why the channel is suspended and when to check it again, or null when it is not suspended. */
  suspension(channelId: string): { reason: string; nextProbeMs: number } | null {
    return this.suspended.get(channelId) ?? null;
  }

  /** The next health probe is due: push the one after out, so one caller probes at a time. */
  takeProbe(channelId: string): boolean {
    const suspension = this.suspended.get(channelId);
    const now = this.clock.now().getTime();
    if (!suspension || suspension.nextProbeMs > now) return false;
    suspension.nextProbeMs = now + CHANNEL_PROBE_MS;
    return true;
  }

  /** Returns true when the channel was suspended. */
  resume(channelId: string): boolean {
    return this.suspended.delete(channelId);
  }

  pause(channelId: string, forMs: number): void {
    const until = this.clock.now().getTime() + forMs;
    this.pausedUntilMs.set(channelId, Math.max(until, this.pausedUntilMs.get(channelId) ?? 0));
  }
}
