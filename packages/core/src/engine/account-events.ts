import type { ChannelAccountEvent } from "../contracts.js";
import { templateSendable } from "../contracts.js";
import { limitWaitReason, templateWaitReason } from "./account-gates.js";
import { audit, type EngineContext, nowIso } from "./context.js";

/**
 * A channel's account events (WhatsApp `message_template_status_update` and
 * `phone_number_quality_update`) are kept in the store, where dispatch and the alert rules read
 * them. Events come with the provider's time: a late, older event never undoes a newer one.
 * Without a store that keeps them (test doubles) they are ignored.
 */
export async function applyAccountEvent(
  ctx: EngineContext,
  channelId: string,
  event: ChannelAccountEvent,
): Promise<"applied" | "ignored"> {
  const accounts = ctx.store.channelAccounts;
  if (!accounts) return "ignored";
  const actor = `webhook:${channelId}`;
  if (event.kind === "template_status") {
    const { template } = event;
    const applied = await accounts.recordTemplateStatus({
      channel: channelId,
      name: template.name,
      language: template.language,
      status: event.status,
      providerEvent: event.providerEvent,
      reason: event.reason,
      detail: event.detail,
      providerId: template.providerId,
      at: event.at,
    });
    if (!applied) return "ignored";
    const sendable = templateSendable(event.status);
    // Approved again: the sends that waited for it go at the next dispatch, not at their recheck.
    const woken = sendable
      ? await accounts.wakeWaiting({
          channel: channelId,
          reasonPrefix: templateWaitReason(template.name, template.language),
          at: nowIso(ctx),
        })
      : 0;
    const level = sendable ? "info" : "warn";
    ctx.log[level](
      { channel: channelId, template: template.name, language: template.language, status: event.status },
      `template ${template.name} (${template.language}) is ${event.status}`,
    );
    await audit(
      ctx,
      "template.status",
      `${channelId}/${template.name}/${template.language}`,
      { status: event.status, providerEvent: event.providerEvent, reason: event.reason, woken },
      actor,
    );
    return "applied";
  }
  const applied = await accounts.recordQuality(channelId, {
    change: event.change,
    providerEvent: event.providerEvent,
    limit: event.limit,
    previousLimit: event.previousLimit,
    dailyRecipients: event.dailyRecipients,
    at: event.at,
  });
  if (!applied) return "ignored";
  // The limit changed: sends held by the old one are checked against the new one at the next dispatch.
  const woken = await accounts.wakeWaiting({
    channel: channelId,
    reasonPrefix: limitWaitReason(channelId),
    at: nowIso(ctx),
  });
  ctx.log.warn(
    { channel: channelId, change: event.change, limit: event.limit, previousLimit: event.previousLimit },
    `channel ${channelId} quality: ${event.providerEvent}`,
  );
  await audit(
    ctx,
    "channel.quality",
    channelId,
    { change: event.change, providerEvent: event.providerEvent, limit: event.limit, woken },
    actor,
  );
  return "applied";
}
