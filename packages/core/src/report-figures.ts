/**
 * What a scheduled report (and the charts page) reads from the store for one period. Money is
 * integer minor units, always beside its currency: nothing here adds two currencies together.
 * Instants are ISO-8601 UTC; a period is [from, to).
 */

export interface ReportPeriod {
  from: string;
  to: string;
}

export type AgingBucket = "current" | "1-30" | "31-60" | "61-90" | "90+";
export const AGING_BUCKETS: readonly AgingBucket[] = ["current", "1-30", "31-60", "61-90", "90+"];

/** Messages that left in the period, by source, policy step and channel. */
export interface PeriodMessages {
  source: string;
  stepId: string;
  channel: string;
  /** "message" (a dunning step) or "lifecycle" (a payment confirmation and the like). */
  kind: string;
  /** Messages that reached the customer (sent, delivered or read) and left in the period. */
  sent: number;
  /** …of which the customer answered before the period ended. */
  replied: number;
  /** …after which the customer (or one of the customer's numbers) opted out before the period ended. */
  optedOut: number;
}

/** Those messages by the provider's pricing category (WhatsApp `pricing`, migration 0030). */
export interface PeriodPricing {
  source: string;
  stepId: string;
  channel: string;
  category: string;
  billable: boolean;
  messages: number;
}

/**
 * Money received in the period on invoices a dunning message reached before the payment,
 * credited to the step of the last such message (last touch).
 */
export interface PeriodRecovered {
  source: string;
  stepId: string;
  currency: string;
  invoices: number;
  amountMinor: number;
}

export interface PeriodFigures {
  period: ReportPeriod;
  messages: PeriodMessages[];
  pricing: PeriodPricing[];
  recovered: PeriodRecovered[];
}

/** Receivables as they stood at the end of one day (reconstructed from the payment allocations). */
export interface ReceivablesAt {
  /** YYYY-MM-DD: the state at the end of that day (UTC). */
  date: string;
  currency: string;
  buckets: { bucket: AgingBucket; invoices: number; openAmountMinor: number }[];
  openAmountMinor: number;
  /** Invoiced (issue date) in the `dsoDays` days up to `date`. */
  invoicedMinor: number;
  /** Days sales outstanding: open ÷ invoiced × dsoDays; null when nothing was invoiced. */
  dso: number | null;
}

/** How much of what one step's messages asked for was paid within d days (d = index). */
export interface RecoveryCurve {
  stepId: string;
  currency: string;
  /** Invoices the step's first message reached in the window. */
  invoices: number;
  /** Their open amount when the message left. */
  contactedMinor: number;
  /** Cumulative amount paid by the end of day d after the message (d = 0…days). */
  paidByDay: number[];
}

export interface LedgerQuery {
  /** Days (YYYY-MM-DD) to reconstruct receivables at. */
  dates: readonly string[];
  dsoDays: number;
  /** Messages that left in this period make the recovery curves. */
  curve: ReportPeriod & { days: number };
}

export interface LedgerFigures {
  receivables: ReceivablesAt[];
  curves: RecoveryCurve[];
}
