import {
  type ActionHistoryEntry,
  BEHAVIOUR_WINDOW_DAYS,
  type Customer,
  type CustomerSnapshot,
  DEFAULT_LAST_INVOICES,
  NO_BEHAVIOUR,
  type PaidInvoiceFact,
  type PaymentHistory,
  type PromiseFact,
  paymentHistoryOf,
  type SnapshotInvoice,
  type SnapshotOptions,
} from "@regua/core";
import { z } from "zod";
import { toInstant } from "./codec.js";
import { phoneFlags } from "./contacts.js";
import type { StoreContext } from "./schema.js";
import {
  type BatchRows,
  kyselySnapshotQueries,
  type PromiseAuditRow,
  type SnapshotQueries,
} from "./snapshot-queries.js";
import { sqliteSnapshotQueries } from "./snapshot-queries-sqlite.js";
import { snapshotCustomer, snapshotHistoryEntry, snapshotInvoice } from "./snapshot-records.js";

export { UNPAID_STATUSES } from "./snapshot-queries.js";

/** Each batch binds its customer refs (and phones) as parameters: stay far below SQLite's 32,766. */
const MAX_BATCH = 5_000;

/**
 * Streams customers with at least one unpaid invoice, ordered by (source, externalId): a keyset
 * page of customers (never OFFSET, never the whole table), then their invoices, action history,
 * payment stats, opt-outs and pauses with one query each. Memory is bounded by the batch size
 * whatever the table sizes. SQLite runs prepared statements on the driver directly (Kysely
 * compiled each query afresh, a visible share of a 1M-invoice plan); PostgreSQL goes through
 * Kysely, and reads each batch ahead (readAhead).
 */
export function snapshots(ctx: StoreContext, options: SnapshotOptions): AsyncGenerator<CustomerSnapshot[]> {
  const batches = snapshotBatches(ctx, options);
  // SQLite's queries run on this thread, one connection: reading ahead would only reorder work.
  return ctx.sqlite ? batches : readAhead(batches);
}

/**
 * Yields what `source` yields, asking it for the next item as soon as it hands one out. On
 * PostgreSQL the next batch is read (on another pool connection, by another server process)
 * while the caller plans this one and inserts its actions, instead of the two taking turns: a
 * plan's reads and inserts are mostly the server's work, the planner is this process's. At most
 * one batch is read ahead, so memory stays bounded by two batches. When the caller stops early,
 * the batch in flight is awaited before `source` is closed: no query outlives the iteration.
 */
export async function* readAhead<T>(source: AsyncIterator<T>): AsyncGenerator<T> {
  let next = source.next();
  try {
    for (;;) {
      const current = await next;
      if (current.done) return;
      next = source.next();
      // Its error surfaces when the loop awaits it; a caller that stops first never does.
      next.catch(() => {});
      yield current.value;
    }
  } finally {
    await next.catch(() => undefined);
    await source.return?.(undefined);
  }
}

async function* snapshotBatches(
  ctx: StoreContext,
  options: SnapshotOptions,
): AsyncGenerator<CustomerSnapshot[]> {
  const batchSize = Math.min(MAX_BATCH, Math.max(1, options.batchSize ?? 500));
  const now = toInstant(options.now);
  const queries = ctx.sqlite ? sqliteSnapshotQueries(ctx, ctx.sqlite) : kyselySnapshotQueries(ctx);
  let after: { source: string; externalId: string } | null = null;
  for (;;) {
    const { rows, next } = await queries.customers({
      after,
      source: options.source,
      changedOnly: options.changedOnly === true,
      limit: batchSize,
    });
    if (rows.length > 0) {
      yield await buildBatch(
        ctx,
        queries,
        rows.map((row) => snapshotCustomer(row.record)),
        now,
        options.lastInvoices ?? DEFAULT_LAST_INVOICES,
      );
    }
    if (next === null) return;
    after = next;
  }
}

const key = (source: string, ref: string) => `${source}\u0000${ref}`;

const NO_PAYMENTS: PaymentHistory = Object.freeze({
  paidCount: 0,
  paidLateCount: 0,
  averageDaysLate: 0,
  behaviour: NO_BEHAVIOUR,
});

async function buildBatch(
  ctx: StoreContext,
  queries: SnapshotQueries,
  customers: Customer[],
  now: string,
  lastInvoices: number,
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
    // Rows come by customer: one map lookup per customer, not per invoice (~1M in a full plan).
    let ref: string | undefined;
    let list: SnapshotInvoice[] = [];
    for (const row of rows.invoices) {
      if (row.customer_ref !== ref) {
        ref = row.customer_ref;
        list = listOf(invoices, key(source, ref));
      }
      list.push(snapshotInvoice(source, row));
    }
    for (const row of rows.history) push(history, key(source, row.customer_ref), snapshotHistoryEntry(row));
    for (const [ref, stats] of paymentStats(rows, history, source, now, lastInvoices))
      payments.set(key(source, ref), stats);
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
      payments: payments.get(k) ?? NO_PAYMENTS,
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

function listOf<T>(map: Map<string, T[]>, k: string): T[] {
  let list = map.get(k);
  if (list === undefined) {
    list = [];
    map.set(k, list);
  }
  return list;
}

function push<T>(map: Map<string, T[]>, k: string, value: T): void {
  listOf(map, k).push(value);
}

const PromiseDetail = z.object({ until: z.string() });

/** The promises of one batch by customer ref; a row the engine did not write (no `until`) is left out. */
function promisesByRef(source: string, rows: readonly PromiseAuditRow[]): Map<string, PromiseFact[]> {
  const byRef = new Map<string, PromiseFact[]>();
  for (const row of rows) {
    const ref = row.subject.slice(source.length + 1);
    let detail: unknown;
    try {
      detail = JSON.parse(row.detail);
    } catch {
      continue;
    }
    const parsed = PromiseDetail.safeParse(detail);
    if (parsed.success) push(byRef, ref, { madeAt: row.at, until: parsed.data.until });
  }
  return byRef;
}

/**
 * Payment history and behaviour features (core's paymentHistoryOf) over the 365 days before
 * `now`. An invoice's payment date is the latest date among the payments allocated to it; when
 * no payment names it (connectors without payments), the date of its last change (`updatedAt`,
 * else when the store last synced it) is used as an approximation.
 */
function paymentStats(
  rows: BatchRows,
  history: Map<string, ActionHistoryEntry[]>,
  source: string,
  now: string,
  lastInvoices: number,
): Map<string, PaymentHistory> {
  const paidByRef = new Map<string, PaidInvoiceFact[]>();
  for (const row of rows.paid) {
    const fact = {
      externalId: row.external_id,
      dueDate: row.due_date,
      paidOn: row.paid_on.slice(0, 10),
    };
    push(paidByRef, row.customer_ref, fact);
  }
  const promises = promisesByRef(source, rows.promises);
  const refs = new Set([...paidByRef.keys(), ...promises.keys()]);
  for (const row of rows.history) if (row.replied_at !== null) refs.add(row.customer_ref);
  const options = { now, lastInvoices, windowDays: BEHAVIOUR_WINDOW_DAYS };
  const stats = new Map<string, PaymentHistory>();
  for (const ref of refs) {
    const facts = {
      paid: paidByRef.get(ref) ?? [],
      history: history.get(key(source, ref)) ?? [],
      promises: promises.get(ref) ?? [],
    };
    stats.set(ref, paymentHistoryOf(facts, options));
  }
  return stats;
}
