import type { ActionHistoryEntry, PaymentHistory, SnapshotInvoice } from "../actions.js";
import {
  BEHAVIOUR_WINDOW_DAYS,
  NO_BEHAVIOUR,
  type PaidInvoiceFact,
  type PaymentBehaviour,
  type PromiseFact,
  paymentHistoryOf,
} from "../behaviour/features.js";
import { LIFECYCLE_STEP_PREFIX } from "../policy/render.js";

/**
 * What the payment-risk model reads of one invoice at one moment of its régua: the customer's
 * behaviour features as of that moment, the invoice's amount, how far past its due date it is
 * (its age, the step being considered) and how many reminders it has had. Transformed into the
 * model's columns by `riskColumns` (the same function at training and at plan time).
 */
export interface RiskInput {
  behaviour: PaymentBehaviour;
  /** The invoice total, in minor units. */
  amountMinor: number;
  /** Days past the due date at the moment scored (negative: before it). */
  daysOverdue: number;
  /** Dunning messages already sent for the invoice. */
  remindersSent: number;
  /** YYYY-MM-DD */
  dueDate: string;
}

/** The model's columns, in order. Each is a plain transform of a RiskInput field. */
export const RISK_COLUMNS = [
  "averageDaysLate",
  "p90DaysLate",
  "paidEarlyShare",
  "paidAfterReminderShare",
  "brokenPromises",
  "replies",
  "noHistory",
  "paidInvoices",
  "amount",
  "daysOverdue",
  "remindersSent",
  "seasonalDaysLate",
] as const;
export type RiskColumn = (typeof RISK_COLUMNS)[number];

/**
 * Days late and counts enter as log(1 + x): a customer 60 days late on average is not twice
 * as risky as one 30 days late in log-odds, and the linear model calibrates better this way.
 * The due month enters as a point on a circle, so December and January are neighbours.
 */
export function riskColumns(input: RiskInput): number[] {
  const b = input.behaviour;
  const lateness = Math.log1p(b.averageDaysLate ?? 0);
  return [
    lateness,
    Math.log1p(b.p90DaysLate ?? 0),
    b.paidEarlyShare ?? 0,
    b.paidAfterReminderShare ?? 0,
    Math.log1p(b.brokenPromises),
    Math.log1p(b.replies),
    b.invoices === 0 ? 1 : 0,
    Math.log1p(b.invoices),
    Math.log10(1 + Math.max(0, input.amountMinor) / 100),
    input.daysOverdue,
    input.remindersSent,
    // How much later than usual this customer pays around this time of year (0: no pattern).
    Math.log1p(seasonalDaysLate(b, input.dueDate) ?? b.averageDaysLate ?? 0) - lateness,
  ];
}

/** Mean days late of the customer's invoices due in the same calendar month, or its neighbours. */
function seasonalDaysLate(behaviour: PaymentBehaviour, dueDate: string): number | null {
  const months = behaviour.monthlyDaysLate;
  if (!months) return null;
  const month = Number(dueDate.slice(5, 7)) - 1;
  let sum = 0;
  let count = 0;
  for (const m of [month, (month + 11) % 12, (month + 1) % 12]) {
    const value = months[m];
    if (value !== null && value !== undefined) {
      sum += value;
      count++;
    }
  }
  return count === 0 ? null : sum / count;
}

/** The value a trace shows for a column: the feature as the user knows it, not its transform. */
export function riskColumnValue(column: RiskColumn, input: RiskInput): string {
  const b = input.behaviour;
  switch (column) {
    case "averageDaysLate":
    case "p90DaysLate": {
      const value = b[column];
      return value === null ? "none" : String(Math.round(value * 10) / 10);
    }
    case "paidEarlyShare":
    case "paidAfterReminderShare": {
      const value = b[column];
      return value === null ? "none" : value.toFixed(2);
    }
    case "brokenPromises":
    case "replies":
      return String(b[column]);
    case "noHistory":
      return b.invoices === 0 ? "yes" : "no";
    case "paidInvoices":
      return String(b.invoices);
    case "amount":
      return (input.amountMinor / 100).toFixed(2);
    case "daysOverdue":
      return String(input.daysOverdue);
    case "remindersSent":
      return String(input.remindersSent);
    case "seasonalDaysLate": {
      const value = seasonalDaysLate(b, input.dueDate);
      return value === null ? "none" : `${Math.round(value * 10) / 10} around ${input.dueDate.slice(5, 7)}`;
    }
  }
}

