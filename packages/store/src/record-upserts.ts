import { type Customer, type Invoice, isOlderCopy, type Payment } from "@regua/core";
import { type SqlBool, sql } from "kysely";
import { chunks, groupBySource, recordKey } from "./batch.js";
import { toInstantOrNull } from "./codec.js";
import { DELETED_STATUS } from "./lifecycle.js";
import type { Db } from "./schema.js";

/**
 * The sync's writes of the three record tables, newest wins: a stored row is replaced only by a
 * copy not older than it by the ERP's updatedAt (`isOlderCopy` in core). Each upsert returns the
 * keys of the records it applied; what depends on a record (phones, allocations) is replaced
 * for those alone.
 */

export type RecordTable = "customers" | "invoices" | "payments";
export type Keyed = { source: string; externalId: string };

/**
 * A page may name a record twice (ERP paging overlaps): one copy per key, the newest by
 * updatedAt, else the later one, as applying them in order would leave.
 */
export function newestPerKey<T extends Keyed & { updatedAt: string | null }>(records: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) {
    const key = recordKey(record.source, record.externalId);
    const kept = byKey.get(key);
    if (kept === undefined || !isOlderCopy(record, kept)) byKey.set(key, record);
  }
  return [...byKey.values()];
}

/**
 * The upsert's condition for replacing a stored row: newest wins (`isOlderCopy` in core, the same
 * rule in SQL). Instants are stored in one canonical form (codec's toInstant), so text order is
 * time order. A row kept this way is not updated at all: no trigger marks its customer for
 * re-plan, and RETURNING leaves it out, which is how the caller knows what was applied.
 * https://www.sqlite.org/lang_upsert.html · https://www.postgresql.org/docs/current/sql-insert.html#SQL-ON-CONFLICT
 */
function notOlderThanStored(table: RecordTable) {
  const stored = sql.ref(`${table}.updated_at`);
  return sql<SqlBool>`excluded.updated_at is null or ${stored} is null or excluded.updated_at >= ${stored}`;
}

/** The keys of the rows an upsert returned: the records it applied. */
const appliedKeys = (rows: readonly { source: string; external_id: string }[]): Set<string> =>
  new Set(rows.map((row) => recordKey(row.source, row.external_id)));

/** The records (one per key) whose keys are in `applied`: the records themselves when all are. */
export function appliedOf<T extends Keyed>(
  records: readonly T[],
  applied: ReadonlySet<string>,
): readonly T[] {
  return applied.size === records.length
    ? records
    : records.filter((record) => applied.has(recordKey(record.source, record.externalId)));
}

/**
 * Adds the keys an upsert returned (the records it applied) to `applied`, and gives back the
 * chunk's records that were applied: the chunk itself on the common path, every one applied.
 */
function keepApplied<T extends Keyed>(
  applied: Set<string>,
  chunk: readonly T[],
  rows: readonly { source: string; external_id: string }[],
): readonly T[] {
  const keys = appliedKeys(rows);
  for (const key of keys) applied.add(key);
  return appliedOf(chunk, keys);
}

/** The child rows (phones, allocations) of the records applied, deleted before they are written again. */
async function deleteChildRows(
  trx: Db,
  table: "customer_phones" | "payment_allocations",
  refColumn: "customer_ref" | "payment_ref",
  stored: readonly Keyed[],
): Promise<void> {
  for (const [source, group] of groupBySource(stored)) {
    await trx
      .deleteFrom(table)
      .where("source", "=", source)
      .where(
        refColumn,
        "in",
        group.map((record) => record.externalId),
      )
      .execute();
  }
}

/**
 * Records the sync listed but did not apply (the store holds newer copies): still seen, so a
 * full reconcile does not take them for deleted. Nothing else about them changes.
 */
export async function markSeen(
  trx: Db,
  table: RecordTable,
  records: readonly Keyed[],
  applied: ReadonlySet<string>,
  at: string,
): Promise<number> {
  if (applied.size === records.length) return 0; // records are one per key: all applied
  const stale = records.filter((record) => !applied.has(recordKey(record.source, record.externalId)));
  for (const [source, group] of groupBySource(stale)) {
    for (const chunk of chunks(group)) {
      await trx
        .updateTable(table)
        .set({ synced_at: at })
        .where("source", "=", source)
        .where(
          "external_id",
          "in",
          chunk.map((record) => record.externalId),
        )
        .execute();
    }
  }
  return stale.length;
}

/**
 * The canonical record without its ERP payload, the payload on its own, and the soft-deletion
 * column (a record listed again by the ERP is live again).
 */
function recordColumns(record: { raw?: unknown; deletedAt?: string | null }): {
  record: string;
  raw: string | null;
  deleted_at: string | null;
} {
  const { raw, ...canonical } = record;
  return {
    record: JSON.stringify(canonical),
    raw: raw === undefined ? null : JSON.stringify(raw),
    deleted_at: toInstantOrNull(record.deletedAt),
  };
}

