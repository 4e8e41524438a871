import type { ChannelAccountEvent, ChannelQualityChange, TemplateStatus } from "@regua/core";
import type { PhoneNumberQualityUpdate, TemplateStatusUpdate } from "./schemas.js";

/**
 * Pure mapping of the WhatsApp Business Account webhooks (fields `message_template_status_update`
 * and `phone_number_quality_update`) to régua's account events. Meta puts no id on them: the
 * event id is made of what identifies the change (account, template or number, event, time),
 * so a redelivery of the same notification is one event.
 */

/** Meta's template `event` → the status régua acts on; events that change nothing are null. */
const TEMPLATE_STATUS: Record<string, TemplateStatus> = {
  APPROVED: "approved",
  REINSTATED: "approved",
  UNARCHIVED: "approved",
  FLAGGED: "flagged",
  PAUSED: "paused",
  DISABLED: "disabled",
  REJECTED: "rejected",
  PENDING: "pending",
  IN_APPEAL: "pending",
  PENDING_DELETION: "deleted",
  DELETED: "deleted",
  ARCHIVED: "deleted",
};

/**
 * What each messaging-limit tier allows: unique customers in business-initiated conversations
 * over a rolling 24 h (https://developers.facebook.com/docs/whatsapp/messaging-limits).
 * TIER_UNLIMITED and TIER_NOT_SET cap nothing.
 */
const TIER_RECIPIENTS: Record<string, number | null> = {
  TIER_50: 50,
  TIER_250: 250,
  TIER_1K: 1_000,
  TIER_2K: 2_000,
  TIER_10K: 10_000,
  TIER_100K: 100_000,
  TIER_UNLIMITED: null,
  TIER_NOT_SET: null,
};

const QUALITY_CHANGE: Record<string, ChannelQualityChange> = {
  DOWNGRADE: "downgrade",
  FLAGGED: "flagged",
  UPGRADE: "upgrade",
  UNFLAGGED: "unflagged",
};

export function tierRecipients(tier: string | null): number | null {
  if (tier === null) return null;
  return TIER_RECIPIENTS[tier] ?? null;
}

export interface EntryContext {
  /** The WhatsApp Business Account id (entry.id). */
  accountId: string;
  /** entry.time as an ISO instant, or when the webhook was received. */
  at: string;
  /** entry.time as Meta sent it (seconds), for the event id. */
  time: string;
}

/** Meta writes "en_US" and, in some payloads, "en-US"; templates are referred to as "en_US". */
function templateLanguage(code: string): string {
  return code.replace("-", "_");
}

export function templateStatusToEvent(
  value: TemplateStatusUpdate,
  entry: EntryContext,
): ChannelAccountEvent | null {
  const status = TEMPLATE_STATUS[value.event.toUpperCase()];
  if (!status) return null;
  const providerId = value.message_template_id === undefined ? null : String(value.message_template_id);
  const language = templateLanguage(value.message_template_language);
  const detail =
    value.other_info?.description ??
    value.rejection_info?.reason ??
    (value.disable_info?.disable_date === undefined
      ? null
      : `disabled at ${value.disable_info.disable_date}`);
  return {
    kind: "template_status",
    eventId: `template:${entry.accountId}:${providerId ?? `${value.message_template_name}/${language}`}:${value.event}:${entry.time}`,
    at: entry.at,
    template: { name: value.message_template_name, language, providerId },
    status,
    providerEvent: value.other_info?.title ? `${value.event}/${value.other_info.title}` : value.event,
    reason: value.reason && value.reason !== "NONE" ? value.reason : null,
    detail,
  };
}

export function qualityUpdateToEvent(
  value: PhoneNumberQualityUpdate,
  entry: EntryContext,
): ChannelAccountEvent {
  const limit = value.max_daily_conversations_per_business ?? value.current_limit ?? null;
  const previousLimit = value.old_limit ?? null;
  const number = value.display_phone_number?.replace(/\D/g, "") ?? null;
  return {
    kind: "channel_quality",
    eventId: `quality:${entry.accountId}:${number ?? "-"}:${value.event}:${limit ?? "-"}:${entry.time}`,
    at: entry.at,
    change: QUALITY_CHANGE[value.event.toUpperCase()] ?? "other",
    providerEvent: value.event,
    phoneNumber: number,
    limit,
    previousLimit: previousLimit === "" ? null : previousLimit,
    dailyRecipients: tierRecipients(limit),
  };
}
