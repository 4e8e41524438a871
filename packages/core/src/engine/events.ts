import type { ActionRow, ActionStatus } from "../actions.js";
import type { ChannelEvent, DeliveryStatus } from "../contracts.js";
import type { ActivityKind, CollectionActivity } from "../model.js";
import { applyAccountEvent } from "./account-events.js";
import { audit, auditEntry, describeError, type EngineContext, nowIso } from "./context.js";
import { routeStatus } from "./conversations.js";
import { handleDeliveryIssue } from "./delivery-issues.js";
import { handleInbound } from "./inbound.js";
import { actionActivity } from "./lifecycle.js";
import type { EventSummary } from "./types.js";

type StatusEvent = Extract<ChannelEvent, { kind: "status" }>;

/**
 * Statuses only move forward: sent → delivered → read. `sending` and `unknown` (a crash
 * between marking and the answer, a timeout) are reconciled by any status, and so is a row
 * back in `planned`/`claimed` (a resend after the quiet period, or a retry after an error the
 * provider had in fact accepted): the provider has the message, so it is not sent again.
 * A failure after delivery is ignored, so late or out-of-order deliveries never regress a row.
 */
const UNSETTLED: readonly ActionStatus[] = ["planned", "claimed", "sending", "unknown"];
const FORWARD_FROM: Record<DeliveryStatus, readonly ActionStatus[]> = {
  sent: UNSETTLED,
  delivered: [...UNSETTLED, "sent"],
  read: [...UNSETTLED, "sent", "delivered"],
  failed: [...UNSETTLED, "sent"],
};

const ACTIVITY_OF: Record<DeliveryStatus, ActivityKind> = {
  sent: "message_sent",
  delivered: "message_delivered",
  read: "message_read",
  failed: "message_failed",
};

export async function handleChannelEvents(
  ctx: EngineContext,
  channelId: string,
  events: readonly ChannelEvent[],
  /** When our server received the delivery; the vendor's own time stays in `event.at`. */
  receivedAt: string = nowIso(ctx),
): Promise<EventSummary> {
  const summary: EventSummary = {
    received: events.length,
    duplicates: 0,
    applied: 0,
    unmatched: 0,
    ignored: 0,
    failed: 0,
  };
  for (const event of events) {
    const fresh = await ctx.store.recordInboundEvent({
      provider: channelId,
      eventId: event.eventId,
      payload: event,
      receivedAt,
    });
    if (!fresh) {
      summary.duplicates += 1;
      continue;
    }
    summary[await applyEvent(ctx, channelId, event)] += 1;
  }
  return summary;
}

/**
 * One bad event does not hold up the rest of the delivery. It was stored before it was applied
 * (payload and all), so a failure is logged and audited for an operator to replay; the
 * provider's redelivery would only be recognised as a duplicate.
 */
async function applyEvent(
  ctx: EngineContext,
  channelId: string,
  event: ChannelEvent,
): Promise<"applied" | "unmatched" | "ignored" | "failed"> {
  try {
    if (event.kind === "status") return await applyStatus(ctx, channelId, event);
    if (event.kind === "inbound") return await handleInbound(ctx, channelId, event);
    return await applyAccountEvent(ctx, channelId, event);
  } catch (error) {
    const reason = describeError(error);
    ctx.log.error(
      { channel: channelId, eventId: event.eventId, kind: event.kind, error: reason },
      "event failed",
    );
    await audit(ctx, "event.failed", `${channelId}/${event.eventId}`, { reason }, `webhook:${channelId}`);
    return "failed";
  }
}

async function findAction(ctx: EngineContext, event: StatusEvent): Promise<ActionRow | null> {
  const byId = await ctx.store.findActionByProviderMessageId(event.providerMessageId);
  if (byId) return byId;
  // After a crash the row has no provider id yet: the key came back as the callback data.
  return event.actionKey ? ctx.store.getAction(event.actionKey) : null;
}

