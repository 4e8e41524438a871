import {
  type CommitResult,
  type Customer,
  type EntityName,
  type Invoice,
  type InvoiceUpsert,
  isOlderCopy,
  type Payment,
  type SyncPage,
  type SyncRun,
} from "@regua/core";
import { type SqlBool, sql } from "kysely";
import { chunks, groupBySource, recordKey } from "./batch.js";
import { readCustomer, readInvoice, toInstant, toInstantOrNull } from "./codec.js";
import { inList } from "./in-list.js";
import { DELETED_STATUS, statusChanges, storedStates } from "./lifecycle.js";
import { insertQuarantine } from "./quarantine.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

type RecordTable = "customers" | "invoices" | "payments";
type Keyed = { source: string; externalId: string };

/**
 * A page may name a record twice (ERP paging overlaps): one copy per key, the newest by
 * updatedAt, else the later one, as applying them in order would leave.
 */
function newestPerKey<T extends Keyed & { updatedAt: string | null }>(records: readonly T[]): T[] {
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

const isApplied = (applied: ReadonlySet<string>) => (record: Keyed) =>
  applied.has(recordKey(record.source, record.externalId));

/**
 * Records the sync listed but did not apply (the store holds newer copies): still seen, so a
 * full reconcile does not take them for deleted. Nothing else about them changes.
 */
async function markSeen(
  trx: Db,
  table: RecordTable,
  records: readonly Keyed[],
  applied: ReadonlySet<string>,
  at: string,
): Promise<number> {
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

export async function commitPage(ctx: StoreContext, page: SyncPage): Promise<CommitResult> {
  const at = toInstant(page.at);
  const customers = newestPerKey(page.customers ?? []);
  const invoices = newestPerKey(page.invoices ?? []);
  const payments = newestPerKey(page.payments ?? []);
  return writeTransaction(ctx, async (trx) => {
    const before = await storedStates(trx, invoices);
    const applied = {
      customers: await upsertCustomers(trx, customers, at),
      invoices: await upsertInvoices(trx, invoices, at),
      payments: await upsertPayments(trx, payments, at),
    };
    let stale = 0;
    stale += await markSeen(trx, "customers", customers, applied.customers, at);
    stale += await markSeen(trx, "invoices", invoices, applied.invoices, at);
    stale += await markSeen(trx, "payments", payments, applied.payments, at);
    await insertQuarantine(trx, page.quarantined ?? []);
    await trx
      .insertInto("sync_cursors")
      .values({ source: page.source, entity: page.entity, cursor: page.cursor, updated_at: at })
      .onConflict((oc) =>
        oc.columns(["source", "entity"]).doUpdateSet({ cursor: page.cursor, updated_at: at }),
      )
      .execute();
    const changes = statusChanges(invoices.filter(isApplied(applied.invoices)), before);
    const upserted = applied.customers.size + applied.invoices.size + applied.payments.size;
    return { upserted, stale, changes };
  });
}

/** Upserts customers (newest wins) and replaces the phones of those applied; their keys. */
async function upsertCustomers(trx: Db, customers: readonly Customer[], at: string): Promise<Set<string>> {
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
    const keys = appliedKeys(rows);
    for (const key of keys) applied.add(key);
    const stored = rows.length === chunk.length ? chunk : chunk.filter(isApplied(keys));
    for (const [source, group] of groupBySource(stored)) {
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
async function upsertInvoices(trx: Db, invoices: readonly Invoice[], at: string): Promise<Set<string>> {
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
    for (const key of appliedKeys(rows)) applied.add(key);
  }
  return applied;
}

/** Upserts payments (newest wins) and replaces the allocations of those applied; their keys. */
async function upsertPayments(trx: Db, payments: readonly Payment[], at: string): Promise<Set<string>> {
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
    const keys = appliedKeys(rows);
    for (const key of keys) applied.add(key);
    const stored = rows.length === chunk.length ? chunk : chunk.filter(isApplied(keys));
    for (const [source, group] of groupBySource(stored)) {
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

export async function upsertInvoice(ctx: StoreContext, invoice: Invoice, at: string): Promise<InvoiceUpsert> {
  const instant = toInstant(at);
  return writeTransaction(ctx, async (trx) => {
    const before = await storedStates(trx, [invoice]);
    const applied = await upsertInvoices(trx, [invoice], instant);
    if (applied.size === 0) {
      await markSeen(trx, "invoices", [invoice], applied, instant);
      return { applied: false, change: null };
    }
    return { applied: true, change: statusChanges([invoice], before)[0] ?? null };
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
