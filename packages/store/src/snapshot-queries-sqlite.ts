import { PROMISE_AUDIT_ACTION } from "@regua/core";
import type BetterSqlite3 from "better-sqlite3";
import { DUNNABLE } from "./lifecycle.js";
import type { StoreContext } from "./schema.js";
import {
  auditSubjects,
  type BatchRows,
  type CustomerRow,
  customerKey,
  type HistoryRow,
  nextAfter,
  type PaidInvoiceRow,
  type PromiseAuditRow,
  type SnapshotQueries,
} from "./snapshot-queries.js";
import type { SnapshotInvoiceRow } from "./snapshot-records.js";

/** Core's DUNNABLE_STATUSES as an SQL list (constants, so the statement text stays fixed). */
const UNPAID = `(${DUNNABLE.map((status) => `'${status}'`).join(", ")})`;
/** A batch's refs (or phones) as one JSON parameter: one statement text whatever the batch size. */
const IN_LIST = "(select value from json_each(?))";

// A soft-deleted invoice has status "deleted" in its column (lifecycle.ts), so `status in` skips it
// without leaving the covering index; a customer deleted in the ERP is skipped by its own column.
const HAS_UNPAID = `c.deleted_at is null and exists (select 1 from invoices i where i.source = c.source and i.customer_ref = c.external_id and i.status in ${UNPAID})`;

const SQL = {
  customers: `select c.source, c.external_id, c.record from customers c
    where (c.source, c.external_id) > (?, ?) and ${HAS_UNPAID}
    order by c.source, c.external_id limit ?`,
  customersOfSource: `select c.source, c.external_id, c.record from customers c
    where c.source = ? and c.external_id > ? and ${HAS_UNPAID}
    order by c.source, c.external_id limit ?`,
  changedCustomers: `select c.source, c.external_id, c.record from plan_changes p
    join customers c on c.source = p.source and c.external_id = p.customer_ref
    where p.taken = 1 and (p.source, p.customer_ref) > (?, ?) and ${HAS_UNPAID}
    order by p.source, p.customer_ref limit ?`,
  changedCustomersOfSource: `select c.source, c.external_id, c.record from plan_changes p
    join customers c on c.source = p.source and c.external_id = p.customer_ref
    where p.taken = 1 and p.source = ? and p.customer_ref > ? and ${HAS_UNPAID}
    order by p.source, p.customer_ref limit ?`,
  invoices: `select customer_ref, external_id, status, due_date, open_amount_minor, total_minor, currency,
    number, installments
    from invoices where source = ? and customer_ref in ${IN_LIST} and status in ${UNPAID}
    order by customer_ref, due_date, external_id`,
  history: `select customer_ref, key, step_id, invoice_refs, status, due_at, sent_at, replied_at
    from actions where source = ? and customer_ref in ${IN_LIST} order by due_at, key`,
  // paidOnOf (snapshot-queries.ts), spelt out.
  paid: `select i.customer_ref, i.external_id, i.due_date,
    coalesce((select max(a.paid_on) from payment_allocations a where a.source = i.source and a.invoice_ref = i.external_id),
      i.updated_at, i.synced_at) as paid_on
    from invoices i where i.source = ? and i.customer_ref in ${IN_LIST} and i.status = 'paid'`,
  optedOutRefs: `select distinct customer_ref from opt_outs where source = ? and customer_ref in ${IN_LIST}`,
  pauses: `select customer_ref, paused_until from pauses
    where source = ? and customer_ref in ${IN_LIST}`,
  optedOutPhones: `select distinct phone from opt_outs where phone in ${IN_LIST}`,
  promises: `select subject, at, detail from audit_log where action = '${PROMISE_AUDIT_ACTION}' and subject in ${IN_LIST}`,
} as const;

type Statements = { [K in keyof typeof SQL]: BetterSqlite3.Statement<unknown[]> };

const prepared = new WeakMap<BetterSqlite3.Database, Statements>();

function statements(database: BetterSqlite3.Database): Statements {
  let cached = prepared.get(database);
  if (cached === undefined) {
    const entries = Object.entries(SQL).map(([name, text]) => [name, database.prepare(text)]);
    cached = Object.fromEntries(entries) as Statements;
    prepared.set(database, cached);
  }
  return cached;
}

/**
 * SQLite: the same queries as the Kysely implementation, prepared once per connection and run on
 * the driver. Each call holds Kysely's single connection while it runs, so it never reads in the
 * middle of another caller's open transaction.
 */
export function sqliteSnapshotQueries(ctx: StoreContext, database: BetterSqlite3.Database): SnapshotQueries {
  const run = <T>(work: (s: Statements) => T): Promise<T> =>
    ctx.db.connection().execute(async () => work(statements(database)));
  return {
    customers: (page) =>
      run((s) => {
        const after = page.after ?? { source: "", externalId: "" };
        const ofSource = page.source !== undefined;
        const statement = page.changedOnly
          ? ofSource
            ? s.changedCustomersOfSource
            : s.changedCustomers
          : ofSource
            ? s.customersOfSource
            : s.customers;
        const first = ofSource ? page.source : after.source;
        // With a source filter, a keyset from another source restarts at that source's beginning.
        const ref = ofSource && after.source !== page.source ? "" : after.externalId;
        const rows = statement.all(first, ref, page.limit) as CustomerRow[];
        return { rows, next: nextAfter(rows, page.limit, customerKey) };
      }),
    batch: (source, refs) =>
      run((s): BatchRows => {
        const list = JSON.stringify(refs);
        return {
          invoices: s.invoices.all(source, list) as SnapshotInvoiceRow[],
          history: s.history.all(source, list) as HistoryRow[],
          paid: s.paid.all(source, list) as PaidInvoiceRow[],
          optedOutRefs: (s.optedOutRefs.all(source, list) as { customer_ref: string | null }[]).flatMap(
            (row) => (row.customer_ref === null ? [] : [row.customer_ref]),
          ),
          pauses: s.pauses.all(source, list) as { customer_ref: string; paused_until: string | null }[],
          promises: s.promises.all(JSON.stringify(auditSubjects(source, refs))) as PromiseAuditRow[],
        };
      }),
    optedOutPhones: (phones) =>
      run((s) => {
        if (phones.length === 0) return new Set<string>();
        const rows = s.optedOutPhones.all(JSON.stringify(phones)) as { phone: string | null }[];
        return new Set(rows.flatMap((row) => (row.phone === null ? [] : [row.phone])));
      }),
  };
}
