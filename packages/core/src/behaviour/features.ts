import type { ActionHistoryEntry, PaymentHistory } from "../actions.js";
import { LIFECYCLE_STEP_PREFIX } from "../policy/render.js";

/**
 * How a customer pays, from the store's own history: what the policy's `paymentHistory`
 * conditions and the payment-risk score read. Pure: the store hands over the facts (paid
 * invoices, the customer's actions, promises to pay) and `now`; docs/payment-behaviour.md.
 */
export interface PaymentBehaviour {
  /** Paid invoices the day-based features are over: the last `lastInvoices` by due date, in the window. */
  invoices: number;
  /** Mean days paid after the due date (an early or on-time payment counts 0); null with no invoices. */
  averageDaysLate: number | null;
  /** 90th percentile (nearest rank) of the same days late; null with no invoices. */
  p90DaysLate: number | null;
  /** Share paid before the due date; null with no invoices. */
  paidEarlyShare: number | null;
  /** Share paid on or after the day the first dunning message for the invoice went out; null with no invoices. */
  paidAfterReminderShare: number | null;
  /** Promises to pay (in the window) whose hold ended with no payment from the customer in between. */
  brokenPromises: number;
  /** Messages the customer replied to, in the window. */
  replies: number;
  /**
   * Seasonal pattern: mean days late (early counts 0) of the invoices due in each calendar month
   * (0 = January) over the last two years, null for a month with none. Absent when nothing was paid.
   */
  monthlyDaysLate?: readonly (number | null)[];
}

/** A paid invoice: its due date and the day the (last) payment landed, both YYYY-MM-DD. */
export interface PaidInvoiceFact {
  externalId: string;
  dueDate: string;
  paidOn: string;
}

/** A promise to pay: when it was made and when its hold ended (or ends), ISO instants. */
export interface PromiseFact {
  madeAt: string;
  until: string;
}

export interface BehaviourFacts {
  paid: readonly PaidInvoiceFact[];
  history: readonly ActionHistoryEntry[];
  promises: readonly PromiseFact[];
}

export interface BehaviourOptions {
  /** Instant the window ends at (the plan's now). */
  now: string;
  /** Day-based features are over the customer's last N paid invoices. */
  lastInvoices: number;
  /** Only facts in the days before `now` count. */
  windowDays: number;
}

export const DEFAULT_LAST_INVOICES = 12;
export const BEHAVIOUR_WINDOW_DAYS = 365;
/** The seasonal pattern looks further back: one year shows each month once. */
const SEASONAL_WINDOW_DAYS = 730;

const DAY_MS = 86_400_000;

export const NO_BEHAVIOUR: PaymentBehaviour = Object.freeze({
  invoices: 0,
  averageDaysLate: null,
  p90DaysLate: null,
  paidEarlyShare: null,
  paidAfterReminderShare: null,
  brokenPromises: 0,
  replies: 0,
});

/** Whole days from `dueDate` to `paidOn` (negative: paid early). */
export function daysLate(dueDate: string, paidOn: string): number {
  return Math.round((Date.parse(paidOn) - Date.parse(dueDate)) / DAY_MS);
}

/**
 * The 365-day payment stats (every paid invoice in the window) plus the behaviour features
 * (the last N of them, the customer's promises and replies). One pass over each list; the
 * lists are one customer's, so the sort for the last N and the percentile stays small.
 */
export function paymentHistoryOf(facts: BehaviourFacts, options: BehaviourOptions): PaymentHistory {
  const nowMs = Date.parse(options.now);
  const windowStartMs = nowMs - options.windowDays * DAY_MS;
  const windowStart = new Date(windowStartMs).toISOString().slice(0, 10);
  const inWindow: PaidInvoiceFact[] = [];
  let late = 0;
  let totalDaysLate = 0;
  for (const fact of facts.paid) {
    if (fact.paidOn < windowStart) continue;
    inWindow.push(fact);
    const days = daysLate(fact.dueDate, fact.paidOn);
    if (days > 0) {
      late++;
      totalDaysLate += days;
    }
  }
  const stats = {
    paidCount: inWindow.length,
    paidLateCount: late,
    averageDaysLate: inWindow.length === 0 ? 0 : totalDaysLate / inWindow.length,
  };
  const replies = countReplies(facts.history, windowStartMs, nowMs);
  const brokenPromises = countBrokenPromises(facts.promises, facts.paid, windowStartMs, nowMs);
  if (inWindow.length === 0 && replies === 0 && brokenPromises === 0)
    return { ...stats, behaviour: NO_BEHAVIOUR };
  const behaviour = dayFeatures(inWindow, facts.history, options.lastInvoices, brokenPromises, replies);
  if (behaviour.invoices > 0) behaviour.monthlyDaysLate = monthlyDaysLate(facts.paid, nowMs);
  return { ...stats, behaviour };
}

