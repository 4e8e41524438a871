import type { ActionRow, ActionStatus } from "../actions.js";
import { isCancelled, isReguaError } from "../errors.js";
import { auditEntry, describeError, type EngineContext, nowIso, plusMs, retryDelayMs } from "./context.js";
import { actionActivity } from "./lifecycle.js";

/** What happened to one claimed action; the dispatch summary counts these. */
export type Outcome = "sent" | "recorded" | "skipped" | "failed" | "retried" | "unknown" | "released";

const MESSAGE_KINDS: ReadonlySet<ActionRow["kind"]> = new Set(["message", "lifecycle"]);

/** Not sent, on purpose: paid or void since the plan, opted out, expired, no phone. */
export async function skipAction(
  ctx: EngineContext,
  row: ActionRow,
  reason: string,
  from: readonly ActionStatus[] = ["claimed"],
): Promise<Outcome> {
  const moved = await ctx.outcomes.commit({
    key: row.key,
    from,
    to: "skipped",
    patch: { at: nowIso(ctx), statusReason: reason, claimedUntil: null },
    audit: [auditEntry(ctx, "action.skipped", row.key, { reason })],
  });
  ctx.log.info({ action: row.key, reason, moved }, "action skipped");
  return "skipped";
}

/** Permanent: the reason keeps the provider's code and words (or the field that was missing). */
export async function failAction(
  ctx: EngineContext,
  row: ActionRow,
  error: unknown,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  if (isCancelled(error)) return releaseAction(ctx, row, from);
  const at = nowIso(ctx);
  const reason = describeError(error);
  const activities = MESSAGE_KINDS.has(row.kind)
    ? [
        actionActivity(row, "message_failed", at, {
          subject: `Message not sent: ${row.template ?? row.stepId}`,
          details: reason,
        }),
      ]
    : [];
  const moved = await ctx.outcomes.commit({
    key: row.key,
    from,
    to: "failed",
    patch: { at, statusReason: reason, claimedUntil: null, incrementAttempts: true },
    activities,
    audit: [auditEntry(ctx, "action.failed", row.key, { reason, attempts: row.attempts + 1 })],
  });
  ctx.log.warn({ action: row.key, channel: row.channel, error: reason }, "action failed");
  return moved ? "failed" : "released";
}

/**
 * A retryable error: back to planned later (a rate limit waits what the provider asked), or
 * failed once the action has used its attempts. Bounded by limits.sendAttempts. A cancellation
 * (shutdown) is neither: the action goes back untouched.
 */
export async function retryOrFail(
  ctx: EngineContext,
  row: ActionRow,
  error: unknown,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  if (isCancelled(error)) return releaseAction(ctx, row, from);
  const attempt = row.attempts + 1;
  if (!isReguaError(error) || !error.retryable || attempt >= ctx.sendAttempts)
    return failAction(ctx, row, error, from);
  const delayMs = retryDelayMs(ctx, attempt, error);
  const reason = describeError(error);
  const moved = await ctx.outcomes.commit({
    key: row.key,
    from,
    to: "planned",
    patch: {
      at: nowIso(ctx),
      dueAt: plusMs(ctx, delayMs),
      claimedUntil: null,
      incrementAttempts: true,
      statusReason: reason,
    },
    audit: [auditEntry(ctx, "action.retry", row.key, { attempt, delayMs, reason })],
  });
  ctx.log.warn({ action: row.key, attempt, delayMs, error: reason }, "send failed; will retry");
  return moved ? "retried" : "released";
}

/**
 * Stopped on purpose before the request left (shutdown, an aborted wait): back to planned as
 * it was, no attempt counted, no activity, nothing failed.
 */
export async function releaseAction(
  ctx: EngineContext,
  row: ActionRow,
  from: readonly ActionStatus[] = ["claimed"],
): Promise<Outcome> {
  await ctx.store.transitionAction(row.key, from, "planned", { at: nowIso(ctx), claimedUntil: null });
  return "released";
}

/**
 * The channel accepted it: record the provider id, its activity and audit in one commit. A
 * status webhook may already have moved the row on: then only the missing provider id is kept.
 */
export async function recordSent(
  ctx: EngineContext,
  row: ActionRow,
  providerMessageId: string,
  preview: string,
): Promise<Outcome> {
  const at = nowIso(ctx);
  const patch = { at, providerMessageId, sentAt: at, claimedUntil: null };
  const activities = [
    actionActivity(row, "message_sent", at, {
      subject: `Message sent: ${row.template ?? row.stepId}`,
      details: preview,
      providerMessageId,
    }),
  ];
  const audit = [
    auditEntry(ctx, "action.sent", row.key, {
      channel: row.channel,
      providerMessageId,
      attempts: row.attempts + 1,
    }),
  ];
  const outcome = { key: row.key, activities, audit };
  if (await ctx.outcomes.commit({ ...outcome, from: ["sending", "unknown"], to: "sent", patch })) {
    return "sent";
  }
  const current = await ctx.store.getAction(row.key);
  if (current) {
    const keep = current.providerMessageId === null ? { ...patch, sentAt: current.sentAt ?? at } : { at };
    await ctx.outcomes.commit({ ...outcome, from: [current.status], to: current.status, patch: keep });
  }
  return "sent";
}

/**
 * The request may have reached the provider and no answer came back (a timeout, a reset, an
 * unclassified error): never resent blindly. `unknown` rows are reconciled by status webhooks
 * (the action key travels as the provider's callback data) and by the reconciler after the
 * quiet period (reconcile.ts).
 */
export async function markUnknown(ctx: EngineContext, row: ActionRow, error: unknown): Promise<Outcome> {
  const reason = describeError(error);
  await ctx.outcomes.commit({
    key: row.key,
    from: ["sending"],
    to: "unknown",
    patch: { at: nowIso(ctx), statusReason: reason, claimedUntil: null },
    audit: [auditEntry(ctx, "action.unknown", row.key, { reason })],
  });
  ctx.log.error(
    { action: row.key, channel: row.channel, error: reason },
    "send outcome unknown; waiting for the provider's status, not resending",
  );
  return "unknown";
}

/** Escalations and pauses: nothing is sent, the step is recorded and written back. */
export async function recordWithoutSend(ctx: EngineContext, row: ActionRow): Promise<Outcome> {
  const at = nowIso(ctx);
  const queue = [row.payload.queue, row.payload.target].filter((part) => typeof part === "string").join("/");
  const reason = row.kind === "escalate" ? `escalated${queue ? ` to ${queue}` : ""}` : "paused";
  const kind = row.kind === "escalate" ? "escalated" : "paused";
  const moved = await ctx.outcomes.commit({
    key: row.key,
    from: ["claimed"],
    to: "sent",
    patch: { at, sentAt: at, statusReason: reason, claimedUntil: null },
    activities: [
      actionActivity(row, kind, at, {
        subject: `Dunning ${reason}`,
        details: row.trace.map((t) => `${t.rule}: ${t.reason}`).join("\n"),
      }),
    ],
    audit: [auditEntry(ctx, `action.${kind}`, row.key, { reason, payload: row.payload })],
  });
  if (!moved) return "released";
  if (row.kind === "pause") await pauseCustomer(ctx, row, at);
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
