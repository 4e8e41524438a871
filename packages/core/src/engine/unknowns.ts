import type { ActionRow } from "../actions.js";
import { auditEntry, describeError, type EngineContext, nowIso } from "./context.js";
import { actionActivity } from "./lifecycle.js";
import type { DispatchSummary } from "./types.js";

type Reconciled = DispatchSummary["reconciled"];

/** Unknown rows looked at per dispatch run; the rest wait for the next run. */
const RECONCILE_BATCH = 500;

/**
 * Settles ambiguous sends (`unknown`) whose quiet period passed with no status from the
 * provider. Meta posts a `sent` status for every message it accepted, within seconds
 * (https://developers.facebook.com/docs/whatsapp/cloud-api/webhooks/payload-examples#message-status-updates),
 * and that status carries the action key as `biz_opaque_callback_data`, so a row still
 * `unknown` after the quiet period was, in all likelihood, never accepted. In order:
 * a channel lookup when the channel has one; else one resend with an audit entry saying why;
 * a second unknown for the same action, or `onUnknown: hold`, is held for an operator.
 */
export async function reconcileUnknowns(ctx: EngineContext, signal?: AbortSignal): Promise<Reconciled> {
  const counts: Reconciled = { lookup: 0, resent: 0, held: 0 };
  const quietSince = ctx.clock.now().getTime() - ctx.unknownQuietMs;
  const rows = await ctx.store.listActions({ status: ["unknown"], limit: RECONCILE_BATCH });
  for (const row of rows) {
    if (signal?.aborted) break;
    if (row.reconciled === "held" || Date.parse(row.updatedAt) > quietSince) continue;
    const outcome = await settle(ctx, row);
    if (outcome) counts[outcome] += 1;
  }
  if (counts.lookup + counts.resent + counts.held > 0)
    ctx.log.warn({ ...counts }, "unknown sends reconciled");
  return counts;
}

async function settle(ctx: EngineContext, row: ActionRow): Promise<keyof Reconciled | null> {
  const channel = row.channel === null ? undefined : ctx.channels.get(row.channel);
  if (channel?.lookupSend) {
    try {
      const found = await channel.lookupSend(row.key);
      if (found) return (await foundByLookup(ctx, row, found.providerMessageId)) ? "lookup" : null;
    } catch (error) {
      // The lookup could not say: ask again next run rather than risk a second message.
      ctx.log.warn({ action: row.key, error: describeError(error) }, "send lookup failed");
      return null;
    }
  }
  const minutes = Math.round(ctx.unknownQuietMs / 60_000);
  const silence = `no status from ${row.channel ?? "the channel"} within ${minutes} min of an ambiguous send`;
  if (row.reconciled === "resent" || ctx.onUnknown === "hold") {
    const why = row.reconciled === "resent" ? "it was already resent once" : "config says onUnknown: hold";
    const reason = `${silence}; held for an operator (${why})`;
    return (await move(ctx, row, "unknown", "held", reason, "action.unknown.held")) ? "held" : null;
  }
  const reason = `${silence}; the provider most likely never accepted it: sent once more`;
  return (await move(ctx, row, "planned", "resent", reason, "action.unknown.resend")) ? "resent" : null;
}

async function move(
  ctx: EngineContext,
  row: ActionRow,
  to: "planned" | "unknown",
  reconciled: "resent" | "held",
  reason: string,
  action: string,
): Promise<boolean> {
  const at = nowIso(ctx);
  const moved = await ctx.store.commitOutcome({
    key: row.key,
    from: ["unknown"],
    to,
    patch: {
      at,
      reconciled,
      statusReason: reason,
      claimedUntil: null,
      ...(to === "planned" ? { dueAt: at } : {}),
    },
    audit: [auditEntry(ctx, action, row.key, { reason, previous: row.statusReason })],
  });
  if (moved) ctx.log.warn({ action: row.key, reconciled, reason }, "unknown send reconciled");
  return moved;
}

async function foundByLookup(
  ctx: EngineContext,
  row: ActionRow,
  providerMessageId: string,
): Promise<boolean> {
  const at = nowIso(ctx);
  const subject = `Message sent: ${row.template ?? row.stepId}`;
  return ctx.store.commitOutcome({
    key: row.key,
    from: ["unknown"],
    to: "sent",
    patch: { at, providerMessageId, sentAt: at, reconciled: "lookup", claimedUntil: null },
    activities: [actionActivity(row, "message_sent", at, { subject, providerMessageId })],
    audit: [
      auditEntry(ctx, "action.sent", row.key, {
        channel: row.channel,
        providerMessageId,
        reconciled: "lookup",
      }),
    ],
  });
}
