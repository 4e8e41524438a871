import type { ChannelQualityChange, TemplateStatus } from "./contracts.js";

/**
 * What the store keeps about each channel account (migration 0290_channel_accounts): the status
 * of each provider template as the provider last reported it, the account's quality and
 * messaging limit, and whether the channel is suspended (its credentials refused). Dispatch reads
 * it before each send; the runner's alert rules read it to raise template_paused,
 * channel_degraded and channel_paused, so every replica and a restarted runner see the same.
 */
export interface TemplateStateRow {
  channel: string;
  name: string;
  language: string;
  status: TemplateStatus;
  providerEvent: string;
  reason: string | null;
  detail: string | null;
  providerId: string | null;
  /** The provider's time of the event: an older event never overwrites a newer one. */
  at: string;
}

export interface ChannelStateRow {
  channel: string;
  /** Set while the channel is suspended (credentials refused); null when it works. */
  suspendedReason: string | null;
  suspendedAt: string | null;
  qualityChange: ChannelQualityChange | null;
  qualityEvent: string | null;
  limit: string | null;
  previousLimit: string | null;
  /** Unique customers the account may start conversations with in a rolling 24 h; null: no cap known. */
  dailyRecipients: number | null;
  /** After a downgrade or a flag, until an upgrade or an unflag. */
  degraded: boolean;
  qualityAt: string | null;
}

export interface QualityUpdate {
  change: ChannelQualityChange;
  providerEvent: string;
  limit: string | null;
  previousLimit: string | null;
  dailyRecipients: number | null;
  at: string;
}

export interface ChannelAccountStore {
  /** Stores the template's status unless a newer event is stored already; true when applied. */
  recordTemplateStatus(row: TemplateStateRow): Promise<boolean>;
  templateStatus(channel: string, name: string, language: string): Promise<TemplateStateRow | null>;
  templateStatuses(channel?: string): Promise<TemplateStateRow[]>;
  /** Stores a quality/limit change unless a newer one is stored; true when applied. */
  recordQuality(channel: string, update: QualityUpdate): Promise<boolean>;
  /** Suspends (with why and since when) or, with null, clears the suspension. */
  setSuspension(channel: string, suspension: { reason: string; at: string } | null): Promise<void>;
  /**
   * Planned sends of the channel waiting for a template (status reason starting with
   * `reasonPrefix`) are due again at `at`: the template was approved again. Returns how many.
   */
  wakeWaiting(query: { channel: string; reasonPrefix: string; at: string }): Promise<number>;
  channelState(channel: string): Promise<ChannelStateRow | null>;
  channelStates(): Promise<ChannelStateRow[]>;
  /**
   * Business-initiated reach of the channel since `since`: distinct customers its messages went
   * to, whether `customer` is one of them, and when the oldest of those sends was.
   */
  recentRecipients(query: {
    channel: string;
    since: string;
    customer: { source: string; customerRef: string };
  }): Promise<{ count: number; includes: boolean; oldestSentAt: string | null }>;
}

/** Pure: a quality change → whether the channel is degraded after it. */
export function degradedAfter(previous: boolean, change: ChannelQualityChange): boolean {
  if (change === "downgrade" || change === "flagged") return true;
  if (change === "upgrade" || change === "unflagged") return false;
  return previous;
}
