import type { ActionRow } from "../actions.js";
import { sleepUntil } from "../clock.js";
import type { Channel, DeliveryIssue, OutboundMessage, TemplateStatus } from "../contracts.js";
import {
  ConfigError,
  deliveryIssueOf,
  isCancelled,
  isReguaError,
  isSendOutcomeUnknown,
  RateLimitError,
  templateBlockedOf,
  ValidationError,
} from "../errors.js";
import type { Customer, Invoice } from "../model.js";
import { installmentDueOn } from "../planner/index.js";
import { renderMessage } from "../policy/index.js";
import { checkAccount, TEMPLATE_RECHECK_MS, templateWaitReason } from "./account-gates.js";
import { resumeChannel, suspendChannel, waitForSuspendedChannel } from "./channel-suspension.js";
import type { ClaimedReads } from "./claimed-reads.js";
import { describeError, type EngineContext, nowIso, plusMs } from "./context.js";
import { type DeliveryIssueReport, handleDeliveryIssue } from "./delivery-issues.js";
import type { ChannelGates } from "./gates.js";
import {
  failAction,
  markUnknown,
  type Outcome,
  recordSent,
  recordWithoutSend,
  releaseAction,
  retryOrFail,
  skipAction,
} from "./outcomes.js";

/** Ready to send, or the outcome that ends this action now. */
interface Ready {
  message: OutboundMessage;
  channel: Channel;
  channelId: string;
}
type Prepared = Ready | { outcome: Outcome };

/**
 * One claimed action, start to end. Everything before `sending` is safe to retry; the send
 * itself happens only after the row is `sending`, so a crash leaves evidence, never a resend.
 */
export async function deliverAction(
  ctx: EngineContext,
  row: ActionRow,
  gates: ChannelGates,
  reads: ClaimedReads,
  signal?: AbortSignal,
): Promise<Outcome> {
  if (row.expiresAt !== null && ctx.clock.now().getTime() > Date.parse(row.expiresAt)) {
    return skipAction(ctx, row, "expired");
  }
  let prepared: Prepared;
  try {
    if (row.kind === "escalate" || row.kind === "pause") {
      const stale = await staleReason(row, reads, signal);
      return stale ? skipAction(ctx, row, stale) : recordWithoutSend(ctx, row);
    }
    prepared = await prepare(ctx, row, reads, signal);
  } catch (error) {
    // A shutdown aborts the fresh read: whatever the connector threw, nothing was sent.
    if (signal?.aborted) return releaseAction(ctx, row);
    return retryOrFail(ctx, row, error, ["claimed"]);
  }
  if ("outcome" in prepared) return prepared.outcome;
  const account = await checkAccount(ctx, gates.accounts, prepared.channelId, row, prepared.message);
  if ("waitUntilMs" in account) return defer(ctx, row, account.waitUntilMs, account.reason);
  prepared.message = account.message;
  try {
    return await gateAndSend(ctx, row, prepared, gates, signal);
  } finally {
    account.done?.();
  }
}

/** After the checks: the channel's rate gate, the claim moved to `sending`, the send. */
async function gateAndSend(
  ctx: EngineContext,
  row: ActionRow,
  prepared: Ready,
  gates: ChannelGates,
  signal?: AbortSignal,
): Promise<Outcome> {
  const endTurn = await gates.turn(prepared.channelId);
  try {
    // What the send before this one in turn may have changed: a shutdown, a refused token (a
    // suspended channel is probed by the first in turn; the others then see its answer).
    if (signal?.aborted) return await releaseAction(ctx, row);
    const suspended = await waitForSuspendedChannel(ctx, gates, prepared.channelId, prepared.channel, row);
    if (suspended !== null) return suspended;
    return await rateGateAndSend(ctx, row, prepared, gates, signal);
  } finally {
    endTurn();
  }
}