/** Pricing and conversation of a status, kept per message so cost can be reported. */
async function recordCost(ctx: EngineContext, channelId: string, event: StatusEvent, actionKey: string) {
  if (!event.pricing) return;
  const { conversation, pricing } = event;
  await ctx.store.recordMessageCost({
    providerMessageId: event.providerMessageId,
    actionKey,
    channel: channelId,
    billable: pricing.billable,
    category: pricing.category,
    pricingModel: pricing.model,
    conversationId: conversation?.id ?? null,
    conversationOrigin: conversation?.originType ?? null,
    conversationExpiresAt: conversation?.expiresAt ?? null,
    at: event.at,
  });
}

async function applyStatus(
  ctx: EngineContext,
  channelId: string,
  event: StatusEvent,
): Promise<"applied" | "unmatched" | "ignored"> {
  const message = await routeStatus(ctx, channelId, event);
  if (ctx.onChannelEvent) await ctx.onChannelEvent({ kind: "status", channelId, event, message });
  const outcome = await applyActionStatus(ctx, channelId, event);
  if (outcome !== "unmatched") return outcome;
  // A status of a conversation message (a bot or operator reply) has no dunning action.
  if (message) return "applied";
  ctx.log.warn(
    { channel: channelId, providerMessageId: event.providerMessageId },
    "status for an unknown message",
  );
  return "unmatched";
}

async function applyActionStatus(
  ctx: EngineContext,
  channelId: string,
  event: StatusEvent,
): Promise<"applied" | "unmatched" | "ignored"> {
  const action = await findAction(ctx, event);
  if (!action) return "unmatched";
  await recordCost(ctx, channelId, event, action.key);
  const issue = event.status === "failed" ? event.error?.issue : undefined;
  if (issue && event.error && FORWARD_FROM.failed.includes(action.status)) {
    const { code, message } = event.error;
    const report = { issue, channelId, code, message, recipient: event.recipient, retryAfterMs: 0 };
    await handleDeliveryIssue(
      ctx,
      action,
      { ...report, via: "status" },
      FORWARD_FROM.failed,
      `webhook:${channelId}`,
    );
    return "applied";
  }
  const error = event.error ? `${channelId} ${event.error.code}: ${event.error.message}` : undefined;
  const unsettled = UNSETTLED.includes(action.status);
  const moved = await ctx.store.commitOutcome({
    key: action.key,
    from: FORWARD_FROM[event.status],
    to: event.status,
    patch: {
      at: nowIso(ctx),
      providerMessageId: action.providerMessageId ?? event.providerMessageId,
      sentAt: action.sentAt ?? event.at,
      claimedUntil: null,
      ...(error === undefined ? {} : { statusReason: error }),
      ...(settlesUnknown(action) ? { reconciled: "status" } : {}),
    },
    activities: statusActivities(action, event, unsettled, error),
    audit: [
      auditEntry(
        ctx,
        `action.${event.status}`,
        action.key,
        { from: action.status, providerMessageId: event.providerMessageId, error },
        `webhook:${channelId}`,
      ),
    ],
  });
  if (!moved) {
    ctx.log.debug(
      { action: action.key, status: event.status, current: action.status },
      "status ignored: not forward",
    );
    return "ignored";
  }
  return "applied";
}

/** The row is unknown, or was resent after its quiet period and the original's status came after all. */
function settlesUnknown(action: ActionRow): boolean {
  if (action.status === "unknown") return true;
  return action.reconciled === "resent" && (action.status === "planned" || action.status === "claimed");
}

/** The send itself when it was never recorded (crash, timeout, or the webhook won the race), then this status. */
function statusActivities(
  action: ActionRow,
  event: StatusEvent,
  unsettled: boolean,
  error: string | undefined,
): CollectionActivity[] {
  const { providerMessageId } = event;
  const name = action.template ?? action.stepId;
  const activities: CollectionActivity[] = [];
  if (unsettled) {
    activities.push(
      actionActivity(action, "message_sent", event.at, {
        subject: `Message sent: ${name}`,
        providerMessageId,
      }),
    );
  }
  if (event.status !== "sent") {
    const subject = `Message ${event.status}: ${name}`;
    activities.push(
      actionActivity(action, ACTIVITY_OF[event.status], event.at, {
        subject,
        details: error ?? "",
        providerMessageId,
      }),
    );
  }
  return activities;
}
