import type {
  CommitResult,
  Customer,
  EntityName,
  Invoice,
  InvoiceStatusChange,
  Payment,
  SyncPage,
  SyncRun,
} from "@regua/core";
import { chunks, groupBySource, recordKey } from "./batch.js";
import { readCustomer, readInvoice, toInstant, toInstantOrNull } from "./codec.js";
import { inList } from "./in-list.js";
import { DELETED_STATUS, statusChanges } from "./lifecycle.js";
import { insertQuarantine } from "./quarantine.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

/** A page may name a record twice (ERP paging overlaps): the last one wins, as it would in order. */
function lastPerKey<T extends { source: string; externalId: string }>(records: readonly T[]): T[] {
  const byKey = new Map<string, T>();
  for (const record of records) byKey.set(recordKey(record.source, record.externalId), record);
  return [...byKey.values()];
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

export async function commitPage(ctx: StoreContext, page: SyncPage): Promise<CommitResult> {
  const at = toInstant(page.at);
  const customers = lastPerKey(page.customers ?? []);
  const invoices = lastPerKey(page.invoices ?? []);
  const payments = lastPerKey(page.payments ?? []);
  return writeTransaction(ctx, async (trx) => {
    const changes = await statusChanges(trx, invoices);
    await upsertCustomers(trx, customers, at);
    await upsertInvoices(trx, invoices, at);
    await upsertPayments(trx, payments, at);
    await insertQuarantine(trx, page.quarantined ?? []);
    await trx
      .insertInto("sync_cursors")
      .values({ source: page.source, entity: page.entity, cursor: page.cursor, updated_at: at })
      .onConflict((oc) =>
        oc.columns(["source", "entity"]).doUpdateSet({ cursor: page.cursor, updated_at: at }),
      )
      .execute();
    return { upserted: customers.length + invoices.length + payments.length, changes };
  });
}

async function upsertCustomers(trx: Db, customers: readonly Customer[], at: string): Promise<void> {
  for (const chunk of chunks(customers)) {
    await trx
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
        oc.columns(["source", "external_id"]).doUpdateSet((eb) => ({
          name: eb.ref("excluded.name"),
          consent: eb.ref("excluded.consent"),
          record: eb.ref("excluded.record"),
          raw: eb.ref("excluded.raw"),
          deleted_at: eb.ref("excluded.deleted_at"),
          updated_at: eb.ref("excluded.updated_at"),
          synced_at: eb.ref("excluded.synced_at"),
        })),
      )
      .execute();
    for (const [source, group] of groupBySource(chunk)) {
      await trx
        .deleteFrom("customer_phones")
        .where("source", "=", source)
        .where(
          "customer_ref",
          "in",
          group.map((customer) => customer.externalId),
        )
        .execute();
    }
    const phones = chunk.flatMap((customer) =>
      [...new Set(customer.phones)].map((phone) => ({
        phone,
        source: customer.source,
        customer_ref: customer.externalId,
      })),
    );
    if (phones.length > 0) await trx.insertInto("customer_phones").values(phones).execute();
  }
}

async function upsertInvoices(trx: Db, invoices: readonly Invoice[], at: string): Promise<void> {
  for (const chunk of chunks(invoices)) {
    await trx
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
        oc.columns(["source", "external_id"]).doUpdateSet((eb) => ({
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
        })),
      )
      .execute();
  }
}

