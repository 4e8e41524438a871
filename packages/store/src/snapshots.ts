import type {
  ActionHistoryEntry,
  Customer,
  CustomerSnapshot,
  Invoice,
  PaymentHistory,
  SnapshotOptions,
} from "@regua/core";
import { sql } from "kysely";
import { readHistoryEntry, toInstant } from "./codec.js";
import type { StoreContext } from "./schema.js";
import { snapshotCustomer, snapshotInvoice } from "./snapshot-records.js";

/** Not paid and not void: what the planner may still act on. */
export const UNPAID_STATUSES = ["open", "partially_paid", "disputed"];
const DAY_MS = 86_400_000;
/** Each batch binds its customer refs (and phones) as parameters: stay far below SQLite's 32,766. */
const MAX_BATCH = 5_000;

/**
 * Streams customers with at least one unpaid invoice, ordered by (source, externalId), one batch
 * per round trip set: a keyset page of customers (never OFFSET, never the whole table), then
 * their invoices, action history, payment stats, opt-outs and pauses with one query each.
 * Memory is bounded by the batch size whatever the table sizes.
 */
export async function* snapshots(
  ctx: StoreContext,
  options: SnapshotOptions,
): AsyncGenerator<CustomerSnapshot[]> {
  const batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 500));
  const now = toInstant(options.now);
  let after: { source: string; externalId: string } | null = null;
  for (;;) {
    let query = ctx.db
      .selectFrom("customers as c")
      .select(["c.source", "c.external_id", "c.record"])
      .where((eb) =>
        eb.exists(
          eb
            .selectFrom("invoices as i")
            .select(sql.lit(1).as("one"))
            .whereRef("i.source", "=", "c.source")
            .whereRef("i.customer_ref", "=", "c.external_id")
            .where("i.status", "in", UNPAID_STATUSES),
        ),
      );
    if (options.source !== undefined) query = query.where("c.source", "=", options.source);
    if (after !== null) {
      const { source, externalId } = after;
      query = query.where((eb) =>
        eb(eb.refTuple("c.source", "c.external_id"), ">", eb.tuple(source, externalId)),
      );
    }
    const rows = await query.orderBy("c.source").orderBy("c.external_id").limit(batchSize).execute();
    if (rows.length === 0) return;
    yield await buildBatch(
      ctx,
      rows.map((row) => snapshotCustomer(row.record)),
      now,
    );
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { source: last.source, externalId: last.external_id };
  }
}

async function buildBatch(
  ctx: StoreContext,
  customers: Customer[],
  now: string,
): Promise<CustomerSnapshot[]> {
  const bySource = new Map<string, string[]>();
  for (const customer of customers) {
    const refs = bySource.get(customer.source);
    if (refs) refs.push(customer.externalId);
    else bySource.set(customer.source, [customer.externalId]);
  }
  const key = (source: string, ref: string) => `${source}\u0000${ref}`;
  const invoices = new Map<string, Invoice[]>();
  const history = new Map<string, ActionHistoryEntry[]>();
  const payments = new Map<string, PaymentHistory>();
  const optedOut = new Set<string>();
  const pausedUntil = new Map<string, string>();

  for (const [source, refs] of bySource) {
    for (const invoice of await unpaidInvoices(ctx, source, refs)) {
      push(invoices, key(source, invoice.customerRef), invoice);
    }
    for (const row of await historyRows(ctx, source, refs)) {
      push(history, key(source, row.customer_ref), readHistoryEntry(row));
    }
    for (const [ref, stats] of await paymentStats(ctx, source, refs, now))
      payments.set(key(source, ref), stats);
    for (const ref of await optedOutByRecord(ctx, source, refs)) optedOut.add(key(source, ref));
    const pauses = await ctx.db
      .selectFrom("pauses")
      .select(["customer_ref", "paused_until"])
      .where("source", "=", source)
      .where("customer_ref", "in", refs)
      .where("paused_until", ">", now)
      .execute();
    for (const pause of pauses)
      if (pause.paused_until) pausedUntil.set(key(source, pause.customer_ref), pause.paused_until);
  }
  const optedOutPhones = await optedOutPhoneSet(
    ctx,
    customers.flatMap((customer) => customer.phones),
  );

  return customers.map((customer) => {
    const k = key(customer.source, customer.externalId);
    return {
      customer,
      invoices: invoices.get(k) ?? [],
      history: history.get(k) ?? [],
      payments: payments.get(k) ?? { paidCount: 0, paidLateCount: 0, averageDaysLate: 0 },
      optedOut:
        customer.consent === "opted_out" ||
        customer.optedOutAt !== null ||
        optedOut.has(k) ||
        customer.phones.some((phone) => optedOutPhones.has(phone)),
      pausedUntil: pausedUntil.get(k) ?? null,
    };
  });
}

