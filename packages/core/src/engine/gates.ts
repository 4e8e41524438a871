import type { Clock } from "../clock.js";
import type { Channel } from "../contracts.js";
import { TokenBucket } from "../rate-limit.js";
import type { DunningStore } from "../store-port.js";
import { SharedRate } from "./shared-rate.js";

/** What deliver waits on before each send. */
export interface SendGate {
  take(signal?: AbortSignal): Promise<void>;
}

/**
 * Per channel instance, for the life of the engine: a token bucket at the channel's declared
 * rate, and a back-off instant after the provider answered "rate limited", so the rest of a
 * batch waits instead of hammering a provider that already said no.
 */
export class ChannelGates {
  private readonly buckets = new Map<string, SendGate>();
  private readonly pausedUntilMs = new Map<string, number>();

  /** With `shared`, each channel's rate is shared through the store by every runner using it. */
  constructor(
    private readonly clock: Clock,
    private readonly shared?: DunningStore,
  ) {}

  bucket(channelId: string, channel: Channel): SendGate {
    let bucket = this.buckets.get(channelId);
    if (!bucket) {
      const perSecond = channel.rateLimit.perSecond;
      const burst = Math.max(1, Math.floor(perSecond));
      bucket = this.shared
        ? new SharedRate(this.shared, `channel:${channelId}`, perSecond, burst, this.clock)
        : new TokenBucket(perSecond, burst, this.clock);
      this.buckets.set(channelId, bucket);
    }
    return bucket;
  }

  /** The instant (ms) the channel may be used again, or null when it is not backing off. */
  pausedUntil(channelId: string): number | null {
    const until = this.pausedUntilMs.get(channelId);
    return until !== undefined && until > this.clock.now().getTime() ? until : null;
  }

  pause(channelId: string, forMs: number): void {
    const until = this.clock.now().getTime() + forMs;
    this.pausedUntilMs.set(channelId, Math.max(until, this.pausedUntilMs.get(channelId) ?? 0));
  }
}
