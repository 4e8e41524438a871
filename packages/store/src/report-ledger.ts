import {
  AGING_BUCKETS,
  type AgingBucket,
  DUNNABLE_STATUSES,
  type LedgerFigures,
  type LedgerQuery,
  type ReceivablesAt,
  type RecoveryCurve,
} from "@regua/core";
import { sql } from "kysely";
import { toInstant, toNumber } from "./codec.js";
import { CONTACTED } from "./report.js";
import type { Dialect, StoreContext } from "./schema.js";

const DAY_MS = 86_400_000;
/** Invoices that were (or still are) owed: a paid one was open until its allocations. */
const LEDGER_STATUSES = [...DUNNABLE_STATUSES, "paid"];

interface LedgerInvoice {
  currency: string;
  issueDate: string;
  dueDate: string;
  totalMinor: number;
  openNowMinor: number;
  /** Allocations, [paid_on, amount]. */
  paid: [string, number][];
}

const shiftDay = (date: string, days: number): string =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);
const daysBetween = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MS);
const invoiceKey = (source: string, ref: string): string => `${source}\u0000${ref}`;

/** The issue date lives in the record JSON only. https://www.sqlite.org/json1.html#jex */
function issueDateSql(dialect: Dialect) {
  return dialect === "sqlite"
    ? sql<string>`json_extract(record, '$.issueDate')`
    : sql<string>`(record::jsonb ->> 'issueDate')`;
}

/**
 * Receivables at the end of past days are rebuilt from today's open amounts plus the allocations
 * paid after each day, so no daily snapshot table is needed; an invoice paid without an
 * allocation (an ERP that only flips the status) counts as paid since before the window.
 */
async function loadLedger(ctx: StoreContext): Promise<Map<string, LedgerInvoice>> {
  const [invoices, allocations] = await Promise.all([
    ctx.db
      .selectFrom("invoices")
      .select([
        "source",
        "external_id",
        "currency",
        "due_date",
        "total_minor",
        "open_amount_minor",
        "status",
        issueDateSql(ctx.dialect).as("issue_date"),
      ])
      .where("status", "in", LEDGER_STATUSES)
      .execute(),
    ctx.db
      .selectFrom("payment_allocations")
      .select(["source", "invoice_ref", "paid_on", "amount_minor"])
      .execute(),
  ]);
  const ledger = new Map<string, LedgerInvoice>();
  for (const row of invoices) {
    ledger.set(invoiceKey(row.source, row.external_id), {
      currency: row.currency,
      issueDate: row.issue_date,
      dueDate: row.due_date,
      totalMinor: toNumber(row.total_minor),
      openNowMinor: row.status === "paid" ? 0 : toNumber(row.open_amount_minor),
      paid: [],
    });
  }
  for (const a of allocations) {
    ledger.get(invoiceKey(a.source, a.invoice_ref))?.paid.push([a.paid_on, toNumber(a.amount_minor)]);
  }
  return ledger;
}

/** Open at the end of `day`: open now plus what was paid after it (never above the total). */
function openAt(invoice: LedgerInvoice, day: string, inclusive = false): number {
  const later = invoice.paid.reduce(
    (n, [on, amount]) => (on > day || (inclusive && on === day) ? n + amount : n),
    0,
  );
  return Math.min(invoice.totalMinor, invoice.openNowMinor + later);
}

function bucketOf(dueDate: string, day: string): AgingBucket {
  const late = daysBetween(dueDate, day);
  if (late <= 0) return "current";
  if (late <= 30) return "1-30";
  if (late <= 60) return "31-60";
  if (late <= 90) return "61-90";
  return "90+";
}

function receivablesAt(ledger: Iterable<LedgerInvoice>, day: string, dsoDays: number): ReceivablesAt[] {
  const byCurrency = new Map<string, ReceivablesAt>();
  const entry = (currency: string): ReceivablesAt => {
    let found = byCurrency.get(currency);
    if (!found) {
      const buckets = AGING_BUCKETS.map((bucket) => ({ bucket, invoices: 0, openAmountMinor: 0 }));
      found = { date: day, currency, buckets, openAmountMinor: 0, invoicedMinor: 0, dso: null };
      byCurrency.set(currency, found);
    }
    return found;
  };
  const windowStart = shiftDay(day, -dsoDays);
  for (const invoice of ledger) {
    if (invoice.issueDate > day) continue;
    if (invoice.issueDate > windowStart) entry(invoice.currency).invoicedMinor += invoice.totalMinor;
    const open = openAt(invoice, day);
    if (open <= 0) continue;
    const row = entry(invoice.currency);
    const bucket = row.buckets[AGING_BUCKETS.indexOf(bucketOf(invoice.dueDate, day))]!;
    bucket.invoices += 1;
    bucket.openAmountMinor += open;
    row.openAmountMinor += open;
  }
  for (const row of byCurrency.values()) {
    row.dso =
      row.invoicedMinor > 0
        ? Math.round((row.openAmountMinor / row.invoicedMinor) * dsoDays * 10) / 10
        : null;
  }
  return [...byCurrency.values()].sort((a, b) => a.currency.localeCompare(b.currency));
}

async function recoveryCurves(
  ctx: StoreContext,
  ledger: Map<string, LedgerInvoice>,
  curve: LedgerQuery["curve"],
): Promise<RecoveryCurve[]> {
  const messages = await ctx.db
    .selectFrom("actions")
    .select(["source", "step_id", "invoice_refs", "sent_at"])
    .where("kind", "=", "message")
    .where("status", "in", CONTACTED)
    .where("sent_at", ">=", toInstant(curve.from))
    .where("sent_at", "<", toInstant(curve.to))
    .orderBy("sent_at")
    .execute();
  // The step's first message per invoice: later reminders of the same step ask for the same money.
  const first = new Map<string, { stepId: string; invoice: LedgerInvoice; day: string }>();
  for (const m of messages) {
    for (const ref of JSON.parse(m.invoice_refs) as string[]) {
      const invoice = ledger.get(invoiceKey(m.source, ref));
      const key = `${m.step_id}\u0000${invoiceKey(m.source, ref)}`;
      if (invoice && m.sent_at && !first.has(key))
        first.set(key, { stepId: m.step_id, invoice, day: m.sent_at.slice(0, 10) });
    }
  }
  const curves = new Map<string, RecoveryCurve>();
  for (const { stepId, invoice, day } of first.values()) {
    const asked = openAt(invoice, day, true);
    if (asked <= 0) continue;
    const id = `${stepId}\u0000${invoice.currency}`;
    const c = curves.get(id) ?? {
      stepId,
      currency: invoice.currency,
      invoices: 0,
      contactedMinor: 0,
      paidByDay: new Array<number>(curve.days + 1).fill(0),
    };
    curves.set(id, c);
    c.invoices += 1;
    c.contactedMinor += asked;
    for (const [on, amount] of invoice.paid) {
      const d = daysBetween(day, on);
      for (let i = Math.max(d, 0); d >= 0 && i <= curve.days; i++) c.paidByDay[i]! += amount;
    }
  }
  return [...curves.values()].sort(
    (a, b) => a.stepId.localeCompare(b.stepId) || a.currency.localeCompare(b.currency),
  );
}

export async function ledgerFigures(ctx: StoreContext, query: LedgerQuery): Promise<LedgerFigures> {
  const ledger = await loadLedger(ctx);
  const receivables = query.dates.flatMap((day) => receivablesAt(ledger.values(), day, query.dsoDays));
  return { receivables, curves: await recoveryCurves(ctx, ledger, query.curve) };
}
