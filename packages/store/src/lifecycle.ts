import {
  DUNNABLE_STATUSES,
  type EntityName,
  type Invoice,
  type InvoiceState,
  InvoiceStatus,
  type InvoiceStatusChange,
} from "@regua/core";
import { chunks, groupBySource, recordKey } from "./batch.js";
import { toInstant } from "./codec.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

/** The one dunnable set from core, as the SQL `in` list wants it. */
export const DUNNABLE: string[] = [...DUNNABLE_STATUSES];

/**
 * The `status` column of a soft-deleted invoice. The record keeps the ERP's last status; the
 * column says "deleted" so every `status in DUNNABLE` query (snapshots on their covering index,
 * aging) leaves it out with no extra predicate.
 */
export const DELETED_STATUS = "deleted";

const stateOf = (row: { status: string; deleted_at: string | null }): InvoiceState =>
  row.deleted_at !== null ? "deleted" : InvoiceStatus.parse(row.status);

/**
 * The stored state of each invoice, read inside the page's transaction before the upsert (an
 * invoice not stored before has none). Keyed by recordKey.
 */
export async function storedStates(
  trx: Db,
  invoices: readonly Invoice[],
): Promise<Map<string, InvoiceState>> {
  const before = new Map<string, InvoiceState>();
  for (const [source, group] of groupBySource(invoices)) {
    for (const chunk of chunks(group)) {
      const rows = await trx
        .selectFrom("invoices")
        .select(["external_id", "status", "deleted_at"])
        .where("source", "=", source)
        .where(
          "external_id",
          "in",
          chunk.map((invoice) => invoice.externalId),
        )
        .execute();
      for (const row of rows) before.set(recordKey(source, row.external_id), stateOf(row));
    }
  }
  return before;
}

/**
 * The invoices (those the upsert applied) whose state differs from the stored one before it; an
 * invoice not stored before is new, not a change.
 */
export function statusChanges(
  invoices: readonly Invoice[],
  before: ReadonlyMap<string, InvoiceState>,
): InvoiceStatusChange[] {
  const changes: InvoiceStatusChange[] = [];
  for (const invoice of invoices) {
    const previous = before.get(recordKey(invoice.source, invoice.externalId));
    const current: InvoiceState = invoice.deletedAt ? "deleted" : invoice.status;
    if (previous === undefined || previous === current) continue;
    const { externalId, customerRef } = invoice;
    changes.push({ externalId, customerRef, previous, current, replacedBy: invoice.replacedBy ?? [] });
  }
  return changes;
}

interface LiveRow {
  external_id: string;
  customer_ref: string | null;
  status: string | null;
}

/** Live (not yet deleted) rows of one entity, with what a deletion change needs. */
async function liveRows(
  trx: Db,
  source: string,
  entity: EntityName,
  filter: { externalIds?: readonly string[]; syncedBefore?: string },
): Promise<LiveRow[]> {
  const rows: LiveRow[] = [];
  const batches = filter.externalIds === undefined ? [undefined] : chunks(filter.externalIds);
  for (const ids of batches) {
    let query = trx
      .selectFrom(entity)
      .select("external_id")
      .where("source", "=", source)
      .where("deleted_at", "is", null);
    if (ids !== undefined) query = query.where("external_id", "in", ids);
    if (filter.syncedBefore !== undefined) query = query.where("synced_at", "<", filter.syncedBefore);
    if (entity !== "invoices") {
      for (const row of await query.execute())
        rows.push({ external_id: row.external_id, customer_ref: null, status: null });
      continue;
    }
    const found = await trx
      .selectFrom("invoices")
      .select(["external_id", "customer_ref", "status"])
      .where("source", "=", source)
      .where("external_id", "in", query)
      .execute();
    rows.push(...found);
  }
  return rows;
}

/** Soft-deletes rows and reports the invoices among them as changes to "deleted". */
async function softDelete(
  trx: Db,
  source: string,
  entity: EntityName,
  rows: readonly LiveRow[],
  at: string,
): Promise<InvoiceStatusChange[]> {
  for (const chunk of chunks(rows.map((row) => row.external_id))) {
    const patch = entity === "invoices" ? { deleted_at: at, status: DELETED_STATUS } : { deleted_at: at };
    await trx
      .updateTable(entity)
      .set(patch)
      .where("source", "=", source)
      .where("external_id", "in", chunk)
      .execute();
  }
  if (entity !== "invoices") return [];
  return rows.map((row) => ({
    externalId: row.external_id,
    customerRef: row.customer_ref ?? "",
    previous: InvoiceStatus.parse(row.status),
    current: "deleted",
    replacedBy: [],
  }));
}

export async function markDeleted(
  ctx: StoreContext,
  deletion: { source: string; entity: EntityName; externalIds: readonly string[]; at: string },
): Promise<InvoiceStatusChange[]> {
  const at = toInstant(deletion.at);
  const { source, entity, externalIds } = deletion;
  if (externalIds.length === 0) return [];
  return writeTransaction(ctx, async (trx) => {
    const rows = await liveRows(trx, source, entity, { externalIds: [...new Set(externalIds)] });
    return softDelete(trx, source, entity, rows, at);
  });
}

export async function markUnseenDeleted(
  ctx: StoreContext,
  reconcile: {
    source: string;
    entity: EntityName;
    passStartedAt: string;
    keep: readonly string[];
    at: string;
  },
): Promise<{ deleted: number; changes: InvoiceStatusChange[] }> {
  const at = toInstant(reconcile.at);
  const keep = new Set(reconcile.keep);
  const { source, entity } = reconcile;
  return writeTransaction(ctx, async (trx) => {
    const unseen = await liveRows(trx, source, entity, { syncedBefore: toInstant(reconcile.passStartedAt) });
    const rows = unseen.filter((row) => !keep.has(row.external_id));
    const changes = await softDelete(trx, source, entity, rows, at);
    return { deleted: rows.length, changes };
  });
}