/** Upserts customers (newest wins) and replaces the phones of those applied; their keys. */
export async function upsertCustomers(
  trx: Db,
  customers: readonly Customer[],
  at: string,
): Promise<Set<string>> {
  const applied = new Set<string>();
  for (const chunk of chunks(customers)) {
    const rows = await trx
      .insertInto("customers")
      .values(
        chunk.map((customer) => ({
          source: customer.source,
          external_id: customer.externalId,
          name: customer.name,
          consent: customer.consent,
          ...recordColumns(customer),
          updated_at: toInstantOrNull(customer.updatedAt),
          synced_at: at,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(["source", "external_id"])
          .doUpdateSet((eb) => ({
            name: eb.ref("excluded.name"),
            consent: eb.ref("excluded.consent"),
            record: eb.ref("excluded.record"),
            raw: eb.ref("excluded.raw"),
            deleted_at: eb.ref("excluded.deleted_at"),
            updated_at: eb.ref("excluded.updated_at"),
            synced_at: eb.ref("excluded.synced_at"),
          }))
          .where(notOlderThanStored("customers")),
      )
      .returning(["source", "external_id"])
      .execute();
    const stored = keepApplied(applied, chunk, rows);
    await deleteChildRows(trx, "customer_phones", "customer_ref", stored);
    const phones = stored.flatMap((customer) =>
      [...new Set(customer.phones)].map((phone) => ({
        phone,
        source: customer.source,
        customer_ref: customer.externalId,
      })),
    );
    if (phones.length > 0) await trx.insertInto("customer_phones").values(phones).execute();
  }
  return applied;
}

/** Upserts invoices (newest wins); the keys of those applied. */
export async function upsertInvoices(
  trx: Db,
  invoices: readonly Invoice[],
  at: string,
): Promise<Set<string>> {
  const applied = new Set<string>();
  for (const chunk of chunks(invoices)) {
    const rows = await trx
      .insertInto("invoices")
      .values(
        chunk.map((invoice) => ({
          source: invoice.source,
          external_id: invoice.externalId,
          customer_ref: invoice.customerRef,
          status: invoice.deletedAt ? DELETED_STATUS : invoice.status,
          due_date: invoice.dueDate,
          total_minor: invoice.total.amountMinor,
          open_amount_minor: invoice.openAmount.amountMinor,
          currency: invoice.openAmount.currency,
          number: invoice.number,
          installments: invoice.installments?.length ? JSON.stringify(invoice.installments) : null,
          ...recordColumns(invoice),
          updated_at: toInstantOrNull(invoice.updatedAt),
          synced_at: at,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(["source", "external_id"])
          .doUpdateSet((eb) => ({
            customer_ref: eb.ref("excluded.customer_ref"),
            status: eb.ref("excluded.status"),
            due_date: eb.ref("excluded.due_date"),
            total_minor: eb.ref("excluded.total_minor"),
            open_amount_minor: eb.ref("excluded.open_amount_minor"),
            currency: eb.ref("excluded.currency"),
            number: eb.ref("excluded.number"),
            installments: eb.ref("excluded.installments"),
            record: eb.ref("excluded.record"),
            raw: eb.ref("excluded.raw"),
            deleted_at: eb.ref("excluded.deleted_at"),
            updated_at: eb.ref("excluded.updated_at"),
            synced_at: eb.ref("excluded.synced_at"),
          }))
          .where(notOlderThanStored("invoices")),
      )
      .returning(["source", "external_id"])
      .execute();
    keepApplied(applied, chunk, rows);
  }
  return applied;
}

/** Upserts payments (newest wins) and replaces the allocations of those applied; their keys. */
export async function upsertPayments(
  trx: Db,
  payments: readonly Payment[],
  at: string,
): Promise<Set<string>> {
  const applied = new Set<string>();
  for (const chunk of chunks(payments)) {
    const rows = await trx
      .insertInto("payments")
      .values(
        chunk.map((payment) => ({
          source: payment.source,
          external_id: payment.externalId,
          customer_ref: payment.customerRef,
          paid_on: payment.date,
          amount_minor: payment.amount.amountMinor,
          currency: payment.amount.currency,
          ...recordColumns(payment),
          updated_at: toInstantOrNull(payment.updatedAt),
          synced_at: at,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(["source", "external_id"])
          .doUpdateSet((eb) => ({
            customer_ref: eb.ref("excluded.customer_ref"),
            paid_on: eb.ref("excluded.paid_on"),
            amount_minor: eb.ref("excluded.amount_minor"),
            currency: eb.ref("excluded.currency"),
            record: eb.ref("excluded.record"),
            raw: eb.ref("excluded.raw"),
            deleted_at: eb.ref("excluded.deleted_at"),
            updated_at: eb.ref("excluded.updated_at"),
            synced_at: eb.ref("excluded.synced_at"),
          }))
          .where(notOlderThanStored("payments")),
      )
      .returning(["source", "external_id"])
      .execute();
    const stored = keepApplied(applied, chunk, rows);
    await deleteChildRows(trx, "payment_allocations", "payment_ref", stored);
    const allocations = stored.flatMap((payment) =>
      payment.allocations.map((allocation) => ({
        source: payment.source,
        payment_ref: payment.externalId,
        invoice_ref: allocation.invoiceRef,
        paid_on: payment.date,
        amount_minor: allocation.amount.amountMinor,
      })),
    );
    for (const part of chunks(allocations))
      await trx.insertInto("payment_allocations").values(part).execute();
  }
  return applied;
}