function push<T>(map: Map<string, T[]>, key: string, value: T): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

async function unpaidInvoices(ctx: StoreContext, source: string, refs: string[]): Promise<Invoice[]> {
  const rows = await ctx.db
    .selectFrom("invoices")
    .select("record")
    .where("source", "=", source)
    .where("customer_ref", "in", refs)
    .where("status", "in", UNPAID_STATUSES)
    .orderBy("customer_ref")
    .orderBy("due_date")
    .orderBy("external_id")
    .execute();
  return rows.map((row) => snapshotInvoice(row.record));
}

function historyRows(ctx: StoreContext, source: string, refs: string[]) {
  return ctx.db
    .selectFrom("actions")
    .select(["customer_ref", "key", "step_id", "invoice_refs", "status", "due_at", "sent_at", "replied_at"])
    .where("source", "=", source)
    .where("customer_ref", "in", refs)
    .orderBy("due_at")
    .orderBy("key")
    .execute();
}

/**
 * Payment history over the 365 days before `now`. An invoice's payment date is the latest
 * date among the payments allocated to it; when no payment names it (connectors without
 * payments), the date of its last change (`updatedAt`, else when the store last synced it) is
 * used as an approximation. Late = paid after the due date; days late are whole UTC days.
 */
async function paymentStats(
  ctx: StoreContext,
  source: string,
  refs: string[],
  now: string,
): Promise<Map<string, PaymentHistory>> {
  const windowStart = new Date(Date.parse(now) - 365 * DAY_MS).toISOString().slice(0, 10);
  // A correlated MAX per invoice rather than JOIN + GROUP BY: grouping tempted SQLite into walking
  // the whole primary key (seconds per batch at 1M invoices) instead of the customer index.
  const rows = await ctx.db
    .selectFrom("invoices as i")
    .select((eb) => [
      "i.customer_ref",
      "i.due_date",
      eb.fn.coalesce("i.updated_at", "i.synced_at").as("changed_at"),
      eb
        .selectFrom("payment_allocations as a")
        .select((inner) => inner.fn.max("a.paid_on").as("paid_on"))
        .whereRef("a.source", "=", "i.source")
        .whereRef("a.invoice_ref", "=", "i.external_id")
        .as("paid_on"),
    ])
    .where("i.source", "=", source)
    .where("i.customer_ref", "in", refs)
    .where("i.status", "=", "paid")
    .execute();
  const totals = new Map<string, { paid: number; late: number; daysLate: number }>();
  for (const row of rows) {
    const paidOn = (row.paid_on ?? row.changed_at).slice(0, 10);
    if (paidOn < windowStart) continue;
    const total = totals.get(row.customer_ref) ?? { paid: 0, late: 0, daysLate: 0 };
    total.paid++;
    const daysLate = Math.round((Date.parse(paidOn) - Date.parse(row.due_date)) / DAY_MS);
    if (daysLate > 0) {
      total.late++;
      total.daysLate += daysLate;
    }
    totals.set(row.customer_ref, total);
  }
  const stats = new Map<string, PaymentHistory>();
  for (const [ref, total] of totals) {
    stats.set(ref, {
      paidCount: total.paid,
      paidLateCount: total.late,
      averageDaysLate: total.paid === 0 ? 0 : total.daysLate / total.paid,
    });
  }
  return stats;
}

async function optedOutByRecord(ctx: StoreContext, source: string, refs: string[]): Promise<string[]> {
  const rows = await ctx.db
    .selectFrom("opt_outs")
    .select("customer_ref")
    .distinct()
    .where("source", "=", source)
    .where("customer_ref", "in", refs)
    .execute();
  return rows.flatMap((row) => (row.customer_ref === null ? [] : [row.customer_ref]));
}

async function optedOutPhoneSet(ctx: StoreContext, phones: string[]): Promise<Set<string>> {
  const unique = [...new Set(phones)];
  if (unique.length === 0) return new Set();
  const rows = await ctx.db
    .selectFrom("opt_outs")
    .select("phone")
    .distinct()
    .where("phone", "in", unique)
    .execute();
  return new Set(rows.flatMap((row) => (row.phone === null ? [] : [row.phone])));
}
