import { PROMISE_AUDIT_ACTION } from "@regua/core";
import { type ExpressionBuilder, sql } from "kysely";
import type { HistoryColumns } from "./codec.js";
import { inList } from "./in-list.js";
import { DUNNABLE } from "./lifecycle.js";
import type { Database, StoreContext } from "./schema.js";
import type { SnapshotInvoiceRow } from "./snapshot-records.js";

/** Core's one dunnable set; soft-deleted invoices have status "deleted" in the column (lifecycle.ts). */
export const UNPAID_STATUSES = DUNNABLE;

export interface PaidInvoiceRow {
  customer_ref: string;
  external_id: string;
  due_date: string;
  /** See paidOnOf: a day, or an instant whose first 10 characters are the day. */
  paid_on: string;
}

/**
 * When a paid invoice was paid: the latest day among the payments allocated to it; when no
 * payment names it (connectors without payments), the day of its last change (`updated_at`, else
 * when the store last synced it) stands in. A correlated MAX per invoice rather than JOIN + GROUP
 * BY (grouping tempted SQLite into walking the whole primary key instead of the customer index);
 * COALESCE evaluates its arguments lazily, so SQLite reads an invoice's table row only for
 * invoices without allocations (the rest is answered from indexes). Shared by snapshots and the
 * risk model's facts; `invoices as i` must be in scope.
 */
export function paidOnOf(eb: ExpressionBuilder<Database & { i: Database["invoices"] }, "i">) {
  return eb.fn.coalesce(
    eb
      .selectFrom("payment_allocations as a")
      .select((inner) => inner.fn.max("a.paid_on").as("paid_on"))
      .whereRef("a.source", "=", "i.source")
      .whereRef("a.invoice_ref", "=", "i.external_id"),
    "i.updated_at",
    "i.synced_at",
  );
}

export type HistoryRow = HistoryColumns & { customer_ref: string };

/** The rows one batch of customers (of one source) needs besides the customers themselves. */
export interface BatchRows {
  /** Unpaid invoices, by customer, due date, external id. */
  invoices: SnapshotInvoiceRow[];
  /** Action history, by due date and key. */
  history: HistoryRow[];
  /** Paid invoices with their payment date (latest allocation), for the payment stats. */
  paid: PaidInvoiceRow[];
  optedOutRefs: string[];
  /** Every pause of these customers, running or over (the planner counts lateness from its end). */
  pauses: { customer_ref: string; paused_until: string | null }[];
  /** Promises to pay, from the audit log (subject "source/customerRef"), for the behaviour features. */
  promises: PromiseAuditRow[];
}

export interface PromiseAuditRow {
  subject: string;
  at: string;
  detail: string;
}

/** The audit subjects of a batch's customers: "source/customerRef", as the engine writes them. */
export function auditSubjects(source: string, refs: readonly string[]): string[] {
  return refs.map((ref) => `${source}/${ref}`);
}

export interface CustomerPage {
  after: { source: string; externalId: string } | null;
  source: string | undefined;
  changedOnly: boolean;
  limit: number;
}

export interface CustomerRow {
  source: string;
  external_id: string;
  record: string;
}

export interface CustomersPage {
  rows: CustomerRow[];
  /** Where the next page starts (after this key); null when this was the last page. */
  next: { source: string; externalId: string } | null;
}

/** The keyset after the last of `keys` when the page was full; null when it was the last. */
export function nextAfter<T>(
  keys: readonly T[],
  limit: number,
  keyOf: (row: T) => { source: string; externalId: string },
): CustomersPage["next"] {
  const last = keys.at(-1);
  return keys.length < limit || last === undefined ? null : keyOf(last);
}

/** A customer row's keyset. */
export const customerKey = (row: CustomerRow) => ({ source: row.source, externalId: row.external_id });

/** What snapshots() asks the database; one implementation per driver. */
export interface SnapshotQueries {
  /**
   * The next keyset page of customers with an unpaid invoice (changed ones only when asked). A
   * page may hold fewer than `limit` customers, none even, and still not be the last: `next`
   * says where the next one starts.
   */
  customers(page: CustomerPage): Promise<CustomersPage>;
  /** `refs`: customers of `source`, in key order. */
  batch(source: string, refs: readonly string[]): Promise<BatchRows>;
  optedOutPhones(phones: readonly string[]): Promise<Set<string>>;
}

/**
 * PostgreSQL (and any Kysely dialect): one query per kind of row, refs bound as one parameter
 * (inList), one after the other. Run at once on several pool connections they were slower on a
 * busy 2-core machine (bench/plan.ts, load 8: full plan 39 s against 29 s, the server's CPU 11.9
 * against 8.9 s): they took the cores from the previous batch's insert, which the plan waits for.
 * The overlap that pays is one batch's reads beside the other's planning and insert (readAhead).
 */
/** A customer has something to dun: not deleted in the ERP, with an unpaid invoice. */
function hasUnpaid(eb: ExpressionBuilder<Database & { c: Database["customers"] }, "c">) {
  return eb.exists(
    eb
      .selectFrom("invoices as i")
      .select(sql.lit(1).as("one"))
      .whereRef("i.source", "=", "c.source")
      .whereRef("i.customer_ref", "=", "c.external_id")
      .where("i.status", "in", UNPAID_STATUSES),
  );
}

