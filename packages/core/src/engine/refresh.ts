import type { EntityName, ErpEvent } from "../contracts.js";
import { fromZodError, ValidationError } from "../errors.js";
import { Invoice } from "../model.js";
import { withRetry } from "../retry.js";
import { describeError, type EngineContext, nowIso, retryOptions } from "./context.js";
import { applyDeletionEvents } from "./reconcile.js";
import { applyStatusChanges } from "./status-changes.js";
import { connectorFor, runSync } from "./sync.js";

/**
 * Re-reads one invoice from the ERP (when the connector can), parses and stores it, and applies
 * what changed (paid, cancelled, renegotiated, …) like a sync does. An invoice the ERP no longer
 * has is kept, marked deleted, so nothing is sent for it again. Without the capability, or when
 * the store already holds a newer copy than the one read, the stored copy is returned.
 */
export async function refreshInvoice(
  ctx: EngineContext,
  source: string,
  externalId: string,
  signal?: AbortSignal,
): Promise<Invoice | null> {
  const connector = connectorFor(ctx, source);
  const getInvoice = connector.getInvoice?.bind(connector);
  if (!connector.capabilities.getInvoice || !getInvoice) return ctx.store.getInvoice(source, externalId);
  const fresh = await withRetry(() => getInvoice(externalId), retryOptions(ctx, ctx.syncAttempts, signal));
  const at = nowIso(ctx);
  if (fresh === null) {
    const changes = await ctx.store.markDeleted({
      source,
      entity: "invoices",
      externalIds: [externalId],
      at,
    });
    await applyStatusChanges(ctx, source, changes);
    return ctx.store.getInvoice(source, externalId);
  }
  const current = parseFresh(source, externalId, fresh);
  const { applied, change } = await ctx.store.upsertInvoice(current, at);
  if (change) await applyStatusChanges(ctx, source, [change]);
  if (applied) return current;
  // A sync stored a newer copy while this read was in flight (newest wins): that one stands.
  ctx.log.debug(
    { source, externalId, updatedAt: current.updatedAt },
    "fresh read older than the stored copy",
  );
  return ctx.store.getInvoice(source, externalId);
}

/** A fresh read is from outside like a listing: parsed with the core schema, its source checked. */
function parseFresh(source: string, externalId: string, fresh: unknown): Invoice {
  const parsed = Invoice.safeParse(fresh);
  const where = `${source} getInvoice(${externalId})`;
  if (!parsed.success) throw fromZodError(parsed.error, where);
  if (parsed.data.source !== source) {
    const issue = { path: "source", message: `must be "${source}" (got "${parsed.data.source}")` };
    throw new ValidationError(`${where}: source: ${issue.message}`, [issue], { where });
  }
  return parsed.data;
}

/**
 * ERP webhooks: a deletion is applied at once (soft, the sequence stops); a change only triggers
 * a targeted sync: invoices are re-read one by one when the connector can; anything else
 * (customers, payments, or invoices without getInvoice) runs an incremental sync of that entity.
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
  await applyDeletionEvents(ctx, source, events);
  for (const event of events) {
    if (event.kind === "deleted") continue;
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
