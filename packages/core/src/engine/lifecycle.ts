import type { ActionRow, PlannedAction } from "../actions.js";
import type { ActivityKind, CollectionActivity } from "../model.js";
import { invoiceActionKey } from "../planner/index.js";
import { LIFECYCLE_STEP_PREFIX, type LifecycleKind, type MessageSpec, type Policy } from "../policy/index.js";
import { audit, type EngineContext, nowIso } from "./context.js";
import { releasePaymentHold } from "./holds.js";

export const PAYMENT_CONFIRMATION_STEP = `${LIFECYCLE_STEP_PREFIX}paymentConfirmation`;

/** The invoice a lifecycle event is about. */
export interface InvoiceRef {
  source: string;
  customerRef: string;
  externalId: string;
}

/** The policy's payment-confirmation message, if it has one. */
export function paymentConfirmation(policy: Policy): MessageSpec | null {
  return policy.lifecycle?.paymentConfirmation ?? null;
}

/**
 * A lifecycle message for one invoice, keyed by source + invoice + kind + the state it is
 * about: one message per event, however often the invoice is seen in that state.
 */
export function lifecycleAction(
  kind: LifecycleKind,
  message: MessageSpec,
  invoice: InvoiceRef,
  event: { state: string; reason: string; at: string; payload?: Record<string, unknown> },
): PlannedAction {
  const stepId = `${LIFECYCLE_STEP_PREFIX}${kind}`;
  return {
    key: invoiceActionKey(invoice.source, invoice.externalId, stepId, event.state),
    source: invoice.source,
    customerRef: invoice.customerRef,
    invoiceRefs: [invoice.externalId],
    stepId,
    kind: "lifecycle",
    channel: message.channel,
    template: message.template.name,
    dueAt: event.at,
    expiresAt: null,
    payload: { lifecycle: kind, language: message.template.language, ...event.payload },
    trace: [{ rule: stepId, outcome: "fired", reason: event.reason }],
  };
}

/** Keyed by source + invoice: one confirmation per paid invoice, however often it is seen paid. */
export function paymentConfirmationAction(message: MessageSpec, paid: InvoiceRef, at: string): PlannedAction {
  const reason = `invoice ${paid.externalId} was paid`;
  return lifecycleAction("paymentConfirmation", message, paid, { state: "paid", reason, at });
}

/** A payment stops the sequence at once and queues the confirmation when the policy has one. */
export async function stopForPaidInvoice(
  ctx: EngineContext,
  paid: InvoiceRef,
  actor: string = ctx.workerId,
): Promise<void> {
  const at = nowIso(ctx);
  const skipped = await ctx.store.skipOpenActions({
    source: paid.source,
    customerRef: paid.customerRef,
    invoiceRef: paid.externalId,
    reason: "paid",
    at,
  });
  // "Já paguei" held this customer until the ERP showed a payment: it now does.
  await releasePaymentHold(ctx, { source: paid.source, customerRef: paid.customerRef }, "payment", actor);
  const message = paymentConfirmation(ctx.policy);
  const confirmations = message
    ? await ctx.store.insertActions([paymentConfirmationAction(message, paid, at)], at)
    : 0;
  ctx.log.info({ ...paid, skipped, confirmation: confirmations > 0 }, "invoice paid: sequence stopped");
  await audit(
    ctx,
    "sequence.stopped",
    `${paid.source}/${paid.customerRef}`,
    { invoice: paid.externalId, reason: "paid", skipped, confirmationQueued: confirmations > 0 },
    actor,
  );
  // Written back only when dunning was under way, so the ERP is not flooded with every payment.
  if (skipped > 0) {
    const activity: CollectionActivity = {
      key: `${paid.source}:${paid.externalId}:payment_confirmed`,
      source: paid.source,
      kind: "payment_confirmed",
      customerRef: paid.customerRef,
      invoiceRefs: [paid.externalId],
      occurredAt: at,
      channel: null,
      providerMessageId: null,
      subject: "Payment received: collection sequence stopped",
      details: `${skipped} pending step(s) cancelled`,
      actionKey: null,
    };
    await ctx.store.enqueueActivity(activity, at);
  }
}

export function actionActivity(
  action: ActionRow,
  kind: ActivityKind,
  occurredAt: string,
  text: { subject: string; details?: string; providerMessageId?: string | null },
): CollectionActivity {
  return {
    key: `${action.key}:${kind}`,
    source: action.source,
    kind,
    customerRef: action.customerRef,
    invoiceRefs: [...action.invoiceRefs],
    occurredAt,
    channel: action.channel,
    providerMessageId: text.providerMessageId ?? action.providerMessageId,
    subject: text.subject,
    details: text.details ?? "",
    actionKey: action.key,
  };
}
