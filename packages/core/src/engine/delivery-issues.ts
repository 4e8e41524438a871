import type { ActionRow, ActionStatus } from "../actions.js";
import type { DeliveryIssue } from "../contracts.js";
import { PermanentError } from "../errors.js";
import { audit, auditEntry, type EngineContext, nowIso, plusMs } from "./context.js";
import { failAction, type Outcome } from "./outcomes.js";

/**
 * What the engine does when a channel says why a message did not reach the customer (the
 * channel maps its provider's codes to a DeliveryIssue; for WhatsApp see
 * https://developers.facebook.com/docs/whatsapp/cloud-api/support/error-codes):
 * - window_closed (131047): free text is not allowed outside the 24-hour window. Reported by a
 *   status webhook, the action goes back to planned once: the channel now knows the window is
 *   closed and sends the template instead. Thrown by a send, the channel already had no template
 *   to switch to: the action fails. Free text is never simply retried.
 * - engagement_limit (131049): back to planned no sooner than 24 hours later.
 * - undeliverable (131026): the number is flagged (the planner skips it with a trace, the report
 *   lists it) and the action fails.
 * Every branch is bounded by limits.sendAttempts and audited.
 */

const ENGAGEMENT_RETRY_MS = 24 * 60 * 60_000;

export interface DeliveryIssueReport {
  issue: DeliveryIssue;
  channelId: string;
  /** The provider's code and words ("131047: Re-engagement message"). */
  code: string;
  message: string;
  /** E.164 number the message was for, when known. */
  recipient: string | null;
  /** What the provider asked to wait (engagement limits), 0 when it said nothing. */
  retryAfterMs: number;
  /** "send": the channel threw it; "status": a failed status webhook said it. */
  via: "send" | "status";
}

export async function handleDeliveryIssue(
  ctx: EngineContext,
  row: ActionRow,
  report: DeliveryIssueReport,
  from: readonly ActionStatus[],
  actor: string = ctx.workerId,
): Promise<Outcome> {
  const said = `${report.channelId} ${report.code}: ${report.message}`;
  switch (report.issue) {
    case "window_closed":
      if (report.via === "send") return failAction(ctx, row, new PermanentError(said), from);
      return requeue(ctx, row, from, 0, `${said}; resending as a template`, actor);
    case "engagement_limit":
      return requeue(ctx, row, from, Math.max(ENGAGEMENT_RETRY_MS, report.retryAfterMs), said, actor);
    case "undeliverable":
      await flagNumber(ctx, report, actor);
      return failAction(ctx, row, new PermanentError(said), from);
  }
}

/** Back to planned `delayMs` from now, counting an attempt; failed once the attempts are spent. */
async function requeue(
  ctx: EngineContext,
  row: ActionRow,
  from: readonly ActionStatus[],
  delayMs: number,
  reason: string,
  actor: string,
): Promise<Outcome> {
  if (row.attempts + 1 >= ctx.sendAttempts) return failAction(ctx, row, new PermanentError(reason), from);
  const dueAt = plusMs(ctx, delayMs);
  // The move and its audit entry in one commit (docs/delivery-guarantees.md).
  const moved = await ctx.store.commitOutcome({
    key: row.key,
    from,
    to: "planned",
    patch: { at: nowIso(ctx), dueAt, claimedUntil: null, incrementAttempts: true, statusReason: reason },
    audit: [
      auditEntry(ctx, "action.requeued", row.key, { reason, dueAt, attempts: row.attempts + 1 }, actor),
    ],
  });
  if (!moved) return "released";
  ctx.log.warn({ action: row.key, dueAt, reason }, "message held back by the provider; planned again");
  return "retried";
}

async function flagNumber(ctx: EngineContext, report: DeliveryIssueReport, actor: string): Promise<void> {
  if (report.recipient === null) return;
  const reason = `${report.code}: ${report.message}`;
  await ctx.store.flagPhone({
    phone: report.recipient,
    channel: report.channelId,
    code: report.code,
    reason,
    at: nowIso(ctx),
  });
  ctx.log.warn(
    { phone: report.recipient, channel: report.channelId, reason },
    "number flagged undeliverable",
  );
  await audit(ctx, "phone.flagged", report.recipient, { channel: report.channelId, reason }, actor);
}