async function rateGateAndSend(
  ctx: EngineContext,
  row: ActionRow,
  prepared: Ready,
  gates: ChannelGates,
  signal?: AbortSignal,
): Promise<Outcome> {
  const pausedUntil = gates.pausedUntil(prepared.channelId);
  if (pausedUntil !== null)
    return defer(ctx, row, pausedUntil, `channel ${prepared.channelId} is rate-limited`);
  let slotMs: number;
  try {
    slotMs = await gates.bucket(prepared.channelId, prepared.channel).slot(signal);
    // The move goes SENDING_LEAD_MS before the slot, on a SENDING_GRID_MS grid.
    const moveAt = Math.floor((slotMs - SENDING_LEAD_MS) / SENDING_GRID_MS) * SENDING_GRID_MS;
    signal?.throwIfAborted();
    await sleepUntil(ctx.clock, moveAt, signal);
  } catch {
    return releaseAction(ctx, row);
  }
  // Only the lease holder may send: after an expiry another worker may own the row. One
  // compare-and-set checks the claim, moves the row and renews the lease, with the other moves
  // of the same turn (one statement, not one each). It goes ahead of the slot, so its commit (a
  // round trip and a WAL flush on PostgreSQL) is not between the slot and the request.
  const sending = await ctx.sending.move(row.key);
  if (!sending) return "released";
  try {
    signal?.throwIfAborted();
    await sleepUntil(ctx.clock, slotMs, signal);
  } catch {
    return releaseAction(ctx, row, ["sending"]); // stopped before the request left
  }
  return send(ctx, row, prepared, gates);
}

/**
 * How long before its rate slot a send's move to `sending` starts. The move is a commit; made
 * after the slot, each message waited for it (on PostgreSQL a round trip and a WAL flush, most of
 * the 80 msg/s added latency). A row is in `sending` this much longer before its request leaves,
 * so a crash then leaves it `unknown` (reconciled, never resent blindly) rather than `claimed`.
 */
export const SENDING_LEAD_MS = 20;

/** Moves start on this grid, so the moves of a channel's next few slots share one statement. */
export const SENDING_GRID_MS = 5;

async function send(
  ctx: EngineContext,
  row: ActionRow,
  { channel, channelId, message }: Ready,
  gates: ChannelGates,
): Promise<Outcome> {
  let providerMessageId: string;
  try {
    ({ providerMessageId } = await channel.send(message));
  } catch (error) {
    gates.answered(channelId, false);
    if (error instanceof RateLimitError || (isReguaError(error) && error.code === "RATE_LIMIT")) {
      gates.pause(channelId, (error as RateLimitError).retryAfterMs ?? 0);
    }
    // The channel knows the request never left (stopped before it): hand the row back.
    if (isCancelled(error)) return releaseAction(ctx, row, ["sending"]);
    if (isReguaError(error) && error.code === "AUTH") {
      return suspendChannel(ctx, gates, channelId, row, error, ["sending"]);
    }
    const blocked = templateBlockedOf(error);
    if (blocked && message.template) return holdForTemplate(ctx, row, message.template, blocked, error);
    const issue = deliveryIssueOf(error);
    if (issue)
      return handleDeliveryIssue(ctx, row, sendIssue(channelId, message.to, error, issue), ["sending"]);
    // A timeout or network error after the request may have left: never a blind retry.
    if (isSendOutcomeUnknown(error) || !isReguaError(error)) return markUnknown(ctx, row, error);
    return retryOrFail(ctx, row, error, ["sending"]);
  }
  gates.answered(channelId, true);
  await resumeChannel(ctx, gates, channelId, `message ${providerMessageId} accepted`);
  return recordSent(ctx, row, providerMessageId, message.preview);
}

function sendIssue(
  channelId: string,
  to: string,
  error: unknown,
  found: { issue: DeliveryIssue; retryAfterMs: number },
): DeliveryIssueReport {
  const provider = isReguaError(error) ? error.provider : undefined;
  return {
    ...found,
    channelId,
    code: String(provider?.code ?? "unknown"),
    message: provider?.message ?? (error instanceof Error ? error.message : String(error)),
    recipient: to,
    via: "send",
  };
}

async function prepare(
  ctx: EngineContext,
  row: ActionRow,
  reads: ClaimedReads,
  signal?: AbortSignal,
): Promise<Prepared> {
  const channelId = row.channel;
  const channel = channelId === null ? undefined : ctx.channels.get(channelId);
  if (!channel || channelId === null) {
    const error = new ConfigError(`action ${row.key}: no channel "${channelId ?? ""}" is configured`);
    return { outcome: await failAction(ctx, row, error, ["claimed"]) };
  }
  const customer = reads.customer(row);
  if (!customer) {
    const error = new ValidationError(`customer ${row.source}/${row.customerRef} is not in the store`);
    return { outcome: await failAction(ctx, row, error, ["claimed"]) };
  }
  const to = reads.reach(customer);
  if (to === null || to === "opted_out" || to === "undeliverable")
    return { outcome: await skipAction(ctx, row, to ?? "no_phone") };
  const invoices = await currentInvoices(row, reads, signal);
  if ("skip" in invoices) return { outcome: await skipAction(ctx, row, invoices.skip) };
  try {
    const message = renderChecked(ctx, row, customer, invoices.sendable, to);
    return { message, channel, channelId };
  } catch (error) {
    return { outcome: await failAction(ctx, row, error, ["claimed"]) };
  }
}

