import type { PaymentBehaviour } from "./behaviour/features.js";
import type { Customer, Invoice } from "./model.js";

/** One line of an action's "why": which rule fired, which were skipped and why. */
export interface TraceEntry {
  rule: string;
  outcome: "fired" | "skipped";
  reason: string;
}

/** message: a dunning step sent to the customer; lifecycle: payment confirmation and the like. */
export const ACTION_KINDS = ["message", "escalate", "pause", "lifecycle"] as const;
export type ActionKind = (typeof ACTION_KINDS)[number];

/**
 * What the planner decides. `key` is the idempotency key: the same snapshot, policy and
 * day give the same keys, and the outbox stores each key once.
 */
export interface PlannedAction {
  key: string;
  source: string;
  customerRef: string;
  invoiceRefs: string[];
  stepId: string;
  kind: ActionKind;
  /** Channel instance id from config (for messages). */
  channel: string | null;
  /** Template name (for messages). */
  template: string | null;
  /** Earliest instant to send (inside the policy's window), ISO-8601 UTC. */
  dueAt: string;
  /** After this instant the action is stale and is skipped instead of sent. */
  expiresAt: string | null;
  /** Escalation target, variables mapping and anything the dispatcher needs. */
  payload: Record<string, unknown>;
  trace: TraceEntry[];
}

/** An action's life: planned → claimed → sending → sent → delivered → read, or failed/skipped/unknown. */
export const ACTION_STATUSES = [
  "planned",
  "claimed",
  "sending",
  "sent",
  "delivered",
  "read",
  "failed",
  "skipped",
  "unknown",
] as const;

export type ActionStatus = (typeof ACTION_STATUSES)[number];

export interface ActionRow extends PlannedAction {
  status: ActionStatus;
  attempts: number;
  claimedBy: string | null;
  claimedUntil: string | null;
  providerMessageId: string | null;
  /** Provider code + text for failed, the reason for skipped. */
  statusReason: string | null;
  createdAt: string;
  updatedAt: string;
  sentAt: string | null;
  /**
   * How an ambiguous send (`unknown`) was settled: by a status webhook, a channel lookup, a
   * resend after the quiet period, or held for an operator. Null for actions never unknown.
   */
  reconciled?: UnknownResolution | null;
}

/** How an `unknown` action was settled; see docs/delivery-guarantees.md. */
export type UnknownResolution = "status" | "lookup" | "resent" | "held";

/** A past action as the planner sees it (for caps, "no reply to earlier steps", catch-up). */
export interface ActionHistoryEntry {
  key: string;
  stepId: string;
  invoiceRefs: string[];
  status: ActionStatus;
  dueAt: string;
  sentAt: string | null;
  repliedAt: string | null;
}

export interface PaymentHistory {
  /** Invoices paid in the last 365 days. */
  paidCount: number;
  /** Of those, paid after the due date. */
  paidLateCount: number;
  /** Mean days late over paid invoices, 0 when none. */
  averageDaysLate: number;
  /**
   * The behaviour features over the last N paid invoices, promises and replies
   * (behaviour/features.ts). Absent from stores that do not compute them: read as no history.
   */
  behaviour?: PaymentBehaviour;
}

/**
 * What the planner reads of an invoice. A store may hand over whole records, but only these
 * fields are needed: @regua/store reads them from columns instead of parsing each record's JSON
 * (a full plan reads ~1M invoices; docs/performance.md).
 */
export type SnapshotInvoice = Pick<
  Invoice,
  "source" | "externalId" | "customerRef" | "number" | "dueDate" | "total" | "openAmount" | "status"
> &
  Partial<Pick<Invoice, "installments" | "deletedAt">>;

/** Everything the planner knows about one customer. Built by the store, no raw payloads needed. */
export interface CustomerSnapshot {
  customer: Customer;
  /** Invoices that are not paid or void. */
  invoices: SnapshotInvoice[];
  history: ActionHistoryEntry[];
  payments: PaymentHistory;
  /** Opted out by phone or by record (the store merges both). */
  optedOut: boolean;
  /** A dunning pause set by an operator or a promise-to-pay, until this instant. */
  pausedUntil: string | null;
  /**
   * When the customer's last pause ended, if it is over (absent or null: none). A pause is not
   * downtime: the catch-up limit counts a step's lateness from this instant, not from its day.
   */
  pauseEndedAt?: string | null;
  /** The customer's numbers a channel reported undeliverable (the planner skips them). */
  undeliverablePhones?: readonly string[];
}
