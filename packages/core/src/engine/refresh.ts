import type { EntityName, ErpEvent } from "../contracts.js";
import type { Invoice, InvoiceStatus } from "../model.js";
import { withRetry } from "../retry.js";
import { audit, describeError, type EngineContext, nowIso, retryOptions } from "./context.js";
import { stopForPaidInvoice } from "./lifecycle.js";
import { connectorFor, runSync } from "./sync.js";

/** Statuses a dunning sequence runs for; leaving them for paid or void stops it. */
export const DUNNABLE: ReadonlySet<InvoiceStatus> = new Set(["open", "partially_paid", "disputed"]);

/**
 * Re-reads one invoice from the ERP (when the connector can), stores it, and applies what
 * changed: paid stops the sequence (and queues the confirmation), void or deleted skips it.
 * Without the capability, the stored copy is returned as it is.
 */
export async function refreshInvoice(
  ctx: EngineContext,
  source: string,
  externalId: string,
  signal?: AbortSignal,
): Promise<Invoice | null> {
  const connector = connectorFor(ctx, source);
  const previous = await ctx.store.getInvoice(source, externalId);
  const getInvoice = connector.getInvoice?.bind(connector);
  if (!connector.capabilities.getInvoice || !getInvoice) return previous;
  const fresh = await withRetry(() => getInvoice(externalId), retryOptions(ctx, ctx.syncAttempts, signal));
  // The ERP no longer has it: keep our copy, as void, so nothing is sent for it again.
  const current: Invoice | null = fresh ?? (previous ? { ...previous, status: "void" } : null);
  if (current) await ctx.store.upsertInvoice(current, nowIso(ctx));
  if (previous && current && DUNNABLE.has(previous.status)) {
    if (current.status === "paid") {
      await stopForPaidInvoice(ctx, { source, customerRef: current.customerRef, externalId });
    } else if (current.status === "void") {
      const at = nowIso(ctx);
      const skipped = await ctx.store.skipOpenActions({
        source,
        customerRef: current.customerRef,
        invoiceRef: externalId,
        reason: "void",
        at,
      });
      await audit(ctx, "sequence.stopped", `${source}/${current.customerRef}`, {
        invoice: externalId,
        reason: "void",
        skipped,
      });
    }
  }
  return current;
}

/**
 * ERP webhooks only trigger a targeted sync: invoices are re-read one by one when the connector
 * can; anything else (customers, payments, or invoices without getInvoice) runs an incremental
 * sync of that entity for the source.
 */
export async function handleErpEvents(
  ctx: EngineContext,
  source: string,
  events: readonly ErpEvent[],
): Promise<void> {
  const connector = connectorFor(ctx, source);
  const canRead = connector.capabilities.getInvoice && connector.getInvoice !== undefined;
  const needsSync = new Set<EntityName>();
  const invoices = new Set<string>();
  for (const event of events) {
    if (event.entity === "invoices" && canRead) invoices.add(event.externalId);
    else needsSync.add(event.entity);
  }
  // A payment changes invoices too: sync them with it.
  if (needsSync.has("payments")) needsSync.add("invoices");
  for (const externalId of invoices) {
    try {
      await refreshInvoice(ctx, source, externalId);
    } catch (error) {
      ctx.log.warn(
        { source, externalId, error: describeError(error) },
        "targeted read failed; falling back to a sync",
      );
      needsSync.add("invoices");
    }
  }
  if (needsSync.size > 0) await runSync(ctx, { source }, [...needsSync]);
}