/** Dunning messages (not lifecycle ones) sent for `invoiceRef` before `beforeMs`. */
export function remindersSentFor(
  history: readonly ActionHistoryEntry[],
  invoiceRef: string,
  beforeMs: number,
): number {
  let sent = 0;
  for (const entry of history) {
    if (entry.sentAt === null || entry.stepId.startsWith(LIFECYCLE_STEP_PREFIX)) continue;
    if (!entry.invoiceRefs.includes(invoiceRef)) continue;
    if (Date.parse(entry.sentAt) < beforeMs) sent++;
  }
  return sent;
}

/** The risk input of an open invoice the planner is looking at today. */
export function plannedRiskInput(
  payments: PaymentHistory,
  history: readonly ActionHistoryEntry[],
  invoice: SnapshotInvoice,
  daysOverdue: number,
  nowMs: number,
): RiskInput {
  return {
    behaviour: payments.behaviour ?? NO_BEHAVIOUR,
    amountMinor: invoice.total.amountMinor,
    daysOverdue,
    remindersSent: remindersSentFor(history, invoice.externalId, nowMs),
    dueDate: invoice.dueDate,
  };
}

/** Every invoice of one customer, paid or not: what training reads from the store. */
export interface InvoiceFact {
  externalId: string;
  dueDate: string;
  amountMinor: number;
  /** YYYY-MM-DD of the (last) payment; null while unpaid. */
  paidOn: string | null;
}

export interface CustomerPaymentFacts {
  source: string;
  customerRef: string;
  invoices: readonly InvoiceFact[];
  history: readonly ActionHistoryEntry[];
  promises: readonly PromiseFact[];
}

export interface TrainingRowOptions {
  /** Label: paid within this many days of the due date. */
  horizonDays: number;
  /** The moments an invoice is looked at, as days from its due date (each < horizonDays). */
  offsets: readonly number[];
  /** Only invoices due in [dueFrom, dueTo) (YYYY-MM-DD). */
  dueFrom: string;
  dueTo: string;
  /** What is known: invoices whose horizon ends after this day have no label yet and are left out. */
  asOf: string;
  lastInvoices: number;
}

export interface TrainingRow {
  x: number[];
  /** 1: paid within horizonDays of the due date. */
  y: 0 | 1;
  dueDate: string;
  customerRef: string;
}

const DAY_MS = 86_400_000;
const addDays = (date: string, days: number) =>
  new Date(Date.parse(`${date}T00:00:00Z`) + days * DAY_MS).toISOString().slice(0, 10);

/**
 * Training (or evaluation) rows from one customer's facts: one row per invoice and offset at
 * which the invoice was still unpaid. The features use only what was known at that moment —
 * payments made before it, messages sent before it, promises whose hold had ended — so a row
 * never sees its own future.
 */
export function trainingRows(facts: CustomerPaymentFacts, options: TrainingRowOptions): TrainingRow[] {
  const rows: TrainingRow[] = [];
  for (const invoice of facts.invoices) {
    if (invoice.dueDate < options.dueFrom || invoice.dueDate >= options.dueTo) continue;
    const deadline = addDays(invoice.dueDate, options.horizonDays);
    if (deadline > options.asOf) continue;
    const y = invoice.paidOn !== null && invoice.paidOn <= deadline ? 1 : 0;
    for (const offset of options.offsets) {
      const observed = addDays(invoice.dueDate, offset);
      if (invoice.paidOn !== null && invoice.paidOn < observed) continue;
      const at = `${observed}T00:00:00.000Z`;
      const input = inputAsOf(facts, invoice, offset, at, options.lastInvoices);
      rows.push({ x: riskColumns(input), y, dueDate: invoice.dueDate, customerRef: facts.customerRef });
    }
  }
  return rows;
}

function inputAsOf(
  facts: CustomerPaymentFacts,
  invoice: InvoiceFact,
  offset: number,
  at: string,
  lastInvoices: number,
): RiskInput {
  const day = at.slice(0, 10);
  const paid: PaidInvoiceFact[] = [];
  for (const other of facts.invoices) {
    if (other.paidOn !== null && other.paidOn < day) {
      paid.push({ externalId: other.externalId, dueDate: other.dueDate, paidOn: other.paidOn });
    }
  }
  const atMs = Date.parse(at);
  const history = facts.history.filter((entry) => Date.parse(entry.dueAt) < atMs);
  const { behaviour } = paymentHistoryOf(
    { paid, history, promises: facts.promises },
    { now: at, lastInvoices, windowDays: BEHAVIOUR_WINDOW_DAYS },
  );
  return {
    behaviour: behaviour ?? NO_BEHAVIOUR,
    amountMinor: invoice.amountMinor,
    daysOverdue: offset,
    remindersSent: remindersSentFor(facts.history, invoice.externalId, atMs),
    dueDate: invoice.dueDate,
  };
}