/** Marks' refs by source, in the order they came (key order: sources one after another). */
function groupBySource(marks: readonly { source: string; customer_ref: string }[]): Map<string, string[]> {
  const bySource = new Map<string, string[]>();
  for (const { source, customer_ref } of marks) {
    const refs = bySource.get(source);
    if (refs) refs.push(customer_ref);
    else bySource.set(source, [customer_ref]);
  }
  return bySource;
}

export function kyselySnapshotQueries(ctx: StoreContext): SnapshotQueries {
  const { db } = ctx;
  const anyOf = (column: string, values: readonly string[]) => inList(ctx.dialect, column, values);
  return {
    async customers(page) {
      const after = page.after ?? { source: "", externalId: "" };
      if (page.changedOnly) {
        // Two steps: the next page of marks along their key, then those customers by key. As
        // one join, PostgreSQL's plan hung on its estimate of the keyset: for the first page
        // (after the empty key) a hash join over every customer (a parallel scan, ~0.4–0.6 s of
        // a 1.5 s re-plan of 1 % of a 1M-invoice book), for the others the walk along the marks.
        let marks = db
          .selectFrom("plan_changes")
          .select(["source", "customer_ref"])
          .where("taken", "=", 1)
          .where((eb) =>
            eb(eb.refTuple("source", "customer_ref"), ">", eb.tuple(after.source, after.externalId)),
          );
        if (page.source !== undefined) marks = marks.where("source", "=", page.source);
        const marked = await marks.orderBy("source").orderBy("customer_ref").limit(page.limit).execute();
        const rows: CustomerRow[] = [];
        for (const [source, refs] of groupBySource(marked)) {
          rows.push(
            ...(await db
              .selectFrom("customers as c")
              .select(["c.source", "c.external_id", "c.record"])
              .where("c.source", "=", source)
              .where(anyOf("c.external_id", refs))
              .where("c.deleted_at", "is", null)
              .where(hasUnpaid)
              .orderBy("c.external_id")
              .execute()),
          );
        }
        return {
          rows,
          next: nextAfter(marked, page.limit, (mark) => ({
            source: mark.source,
            externalId: mark.customer_ref,
          })),
        };
      }
      let query = db
        .selectFrom("customers as c")
        .where("c.deleted_at", "is", null)
        .where(hasUnpaid)
        .where((eb) =>
          eb(eb.refTuple("c.source", "c.external_id"), ">", eb.tuple(after.source, after.externalId)),
        );
      if (page.source !== undefined) query = query.where("c.source", "=", page.source);
      const rows = await query
        .select(["c.source", "c.external_id", "c.record"])
        .orderBy("c.source")
        .orderBy("c.external_id")
        .limit(page.limit)
        .execute();
      return { rows, next: nextAfter(rows, page.limit, customerKey) };
    },

    async batch(source, refs) {
      const invoices = await db
        .selectFrom("invoices")
        .select([
          "customer_ref",
          "external_id",
          "status",
          "due_date",
          "open_amount_minor",
          "total_minor",
          "currency",
          "number",
          "installments",
        ])
        .where("source", "=", source)
        .where(anyOf("customer_ref", refs))
        .where("status", "in", UNPAID_STATUSES)
        .orderBy("customer_ref")
        .orderBy("due_date")
        .orderBy("external_id")
        .execute();
      const history = await db
        .selectFrom("actions")
        .select([
          "customer_ref",
          "key",
          "step_id",
          "invoice_refs",
          "status",
          "due_at",
          "sent_at",
          "replied_at",
        ])
        .where("source", "=", source)
        .where(anyOf("customer_ref", refs))
        .orderBy("due_at")
        .orderBy("key")
        .execute();
      const paid = await db
        .selectFrom("invoices as i")
        .select((eb) => ["i.customer_ref", "i.external_id", "i.due_date", paidOnOf(eb).as("paid_on")])
        .where("i.source", "=", source)
        .where(anyOf("i.customer_ref", refs))
        .where("i.status", "=", "paid")
        .execute();
      const optedOut = await db
        .selectFrom("opt_outs")
        .select("customer_ref")
        .distinct()
        .where("source", "=", source)
        .where(anyOf("customer_ref", refs))
        .execute();
      const pauses = await db
        .selectFrom("pauses")
        .select(["customer_ref", "paused_until"])
        .where("source", "=", source)
        .where(anyOf("customer_ref", refs))
        .execute();
      const promises = await db
        .selectFrom("audit_log")
        .select(["subject", "at", "detail"])
        .where("action", "=", PROMISE_AUDIT_ACTION)
        .where(anyOf("subject", auditSubjects(source, refs)))
        .execute();
      return {
        invoices,
        history,
        promises,
        paid,
        optedOutRefs: optedOut.flatMap((row) => (row.customer_ref === null ? [] : [row.customer_ref])),
        pauses,
      };
    },

    async optedOutPhones(phones) {
      if (phones.length === 0) return new Set();
      const rows = await db
        .selectFrom("opt_outs")
        .select("phone")
        .distinct()
        .where(anyOf("phone", phones))
        .execute();
      return new Set(rows.flatMap((row) => (row.phone === null ? [] : [row.phone])));
    },
  };
}
