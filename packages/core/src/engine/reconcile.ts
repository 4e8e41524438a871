import type { EntityName, ErpEvent } from "../contracts.js";
import type { InvoiceStatusChange } from "../store-port.js";
import { audit, type EngineContext, nowIso } from "./context.js";
import { applyStatusChanges } from "./status-changes.js";
import type { FullPass } from "./sync.js";
import type { EntitySyncResult } from "./types.js";

/**
 * The full-reconcile diff (Nango's "track deletes"): after a listing from the beginning that
 * ran to the end without error, every live record of (source, entity) the pass did not see is
 * marked deleted. Records the ERP listed but that did not land (quarantined, rejected) are kept.
 * Not run when the pass listed nothing at all (an ERP answering an empty list by mistake must
 * not delete the book) or quarantined a record without a readable key.
 */
export async function reconcileDeletions(
  ctx: EngineContext,
  job: {
    source: string;
    entity: EntityName;
    passStartedAt: string;
    pass: FullPass;
    result: EntitySyncResult;
  },
): Promise<void> {
  const { source, entity, pass, result } = job;
  if (pass.listed === 0 || pass.unknownKept) {
    const why = pass.listed === 0 ? "the listing was empty" : "a quarantined record has no readable key";
    ctx.log.warn({ source, entity }, `full sync: deletion diff not applied (${why})`);
    return;
  }
  const at = nowIso(ctx);
  const { deleted, changes } = await ctx.store.markUnseenDeleted({
    source,
    entity,
    passStartedAt: job.passStartedAt,
    keep: [...pass.kept],
    at,
  });
  result.deleted += deleted;
  if (deleted === 0) return;
  ctx.log.info({ source, entity, deleted }, "full sync: records missing from the ERP marked deleted");
  await audit(ctx, "sync.reconcile", `${source}/${entity}`, {
    deleted,
    invoices: changes.map((c) => c.externalId),
  });
  result.stopped += (await applyStatusChanges(ctx, source, changes)).stopped;
}

/** ERP webhook deletions: soft-deleted at once, sequences stopped; returns the invoices' changes. */
export async function applyDeletionEvents(
  ctx: EngineContext,
  source: string,
  events: readonly ErpEvent[],
): Promise<InvoiceStatusChange[]> {
  const byEntity = new Map<EntityName, string[]>();
  for (const event of events) {
    if (event.kind !== "deleted") continue;
    const ids = byEntity.get(event.entity) ?? [];
    ids.push(event.externalId);
    byEntity.set(event.entity, ids);
  }
  const changes: InvoiceStatusChange[] = [];
  for (const [entity, externalIds] of byEntity) {
    const marked = await ctx.store.markDeleted({ source, entity, externalIds, at: nowIso(ctx) });
    changes.push(...marked);
    await audit(ctx, "erp.deleted", `${source}/${entity}`, { externalIds, invoicesChanged: marked.length });
  }
  await applyStatusChanges(ctx, source, changes, `webhook:${source}`);
  return changes;
}
