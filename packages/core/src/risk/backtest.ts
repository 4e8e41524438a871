import type { ActionHistoryEntry, CustomerSnapshot, PlannedAction, SnapshotInvoice } from "../actions.js";
import { BEHAVIOUR_WINDOW_DAYS, type PaidInvoiceFact, paymentHistoryOf } from "../behaviour/features.js";
import type { Customer } from "../model.js";
import { epochDay, isoDateOfDay, zonedInstant } from "../planner/calendar.js";
import { compilePolicy } from "../planner/compile.js";
import { plan } from "../planner/plan.js";
import type { Policy } from "../policy/schema.js";
import type { CustomerPaymentFacts, InvoiceFact } from "./features.js";
import type { RiskModel } from "./model.js";

/**
 * `regua simulate --backtest`: replays a policy over the store's history, day by day, with the
 * invoices as they really were on each day (open until the day they were paid) and the
 * customers' behaviour as known that day. Payments are history, not a model of how customers
 * would answer a different régua: so the figures compare what each policy would have sent and
 * what it would have cost, and how much of what came in came in after one of its messages —
 * not a causal uplift. docs/payment-behaviour.md
 */
export interface BacktestOptions {
  /** First and last local day replayed (YYYY-MM-DD). */
  from: string;
  to: string;
  riskModel: RiskModel | null;
  /** A payment within this many days of the invoice's first message counts as recovered after contact. */
  attributionDays: number;
  /** Invoices enter the régua this many days before their due date (issue dates are not kept). */
  visibleDaysBeforeDue?: number;
}

export interface BacktestResult {
  days: number;
  messages: number;
  escalations: number;
  /** Invoices that got at least one message. */
  contactedInvoices: number;
  /** Paid within attributionDays of the invoice's first message, in minor units of the policy currency. */
  recoveredMinor: number;
  recoveredInvoices: number;
  /** Paid in the period with no message from this policy before it. */
  paidWithoutContactMinor: number;
}

export interface BacktestCustomer {
  customer: Customer;
  facts: CustomerPaymentFacts;
}

const DAY_MS = 86_400_000;

export function backtest(
  policy: Policy,
  customers: readonly BacktestCustomer[],
  options: BacktestOptions,
): BacktestResult {
  const { calendar } = compilePolicy(policy);
  const visible = options.visibleDaysBeforeDue ?? 30;
  const history = new Map<string, ActionHistoryEntry[]>();
  const firstContact = new Map<string, string>();
  const result: BacktestResult = {
    days: 0,
    messages: 0,
    escalations: 0,
    contactedInvoices: 0,
    recoveredMinor: 0,
    recoveredInvoices: 0,
    paidWithoutContactMinor: 0,
  };
  for (let day = epochDay(options.from); day <= epochDay(options.to); day++) {
    const date = isoDateOfDay(day);
    const window = calendar.holidayName(day) ? null : calendar.window(day);
    const at = new Date(zonedInstant(day, window?.start ?? 12 * 60, policy.timezone));
    const snapshots: CustomerSnapshot[] = [];
    for (const entry of customers) {
      const snapshot = snapshotOn(entry, date, at, visible, history, policy);
      if (snapshot) snapshots.push(snapshot);
    }
    const planned = plan(policy, snapshots, at, { riskModel: options.riskModel });
    for (const action of planned.actions) record(action, date, history, firstContact, result);
    result.days++;
  }
  settle(customers, options, firstContact, result);
  return result;
}

function snapshotOn(
  entry: BacktestCustomer,
  date: string,
  at: Date,
  visibleDays: number,
  history: Map<string, ActionHistoryEntry[]>,
  policy: Policy,
): CustomerSnapshot | null {
  const { currency } = policy;
  const { lastInvoices } = policy.paymentBehaviour;
  const { customer, facts } = entry;
  const open: SnapshotInvoice[] = [];
  const paid: PaidInvoiceFact[] = [];
  for (const invoice of facts.invoices) {
    if (invoice.paidOn !== null && invoice.paidOn < date) {
      paid.push({ externalId: invoice.externalId, dueDate: invoice.dueDate, paidOn: invoice.paidOn });
    } else if (Date.parse(invoice.dueDate) - visibleDays * DAY_MS <= at.getTime()) {
      open.push(openInvoice(customer, invoice, currency));
    }
  }
  if (open.length === 0) return null;
  const past = history.get(`${customer.source}\u0000${customer.externalId}`) ?? [];
  return {
    customer,
    invoices: open,
    history: past,
    payments: paymentHistoryOf(
      { paid, history: past, promises: facts.promises },
      { now: at.toISOString(), lastInvoices, windowDays: BEHAVIOUR_WINDOW_DAYS },
    ),
    optedOut: false,
    pausedUntil: null,
  };
}

function openInvoice(customer: Customer, invoice: InvoiceFact, currency: string): SnapshotInvoice {
  const amount = { amountMinor: invoice.amountMinor, currency };
  return {
    source: customer.source,
    externalId: invoice.externalId,
    customerRef: customer.externalId,
    number: invoice.externalId,
    dueDate: invoice.dueDate,
    total: amount,
    openAmount: amount,
    status: "open",
  };
}

function record(
  action: PlannedAction,
  date: string,
  history: Map<string, ActionHistoryEntry[]>,
  firstContact: Map<string, string>,
  result: BacktestResult,
): void {
  const customerKey = `${action.source}\u0000${action.customerRef}`;
  const past = history.get(customerKey) ?? [];
  past.push({
    key: action.key,
    stepId: action.stepId,
    invoiceRefs: action.invoiceRefs,
    status: "sent",
    dueAt: action.dueAt,
    sentAt: action.kind === "message" ? action.dueAt : null,
    repliedAt: null,
  });
  history.set(customerKey, past);
  if (action.kind === "escalate") result.escalations++;
  if (action.kind !== "message") return;
  result.messages++;
  for (const ref of action.invoiceRefs) {
    const key = `${action.source}\u0000${action.customerRef}\u0000${ref}`;
    if (!firstContact.has(key)) firstContact.set(key, date);
  }
}

function settle(
  customers: readonly BacktestCustomer[],
  options: BacktestOptions,
  firstContact: Map<string, string>,
  result: BacktestResult,
): void {
  result.contactedInvoices = firstContact.size;
  for (const { customer, facts } of customers) {
    for (const invoice of facts.invoices) {
      if (invoice.paidOn === null || invoice.paidOn < options.from || invoice.paidOn > options.to) continue;
      const contacted = firstContact.get(
        `${customer.source}\u0000${customer.externalId}\u0000${invoice.externalId}`,
      );
      if (contacted === undefined || contacted > invoice.paidOn) {
        result.paidWithoutContactMinor += invoice.amountMinor;
        continue;
      }
      const days = (Date.parse(invoice.paidOn) - Date.parse(contacted)) / DAY_MS;
      if (days <= options.attributionDays) {
        result.recoveredMinor += invoice.amountMinor;
        result.recoveredInvoices++;
      }
    }
  }
}
