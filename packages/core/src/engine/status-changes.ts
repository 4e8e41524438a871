import { type InvoiceState, isDunnable } from "../model.js";
import type { LifecycleKind } from "../policy/index.js";
import type { InvoiceStatusChange } from "../store-port.js";
import { audit, type EngineContext, nowIso } from "./context.js";
import { type InvoiceRef, lifecycleAction, stopForPaidInvoice } from "./lifecycle.js";

/**
 * States that end a sequence, with the lifecycle message that tells the customer. A deletion
 * in the ERP is told like a cancellation: for the customer the debt was withdrawn either way.
 * A write-off stops dunning without a message (the debt goes to a bureau or to legal).
 */
const ENDINGS: Partial<Record<InvoiceState, LifecycleKind | null>> = {
  cancelled: "cancellation",
  void: "cancellation",
  deleted: "cancellation",
  renegotiated: "renegotiation",
  written_off: null,
};

/** What the changes of one commit did, for the sync summary. */
export interface ChangeTally {
  paid: number;
  stopped: number;
  messages: number;
}

/**
 * Lifecycle from facts: the store reports each invoice's state change (previous → current) in
 * the transaction that stored it; this turns them into stopped sequences, lifecycle messages
 * and audit entries. Idempotent: actions are keyed by invoice and state.
 */
export async function applyStatusChanges(
  ctx: EngineContext,
  source: string,
  changes: readonly InvoiceStatusChange[],
  actor: string = ctx.workerId,
): Promise<ChangeTally> {
  const tally: ChangeTally = { paid: 0, stopped: 0, messages: 0 };
  for (const change of changes) await applyChange(ctx, source, change, actor, tally);
  return tally;
}

async function applyChange(
  ctx: EngineContext,
  source: string,
  change: InvoiceStatusChange,
  actor: string,
  tally: ChangeTally,
): Promise<void> {
  const invoice: InvoiceRef = { source, customerRef: change.customerRef, externalId: change.externalId };
  const { previous, current } = change;
  const dunned = previous !== "deleted" && isDunnable(previous);
  // "Removal of negative credit records" (IXC): a written-off debt was settled or renegotiated.
  if (previous === "written_off" && (current === "paid" || current === "renegotiated")) {
    tally.messages += await queueMessage(ctx, "negativeRecordRemoval", invoice, change);
  }
  if (current === "paid" && dunned) {
    tally.paid += 1;
    await stopForPaidInvoice(ctx, invoice, actor);
    return;
  }
  const message = ENDINGS[current];
  if (message !== undefined && dunned) {
    tally.stopped += 1;
    await stopSequence(ctx, invoice, change, actor);
  } else {
    await audit(
      ctx,
      "invoice.status",
      subjectOf(invoice),
      { invoice: invoice.externalId, previous, current },
      actor,
    );
  }
  const told = dunned || (previous === "written_off" && current === "renegotiated");
  if (message && told) tally.messages += await queueMessage(ctx, message, invoice, change);
}

const subjectOf = (invoice: InvoiceRef) => `${invoice.source}/${invoice.customerRef}`;

/** An invoice cancelled, renegotiated, written off or deleted in the ERP: nothing more is sent for it. */
async function stopSequence(
  ctx: EngineContext,
  invoice: InvoiceRef,
  change: InvoiceStatusChange,
  actor: string,
): Promise<void> {
  const at = nowIso(ctx);
  const reason = change.current;
  const skipped = await ctx.store.skipOpenActions({
    source: invoice.source,
    customerRef: invoice.customerRef,
    invoiceRef: invoice.externalId,
    reason,
    at,
  });
  ctx.log.info(
    { ...invoice, previous: change.previous, reason, skipped },
    `invoice ${reason}: sequence stopped`,
  );
  const detail: Record<string, unknown> = {
    invoice: invoice.externalId,
    previous: change.previous,
    reason,
    skipped,
  };
  if (change.replacedBy.length > 0) detail.replacedBy = change.replacedBy;
  await audit(ctx, "sequence.stopped", subjectOf(invoice), detail, actor);
}

/** Queues the policy's lifecycle message of this kind, when the policy has one; 1 when new. */
async function queueMessage(
  ctx: EngineContext,
  kind: LifecycleKind,
  invoice: InvoiceRef,
  change: InvoiceStatusChange,
): Promise<number> {
  const message = ctx.policy.lifecycle?.[kind];
  if (!message) return 0;
  const at = nowIso(ctx);
  const reason = `invoice ${invoice.externalId} went from ${change.previous} to ${change.current}`;
  const payload = change.replacedBy.length > 0 ? { replacedBy: change.replacedBy } : {};
  const action = lifecycleAction(kind, message, invoice, { state: change.current, reason, at, payload });
  return ctx.store.insertActions([action], at);
}
