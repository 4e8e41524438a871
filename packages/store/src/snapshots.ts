import type {
  ActionHistoryEntry,
  Customer,
  CustomerSnapshot,
  PaymentHistory,
  SnapshotInvoice,
  SnapshotOptions,
} from "@regua/core";
import { toInstant } from "./codec.js";
import { phoneFlags } from "./contacts.js";
import type { StoreContext } from "./schema.js";
import { kyselySnapshotQueries, type PaidInvoiceRow, type SnapshotQueries } from "./snapshot-queries.js";
import { sqliteSnapshotQueries } from "./snapshot-queries-sqlite.js";
import { snapshotCustomer, snapshotHistoryEntry, snapshotInvoice } from "./snapshot-records.js";

export { UNPAID_STATUSES } from "./snapshot-queries.js";

const DAY_MS = 86_400_000;
/** Each batch binds its customer refs (and phones) as parameters: stay far below SQLite's 32,766. */
const MAX_BATCH = 5_000;

/**
 * Streams customers with at least one unpaid invoice, ordered by (source, externalId): a keyset
 * page of customers (never OFFSET, never the whole table), then their invoices, action history,
 * payment stats, opt-outs and pauses with one query each. Memory is bounded by the batch size
 * whatever the table sizes. SQLite runs prepared statements on the driver directly (Kysely
 * compiled each query afresh, a visible share of a 1M-invoice plan); PostgreSQL goes through Kysely.
 */
export async function* snapshots(
  ctx: StoreContext,
  options: SnapshotOptions,
): AsyncGenerator<CustomerSnapshot[]> {
  const batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 500));
  const now = toInstant(options.now);
  const queries = ctx.sqlite ? sqliteSnapshotQueries(ctx, ctx.sqlite) : kyselySnapshotQueries(ctx);
  let after: { source: string; externalId: string } | null = null;
  for (;;) {
    const rows = await queries.customers({
      after,
      source: options.source,
      changedOnly: options.changedOnly === true,
      limit: batchSize,
    });
    if (rows.length === 0) return;
    yield await buildBatch(
      ctx,
      queries,
      rows.map((row) => snapshotCustomer(row.record)),
      now,
    );
    if (rows.length < batchSize) return;
    const last = rows[rows.length - 1]!;
    after = { source: last.source, externalId: last.external_id };
  }
}

const key = (source: string, ref: string) => `${source}\u0000${ref}`;

async function buildBatch(
  ctx: StoreContext,
  queries: SnapshotQueries,
  customers: Customer[],
  now: string,
): Promise<CustomerSnapshot[]> {
  const bySource = new Map<string, string[]>();
  for (const customer of customers) {
    const refs = bySource.get(customer.source);
    if (refs) refs.push(customer.externalId);
    else bySource.set(customer.source, [customer.externalId]);
  }
  const invoices = new Map<string, SnapshotInvoice[]>();
  const history = new Map<string, ActionHistoryEntry[]>();
  const payments = new Map<string, PaymentHistory>();
  const optedOut = new Set<string>();
  const pausedUntil = new Map<string, string>();
  const pauseEndedAt = new Map<string, string>();

  for (const [source, refs] of bySource) {
    const rows = await queries.batch(source, refs);
    for (const row of rows.invoices)
      push(invoices, key(source, row.customer_ref), snapshotInvoice(source, row));
    for (const row of rows.history) push(history, key(source, row.customer_ref), snapshotHistoryEntry(row));
    for (const [ref, stats] of paymentStats(rows.paid, now)) payments.set(key(source, ref), stats);
    for (const ref of rows.optedOutRefs) optedOut.add(key(source, ref));
    for (const pause of rows.pauses) {
      if (!pause.paused_until) continue;
      const running = Date.parse(pause.paused_until) > Date.parse(now);
      (running ? pausedUntil : pauseEndedAt).set(key(source, pause.customer_ref), pause.paused_until);
    }
  }
  const allPhones = [...new Set(customers.flatMap((customer) => customer.phones))];
  const optedOutPhones = await queries.optedOutPhones(allPhones);
  const flaggedPhones = new Set((await phoneFlags(ctx, allPhones)).map((flag) => flag.phone));

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
      pauseEndedAt: pauseEndedAt.get(k) ?? null,
      ...(flaggedPhones.size > 0
        ? { undeliverablePhones: customer.phones.filter((phone) => flaggedPhones.has(phone)) }
        : {}),
    };
  });
}

function push<T>(map: Map<string, T[]>, k: string, value: T): void {
  const list = map.get(k);
  if (list) list.push(value);
  else map.set(k, [value]);
}

/**
 * Payment history over the 365 days before `now`. An invoice's payment date is the latest
 * date among the payments allocated to it; when no payment names it (connectors without
 * payments), the date of its last change (`updatedAt`, else when the store last synced it) is
 * used as an approximation. Late = paid after the due date; days late are whole UTC days.
 */
function paymentStats(rows: readonly PaidInvoiceRow[], now: string): Map<string, PaymentHistory> {
  const windowStart = new Date(Date.parse(now) - 365 * DAY_MS).toISOString().slice(0, 10);
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