function monthlyDaysLate(paid: readonly PaidInvoiceFact[], nowMs: number): (number | null)[] {
  const start = new Date(nowMs - SEASONAL_WINDOW_DAYS * DAY_MS).toISOString().slice(0, 10);
  const sums = new Array<number>(12).fill(0);
  const counts = new Array<number>(12).fill(0);
  for (const fact of paid) {
    if (fact.paidOn < start) continue;
    const month = Number(fact.dueDate.slice(5, 7)) - 1;
    sums[month] = (sums[month] as number) + Math.max(0, daysLate(fact.dueDate, fact.paidOn));
    counts[month] = (counts[month] as number) + 1;
  }
  return sums.map((sum, month) => (counts[month] === 0 ? null : sum / (counts[month] as number)));
}

function dayFeatures(
  inWindow: PaidInvoiceFact[],
  history: readonly ActionHistoryEntry[],
  lastInvoices: number,
  brokenPromises: number,
  replies: number,
): PaymentBehaviour {
  if (inWindow.length === 0) return { ...NO_BEHAVIOUR, brokenPromises, replies };
  // Most recent due date first; the external id breaks ties so the choice is deterministic.
  inWindow.sort((a, b) =>
    a.dueDate !== b.dueDate ? (a.dueDate < b.dueDate ? 1 : -1) : a.externalId < b.externalId ? -1 : 1,
  );
  const last = inWindow.length > lastInvoices ? inWindow.slice(0, lastInvoices) : inWindow;
  const firstReminder = firstReminderDays(history, last);
  const lateDays: number[] = [];
  let early = 0;
  let afterReminder = 0;
  for (const fact of last) {
    const days = daysLate(fact.dueDate, fact.paidOn);
    lateDays.push(Math.max(0, days));
    if (days < 0) early++;
    const reminded = firstReminder?.get(fact.externalId);
    if (reminded !== undefined && reminded <= fact.paidOn) afterReminder++;
  }
  lateDays.sort((a, b) => a - b);
  let sum = 0;
  for (const days of lateDays) sum += days;
  const n = last.length;
  return {
    invoices: n,
    averageDaysLate: sum / n,
    p90DaysLate: lateDays[Math.ceil(0.9 * n) - 1] as number,
    paidEarlyShare: early / n,
    paidAfterReminderShare: afterReminder / n,
    brokenPromises,
    replies,
  };
}

/** Per paid invoice, the day (YYYY-MM-DD) the first dunning message naming it went out. */
function firstReminderDays(
  history: readonly ActionHistoryEntry[],
  paid: readonly PaidInvoiceFact[],
): Map<string, string> | null {
  let first: Map<string, string> | null = null;
  if (history.length === 0) return first;
  const wanted = new Set(paid.map((fact) => fact.externalId));
  for (const entry of history) {
    // Lifecycle messages (a payment confirmation) follow a payment; they are not reminders.
    if (entry.sentAt === null || entry.stepId.startsWith(LIFECYCLE_STEP_PREFIX)) continue;
    const day = entry.sentAt.slice(0, 10);
    for (const ref of entry.invoiceRefs) {
      if (!wanted.has(ref)) continue;
      first ??= new Map();
      const known = first.get(ref);
      if (known === undefined || day < known) first.set(ref, day);
    }
  }
  return first;
}

function countReplies(history: readonly ActionHistoryEntry[], fromMs: number, toMs: number): number {
  let replies = 0;
  for (const entry of history) {
    if (entry.repliedAt === null) continue;
    const at = Date.parse(entry.repliedAt);
    if (at >= fromMs && at <= toMs) replies++;
  }
  return replies;
}

/**
 * A promise is broken when its hold is over and no invoice of the customer was paid between
 * the day it was made and the day the hold ended. A hold still running is neither.
 */
function countBrokenPromises(
  promises: readonly PromiseFact[],
  paid: readonly PaidInvoiceFact[],
  fromMs: number,
  toMs: number,
): number {
  let broken = 0;
  for (const promise of promises) {
    const madeMs = Date.parse(promise.madeAt);
    const untilMs = Date.parse(promise.until);
    if (madeMs < fromMs || untilMs > toMs) continue;
    const from = promise.madeAt.slice(0, 10);
    const to = promise.until.slice(0, 10);
    if (!paid.some((fact) => fact.paidOn >= from && fact.paidOn <= to)) broken++;
  }
  return broken;
}