/**
 * Re-reads the action's invoices ("skip if paid since the plan"). A dunning message goes out
 * for the invoices still open; when none is, the action is skipped. A lifecycle message (the
 * payment confirmation) is about a paid invoice, so it only needs the invoices to exist.
 */
async function currentInvoices(
  row: ActionRow,
  reads: ClaimedReads,
  signal?: AbortSignal,
): Promise<{ sendable: Invoice[] } | { skip: string }> {
  const invoices: Invoice[] = [];
  for (const ref of row.invoiceRefs) {
    const invoice = await reads.invoice(row, ref, signal);
    // A step planned for one installment is about that installment: its status, due date, amount.
    if (invoice)
      invoices.push(row.kind === "lifecycle" ? invoice : installmentDueOn(invoice, row.payload.dueDate));
  }
  if (row.kind === "lifecycle") return { sendable: invoices };
  const sendable = invoices.filter(
    (i) => !i.deletedAt && (i.status === "open" || i.status === "partially_paid"),
  );
  if (sendable.length > 0 || row.invoiceRefs.length === 0) return { sendable };
  if (invoices.some((i) => i.status === "paid")) return { skip: "paid" };
  // Otherwise the first reason the ERP gives: deleted, disputed, cancelled, renegotiated, …
  const first = invoices[0];
  return { skip: first === undefined ? "deleted" : first.deletedAt ? "deleted" : first.status };
}

/** The template renderer never gets to send an empty message, and the key always travels. */
function renderChecked(
  ctx: EngineContext,
  row: ActionRow,
  customer: Customer,
  invoices: readonly Invoice[],
  to: string,
): OutboundMessage {
  const rendered = renderMessage({ policy: ctx.policy, action: row, customer, invoices, to });
  if (!rendered.template && !rendered.text?.trim() && !rendered.document) {
    throw new ValidationError(`action ${row.key}: the rendered message is empty`, [
      { path: "message", message: "has no template, text or document" },
    ]);
  }
  return { ...rendered, actionKey: row.key, to };
}

async function staleReason(
  row: ActionRow,
  reads: ClaimedReads,
  signal?: AbortSignal,
): Promise<string | null> {
  const invoices = await currentInvoices(row, reads, signal);
  return "skip" in invoices ? invoices.skip : null;
}

/**
 * The provider refused the send for its template (paused, disabled) before a status webhook said
 * so: nothing left, so the send waits as it would after the webhook, and is tried again after
 * TEMPLATE_RECHECK_MS (or at once when the template's approval arrives). Not recorded as the
 * template's status: only the provider's webhook says when it is approved again.
 */
async function holdForTemplate(
  ctx: EngineContext,
  row: ActionRow,
  template: { name: string; language: string },
  status: TemplateStatus,
  error: unknown,
): Promise<Outcome> {
  const reason = `${templateWaitReason(template.name, template.language)}${status} (refused at send: ${describeError(error)})`;
  ctx.log.warn(
    { action: row.key, template: template.name, status },
    "template refused at send: the send waits",
  );
  const moved = await ctx.store.transitionAction(row.key, ["sending"], "planned", {
    at: nowIso(ctx),
    dueAt: plusMs(ctx, TEMPLATE_RECHECK_MS),
    claimedUntil: null,
    statusReason: reason,
  });
  return moved ? "retried" : "released";
}

/** Not now, through no fault of the action: back to planned at `untilMs`, no attempt counted. */
async function defer(ctx: EngineContext, row: ActionRow, untilMs: number, reason: string): Promise<Outcome> {
  const moved = await ctx.store.transitionAction(row.key, ["claimed"], "planned", {
    at: nowIso(ctx),
    dueAt: new Date(untilMs).toISOString(),
    claimedUntil: null,
    statusReason: reason,
  });
  return moved ? "retried" : "released";
}
