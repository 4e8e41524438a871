import type { ActionRow, ActionStatus } from "../actions.js";
import { isReguaError } from "../errors.js";
import type { ActivityKind } from "../model.js";
import { audit, describeError, type EngineContext, nowIso, plusMs, retryDelayMs } from "./context.js";
import { actionActivity } from "./lifecycle.js";

/** What happened to one claimed action; the dispatch summary counts these. */
export type Outcome = "sent" | "recorded" | "skipped" | "failed" | "retried" | "unknown" | "released";

const MESSAGE_KINDS: ReadonlySet<ActionRow["kind"]> = new Set(["message", "lifecycle"]);

export async function enqueueActionActivity(
  ctx: EngineContext,
  row: ActionRow,
  kind: ActivityKind,
  text: { subject: string; details?: string; providerMessageId?: string | null },
  occurredAt: string = nowIso(ctx),
): Promise<void> {
  await ctx.store.enqueueActivity(actionActivity(row, kind, occurredAt, text), nowIso(ctx));
}

/** Not sent, on purpose: paid or void since the plan, opted out, expired, no phone. */
export async function skipAction(
  ctx: EngineContext,
  row: ActionRow,
  reason: string,
  from: readonly ActionStatus[] = ["claimed"],
): Promise<Outcome> {
  const at = nowIso(ctx);
  const moved = await ctx.store.transitionAction(row.key, from, "skipped", {
    at,
    statusReason: reason,
    claimedUntil: null,
  });
  ctx.log.info({ action: row.key, reason, moved }, "action skipped");
  if (moved) await audit(ctx, "action.skipped", row.key, { reason });
  return "skipped";
}

/** Permanent: the reason keeps the provider's code and words (or the field that was missing). */
export async function failAction(
  ctx: EngineContext,
  row: ActionRow,
  error: unknown,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  const at = nowIso(ctx);
  const reason = describeError(error);
  const moved = await ctx.store.transitionAction(row.key, from, "failed", {
    at,
    statusReason: reason,
    claimedUntil: null,
    incrementAttempts: true,
  });
  ctx.log.warn({ action: row.key, channel: row.channel, error: reason }, "action failed");
  if (!moved) return "released";
  await audit(ctx, "action.failed", row.key, { reason, attempts: row.attempts + 1 });
  if (MESSAGE_KINDS.has(row.kind)) {
    await enqueueActionActivity(ctx, row, "message_failed", {
      subject: `Message not sent: ${row.template ?? row.stepId}`,
      details: reason,
    });
  }
  return "failed";
}

/**
 * A retryable error: back to planned later (a rate limit waits what the provider asked), or
 * failed once the action has used its attempts. Bounded by limits.sendAttempts.
 */
export async function retryOrFail(
  ctx: EngineContext,
  row: ActionRow,
  error: unknown,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  const attempt = row.attempts + 1;
  if (!isReguaError(error) || !error.retryable || attempt >= ctx.sendAttempts)
    return failAction(ctx, row, error, from);
  const delayMs = retryDelayMs(ctx, attempt, error);
  const reason = describeError(error);
  const moved = await ctx.store.transitionAction(row.key, from, "planned", {
    at: nowIso(ctx),
    dueAt: plusMs(ctx, delayMs),
    claimedUntil: null,
    incrementAttempts: true,
    statusReason: reason,
  });
  ctx.log.warn({ action: row.key, attempt, delayMs, error: reason }, "send failed; will retry");
  if (!moved) return "released";
  await audit(ctx, "action.retry", row.key, { attempt, delayMs, reason });
  return "retried";
}

/** The channel accepted it: record the provider id; a status webhook may already have moved it on. */
export async function recordSent(
  ctx: EngineContext,
  row: ActionRow,
  providerMessageId: string,
  preview: string,
) {
  const at = nowIso(ctx);
  const patch = { at, providerMessageId, sentAt: at, claimedUntil: null };
  const moved = await ctx.store.transitionAction(row.key, ["sending", "unknown"], "sent", patch);
  if (!moved) {
    const current = await ctx.store.getAction(row.key);
    if (current && current.providerMessageId === null) {
      await ctx.store.transitionAction(row.key, [current.status], current.status, {
        ...patch,
        sentAt: current.sentAt ?? at,
      });
    }
  }
  await enqueueActionActivity(
    ctx,
    row,
    "message_sent",
    { subject: `Message sent: ${row.template ?? row.stepId}`, details: preview, providerMessageId },
    at,
  );
  await audit(ctx, "action.sent", row.key, {
    channel: row.channel,
    providerMessageId,
    attempts: row.attempts + 1,
  });
  return "sent" as const;
}

/**
 * The channel threw something unclassified: the provider may have accepted the message, so it
 * is never resent blindly. `unknown` rows are reconciled by status webhooks (the action key
 * travels as the provider's callback data).
 */
export async function markUnknown(ctx: EngineContext, row: ActionRow, error: unknown): Promise<Outcome> {
  const reason = describeError(error);
  await ctx.store.transitionAction(row.key, ["sending"], "unknown", {
    at: nowIso(ctx),
    statusReason: reason,
    claimedUntil: null,
  });
  ctx.log.error(
    { action: row.key, channel: row.channel, error: reason },
    "send outcome unknown; not resending",
  );
  await audit(ctx, "action.unknown", row.key, { reason });
  return "unknown";
}

/** Escalations and pauses: nothing is sent, the step is recorded and written back. */
export async function recordWithoutSend(ctx: EngineContext, row: ActionRow): Promise<Outcome> {
  const at = nowIso(ctx);
  const queue = [row.payload.queue, row.payload.target].filter((part) => typeof part === "string").join("/");
  const reason = row.kind === "escalate" ? `escalated${queue ? ` to ${queue}` : ""}` : "paused";
  const moved = await ctx.store.transitionAction(row.key, ["claimed"], "sent", {
    at,
    sentAt: at,
    statusReason: reason,
    claimedUntil: null,
  });
  if (!moved) return "released";
  if (row.kind === "pause") await pauseCustomer(ctx, row, at);
  const kind = row.kind === "escalate" ? "escalated" : "paused";
  await enqueueActionActivity(
    ctx,
    row,
    kind,
    { subject: `Dunning ${reason}`, details: row.trace.map((t) => `${t.rule}: ${t.reason}`).join("\n") },
    at,
  );
  await audit(ctx, `action.${kind}`, row.key, { reason, payload: row.payload });
  return "recorded";
}

/** A pause step without `pauseDays` holds the sequence for this long (an operator can lift it). */
const DEFAULT_PAUSE_DAYS = 30;
const DAY_MS = 86_400_000;

async function pauseCustomer(ctx: EngineContext, row: ActionRow, at: string): Promise<void> {
  const days = typeof row.payload.pauseDays === "number" ? row.payload.pauseDays : DEFAULT_PAUSE_DAYS;
  const until = new Date(Date.parse(at) + days * DAY_MS).toISOString();
  await ctx.store.setPause({
    source: row.source,
    customerRef: row.customerRef,
    until,
    reason: `policy step ${row.stepId}`,
    at,
  });
}