async function upsertPayments(trx: Db, payments: readonly Payment[], at: string): Promise<void> {
  for (const chunk of chunks(payments)) {
    await trx
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
        oc.columns(["source", "external_id"]).doUpdateSet((eb) => ({
          customer_ref: eb.ref("excluded.customer_ref"),
          paid_on: eb.ref("excluded.paid_on"),
          amount_minor: eb.ref("excluded.amount_minor"),
          currency: eb.ref("excluded.currency"),
          record: eb.ref("excluded.record"),
          raw: eb.ref("excluded.raw"),
          deleted_at: eb.ref("excluded.deleted_at"),
          updated_at: eb.ref("excluded.updated_at"),
          synced_at: eb.ref("excluded.synced_at"),
        })),
      )
      .execute();
    for (const [source, group] of groupBySource(chunk)) {
      await trx
        .deleteFrom("payment_allocations")
        .where("source", "=", source)
        .where(
          "payment_ref",
          "in",
          group.map((payment) => payment.externalId),
        )
        .execute();
    }
    const allocations = chunk.flatMap((payment) =>
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
}

export async function upsertInvoice(
  ctx: StoreContext,
  invoice: Invoice,
  at: string,
): Promise<InvoiceStatusChange | null> {
  return writeTransaction(ctx, async (trx) => {
    const [change] = await statusChanges(trx, [invoice]);
    await upsertInvoices(trx, [invoice], toInstant(at));
    return change ?? null;
  });
}

export async function getCursor(
  ctx: StoreContext,
  source: string,
  entity: EntityName,
): Promise<string | null> {
  const row = await ctx.db
    .selectFrom("sync_cursors")
    .select("cursor")
    .where("source", "=", source)
    .where("entity", "=", entity)
    .executeTakeFirst();
  return row?.cursor ?? null;
}

export async function recordSyncRun(ctx: StoreContext, run: SyncRun): Promise<void> {
  await ctx.db
    .insertInto("sync_runs")
    .values({
      source: run.source,
      entity: run.entity,
      started_at: toInstant(run.startedAt),
      finished_at: toInstant(run.finishedAt),
      records: run.records,
      rejects: run.rejects.length,
      rejects_json: JSON.stringify(run.rejects),
      error: run.error,
    })
    .execute();
}

export async function getCustomer(
  ctx: StoreContext,
  source: string,
  externalId: string,
): Promise<Customer | null> {
  return (await getCustomers(ctx, source, [externalId]))[0] ?? null;
}

export async function getInvoice(
  ctx: StoreContext,
  source: string,
  externalId: string,
): Promise<Invoice | null> {
  return (await getInvoices(ctx, source, [externalId]))[0] ?? null;
}

/** Several customers of one source in one read (those the store has, in no particular order). */
export function getCustomers(ctx: StoreContext, source: string, externalIds: readonly string[]) {
  return readRecords(ctx, "customers", readCustomer, source, externalIds);
}

/** Several invoices of one source in one read (those the store has, in no particular order). */
export function getInvoices(ctx: StoreContext, source: string, externalIds: readonly string[]) {
  return readRecords(ctx, "invoices", readInvoice, source, externalIds);
}

/** Records of one table by id, as stored (the record, its raw payload, its deletion). */
async function readRecords<T extends { deletedAt?: string | null }>(
  ctx: StoreContext,
  table: "customers" | "invoices",
  read: (record: string, raw: string | null) => T,
  source: string,
  externalIds: readonly string[],
): Promise<T[]> {
  const unique = [...new Set(externalIds)];
  if (unique.length === 0) return [];
  const rows = await ctx.db
    .selectFrom(table)
    .select(["record", "raw", "deleted_at"])
    .where("source", "=", source)
    .where(inList(ctx.dialect, "external_id", unique))
    .execute();
  return rows.map((row) => withDeletedAt(read(row.record, row.raw), row.deleted_at));
}

export async function findCustomersByPhone(ctx: StoreContext, phone: string): Promise<Customer[]> {
  const rows = await ctx.db
    .selectFrom("customer_phones as p")
    .innerJoin("customers as c", (join) =>
      join.onRef("c.source", "=", "p.source").onRef("c.external_id", "=", "p.customer_ref"),
    )
    .select(["c.record", "c.raw"])
    .where("p.phone", "=", phone)
    .where("c.deleted_at", "is", null)
    .orderBy("c.source")
    .orderBy("c.external_id")
    .execute();
  return rows.map((row) => readCustomer(row.record, row.raw));
}

/** The store marks deletions in a column (the record JSON is what the ERP last sent). */
function withDeletedAt<T extends { deletedAt?: string | null }>(record: T, deletedAt: string | null): T {
  return deletedAt === null ? record : { ...record, deletedAt };
}
