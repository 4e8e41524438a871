import type {
  CommitResult,
  Customer,
  EntityName,
  Invoice,
  InvoiceUpsert,
  SyncPage,
  SyncRun,
} from "@regua/core";
import { readCustomer, readInvoice, toInstant } from "./codec.js";
import { inList } from "./in-list.js";
import { statusChanges, storedStates } from "./lifecycle.js";
import { insertQuarantine } from "./quarantine.js";
import {
  appliedOf,
  markSeen,
  newestPerKey,
  upsertCustomers,
  upsertInvoices,
  upsertPayments,
} from "./record-upserts.js";
import type { StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

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
    const changes = statusChanges(appliedOf(invoices, applied.invoices), before);
    const upserted = applied.customers.size + applied.invoices.size + applied.payments.size;
    return { upserted, stale, changes };
  });
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
