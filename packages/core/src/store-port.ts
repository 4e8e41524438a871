import type {
  ActionHistoryEntry,
  ActionKind,
  ActionRow,
  ActionStatus,
  CustomerSnapshot,
  PlannedAction,
  UnknownResolution,
} from "./actions.js";
import type { AlertStore } from "./alert-state.js";
import type { ChannelAccountStore } from "./channel-account-port.js";
import type { EntityName, KeyValueState, RecordReject } from "./contracts.js";
import type { CollectionActivity, Customer, Invoice, InvoiceState, Payment } from "./model.js";
import type { LedgerFigures, LedgerQuery, PeriodFigures, ReportPeriod } from "./report-figures.js";
import type { CustomerPaymentFacts, RiskModel } from "./risk/index.js";

/**
 * The store as the engine needs it. @regua/store implements it over SQLite and PostgreSQL;
 * both run one shared test suite. All instants are ISO-8601 UTC strings.
 */
export interface DunningStore {
  /** Runs pending migrations; safe to call on every start and from several processes. */
  migrate(): Promise<void>;
  close(): Promise<void>;

  /* ---- sync ---- */
  getCursor(source: string, entity: EntityName): Promise<string | null>;
  /**
   * Upserts one page (unique on source + externalId) and advances the cursor in ONE
   * transaction: a crash leaves either the whole page with its cursor, or neither. Newest wins:
   * a record older than the stored copy is not applied (CommitResult).
   */
  commitPage(page: SyncPage): Promise<CommitResult>;
  recordSyncRun(run: SyncRun): Promise<void>;

  getCustomer(source: string, externalId: string): Promise<Customer | null>;
  getInvoice(source: string, externalId: string): Promise<Invoice | null>;
  /** Several records of one source in one read: those the store has, in no particular order. */
  getCustomers(source: string, externalIds: readonly string[]): Promise<Customer[]>;
  getInvoices(source: string, externalIds: readonly string[]): Promise<Invoice[]>;
  /**
   * Upserts one invoice (after a fresh getInvoice); no cursor change; newest wins as in
   * commitPage. `change` is its status change, null when it was not stored before, its state did
   * not change or it was not applied (the store holds a newer copy: `applied` false).
   */
  upsertInvoice(invoice: Invoice, at: string): Promise<InvoiceUpsert>;
  /**
   * Marks records deleted in the ERP (soft: `deletedAt`, kept for history; a record listed again
   * comes back). Returns the invoices' changes to "deleted".
   */
  markDeleted(deletion: {
    source: string;
    entity: EntityName;
    externalIds: readonly string[];
    at: string;
  }): Promise<InvoiceStatusChange[]>;
  /**
   * The full-reconcile diff: after a complete full listing of (source, entity), marks deleted
   * every live record last synced before `passStartedAt` (so not seen in the pass), except
   * `keep` (records the pass quarantined: present in the ERP, only malformed).
   */
  markUnseenDeleted(reconcile: {
    source: string;
    entity: EntityName;
    passStartedAt: string;
    keep: readonly string[];
    at: string;
  }): Promise<{ deleted: number; changes: InvoiceStatusChange[] }>;
  /** Quarantined records, newest first (what `regua report` and the admin API show). */
  listQuarantine(options?: { source?: string; limit?: number }): Promise<QuarantinedRecord[]>;
  findCustomersByPhone(phone: string): Promise<Customer[]>;

  /**
   * Customers with at least one unpaid, non-void invoice, in batches, ordered by
   * (source, externalId), for the planner. Streams: never loads the whole table.
   */
  snapshots(options: SnapshotOptions): AsyncIterable<CustomerSnapshot[]>;
  /**
   * Starts a plan. Every write that can change a customer's plan (invoices, payments, customer
   * records, opt-outs, pauses, replies, actions failing or skipped) marks the customer as changed
   * in the same transaction; this takes the current marks (and pauses that ended since the last
   * plan) for this plan. Incremental when `full` is false and the last finished plan had the same
   * epoch: then `snapshots({ changedOnly: true })` streams just the marked customers.
   */
  beginPlan(options: { epoch: string; now: string; full: boolean }): Promise<{ incremental: boolean }>;
  /** Clears the marks beginPlan took (not those made since) and records the epoch. */
  finishPlan(options: { epoch: string; at: string }): Promise<void>;
  /**
   * Pauses dunning for a customer until an instant (a pause step, a promise to pay, an
   * operator); `until: null` lifts it. Snapshots report it as `pausedUntil`.
   */
  setPause(pause: {
    source: string;
    customerRef: string;
    until: string | null;
    reason: string;
    at: string;
    /** What set it; default "policy". An "awaiting_payment" pause lasts until released. */
    kind?: PauseKind;
  }): Promise<void>;
  /** The customer's pause, lifted or not; null when none was ever set. */
  getPause(source: string, customerRef: string): Promise<PauseRow | null>;

  /* ---- phone numbers a channel could not deliver to ---- */
  /**
   * Flags a number a channel reported undeliverable (WhatsApp 131026): the planner skips it
   * with a trace, and the report lists it, until the flag is cleared (the customer writes from
   * it, or an operator clears it) or the customer's number changes.
   */
  flagPhone(flag: PhoneFlag): Promise<void>;
  /** Returns false when the number was not flagged. */
  clearPhoneFlag(phone: string): Promise<boolean>;
  /** The flags among these numbers. */
  phoneFlags(phones: readonly string[]): Promise<PhoneFlag[]>;

  /** What a provider said a message costs (pricing + conversation of its status webhooks). */
  recordMessageCost(cost: MessageCost): Promise<void>;

  /**
   * Reserves `count` consecutive send slots of a rate every process on this store shares (a
   * channel's tier, across runners): one atomic statement keeps the schedule (GCRA, bursts up to
   * `burst`). The first slot may be used at `firstMs` (epoch ms), the others 1000/perSecond ms
   * apart. Slots are never handed out twice.
   */
  reserveRate(options: {
    key: string;
    perSecond: number;
    burst: number;
    count: number;
    nowMs: number;
  }): Promise<{ firstMs: number }>;

  /* ---- action outbox ---- */
  /** Inserts actions whose key is new; returns how many were new. */
  insertActions(actions: readonly PlannedAction[], at: string): Promise<number>;
  /**
   * Atomically moves up to `limit` planned actions with dueAt <= now to `claimed` for this
   * worker until now + leaseMs. On PostgreSQL: FOR UPDATE SKIP LOCKED, so two runners never
   * claim the same row.
   */
  claimDueActions(options: {
    now: string;
    limit: number;
    workerId: string;
    leaseMs: number;
  }): Promise<ActionRow[]>;
  /**
   * Compare-and-set: moves `key` to `to` only if its status is one of `from`. Returns false
   * when another worker or an event moved it first.
   */
  transitionAction(
    key: string,
    from: readonly ActionStatus[],
    to: ActionStatus,
    patch: ActionPatch,
  ): Promise<boolean>;
  /**
   * The same compare-and-set on several rows at once (one statement where the store can), each
   * row on its own: returns the keys it moved.
   */
  transitionActions(
    keys: readonly string[],
    from: readonly ActionStatus[],
    to: ActionStatus,
    patch: ActionPatch,
  ): Promise<string[]>;
  /**
   * The transactional outbox: the compare-and-set of `transitionAction`, and only when it
   * moved the row, the activities to write back (once per key) and the audit entries, all in
   * ONE transaction. A crash leaves the outcome with its activity and audit, or none of them.
   */
  commitOutcome(outcome: ActionOutcome): Promise<boolean>;
  /**
   * Group commit (issue 10): `commitOutcome` for each outcome, in order, all in ONE transaction;
   * each answered on its own (the i-th boolean is whether the i-th outcome moved its row). All or
   * nothing: when any write of any outcome fails, the whole group rolls back and the error is
   * thrown, so nothing of any of them was written; the caller decides what each outcome's answer
   * is then (the engine commits them again one by one). An empty list is a no-op.
   */
  commitOutcomes(outcomes: readonly ActionOutcome[]): Promise<boolean[]>;
  getAction(key: string): Promise<ActionRow | null>;
  findActionByProviderMessageId(providerMessageId: string): Promise<ActionRow | null>;
  /** Skips every planned/claimed action of a customer (or only those naming one invoice). */
  skipOpenActions(options: {
    source: string;
    customerRef: string;
    invoiceRef?: string;
    reason: string;
    at: string;
  }): Promise<number>;
  /**
   * After a crash: `claimed` rows whose lease expired go back to `planned`; `sending` rows
   * whose lease expired become `unknown` (never resent blindly).
   */
  recoverExpiredLeases(now: string): Promise<{ released: number; unknown: number }>;
  /**
   * The same recovery without waiting for the lease, for claims of workers known to be dead
   * (a restarted runner's own predecessor): their claimed actions go back to `planned`, their
   * `sending` rows to `unknown`, their claimed activities back to `pending`.
   */
  recoverClaimsOf(options: { workerIds: readonly string[]; now: string }): Promise<{
    released: number;
    unknown: number;
  }>;
  /** Distinct workers holding a claim (claimed/sending actions, claimed activities). */
  claimHolders(): Promise<string[]>;
  listActions(options: {
    status?: ActionStatus[];
    source?: string;
    customerRef?: string;
    /** Only actions sent through this channel instance. */
    channel?: string;
    /** Only actions sent at or after this instant, newest send first (status polling). */
    sentSince?: string;
    limit?: number;
  }): Promise<ActionRow[]>;
  /** The history the planner uses, for one customer. */
  actionHistory(source: string, customerRef: string): Promise<ActionHistoryEntry[]>;
  markReplied(key: string, at: string): Promise<void>;

  /* ---- activity outbox (write-back) ---- */
  /** Enqueues once per activity key; returns false when the key was already there. */
  enqueueActivity(activity: CollectionActivity, at: string): Promise<boolean>;
  claimActivities(options: {
    now: string;
    limit: number;
    workerId: string;
    leaseMs: number;
  }): Promise<ActivityRow[]>;
  completeActivity(key: string, result: { externalId: string; at: string }): Promise<void>;
  /** Records a failed attempt: back to pending at nextAttemptAt, or dead when dead is true. */
  failActivity(
    key: string,
    failure: { error: string; at: string; nextAttemptAt: string; dead: boolean },
  ): Promise<void>;
  listActivities(options: { status?: ActivityStatus[]; limit?: number }): Promise<ActivityRow[]>;

  /* ---- events, opt-outs, audit ---- */
  /** Stores a webhook event once; false when this provider event id was seen before. */
  recordInboundEvent(event: {
    provider: string;
    eventId: string;
    payload: unknown;
    receivedAt: string;
  }): Promise<boolean>;
  setOptOut(optOut: {
    phone: string | null;
    source: string | null;
    customerRef: string | null;
    reason: string;
    at: string;
  }): Promise<void>;
  isOptedOut(query: { phone?: string; source?: string; customerRef?: string }): Promise<boolean>;
  /**
   * Of these phones and records, the ones an opt-out names, in one read (a claimed batch). The
   * record's own consent field is the customer's, read with it.
   */
  optedOut(query: {
    phones: readonly string[];
    customers: readonly { source: string; customerRef: string }[];
  }): Promise<{ phones: string[]; customers: { source: string; customerRef: string }[] }>;
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(options?: { limit?: number; subject?: string }): Promise<AuditEntry[]>;

  /* ---- webhook queue (see WebhookQueue below) ---- */
  /**
   * Stores one verified, parsed webhook delivery (raw body and events) in one transaction. The
   * store may split the events into several queued batches, claimed one at a time.
   */
  enqueueWebhook(batch: NewWebhookBatch): Promise<number>;
  /**
   * The oldest batch with events left to apply whose lease is free, leased to this worker until
   * `leaseUntil`; null when the queue is empty. Two workers never hold the same batch.
   */
  claimWebhookBatch(options: {
    workerId: string;
    now: string;
    leaseUntil: string;
  }): Promise<QueuedWebhook | null>;
  /** Records that the first `applied` events are done (all of them when `done`); renews the lease. */
  advanceWebhookBatch(
    id: number,
    progress: { workerId: string; applied: number; done: boolean; at: string; leaseUntil: string },
  ): Promise<void>;
  /** Events stored but not applied yet, for the backlog gauge. */
  webhookBacklog(): Promise<number>;
  /**
   * Retention: deletes applied batches (their raw bodies) and dedupe records received before
   * `before`. Audit entries, activities and opt-outs derived from them are kept.
   */
  purgeWebhookHistory(before: string): Promise<{ batches: number; events: number }>;

  /* ---- reporting ---- */
  report(now: string): Promise<StoreReport>;
  /** Messages, their pricing and the money recovered after them, for one period (docs/reports.md). */
  periodFigures(period: ReportPeriod): Promise<PeriodFigures>;
  /** Receivables (aging, DSO) at given days and the recovery curve after each step. */
  ledgerFigures(query: LedgerQuery): Promise<LedgerFigures>;

  /** Durable per-plugin state (namespace = instance id). */
  state(namespace: string): KeyValueState;
  /** Alert episodes (the runner's alerting); @regua/store implements it, test doubles may not. */
  readonly alerts?: AlertStore;
  /** Template statuses, quality and suspension per channel; @regua/store implements it, test doubles may not. */
  readonly channelAccounts?: ChannelAccountStore;
  /** Payment-risk models and the facts they are trained on; @regua/store implements it. */
  readonly risk?: RiskStore;
}

/** The payment-risk model's persistence (migration 0280) and its training facts. */
export interface RiskStore {
  /** Stores a trained model; returns its id (ids grow, the latest is used). */
  saveModel(model: RiskModel, at: string): Promise<number>;
  latestModel(): Promise<StoredRiskModel | null>;
  /**
   * Every customer's invoices (paid or not, never void or deleted) with their payment days,
   * action history and promises to pay, in keyset batches of customers.
   */
  paymentFacts(options?: { batchSize?: number; source?: string }): AsyncIterable<CustomerPaymentFacts[]>;
}

export interface StoredRiskModel {
  id: number;
  model: RiskModel;
  createdAt: string;
}

/** Who paused a customer: a pause step, an operator, a promise to pay, an "I already paid". */
export type PauseKind = "policy" | "operator" | "promise_to_pay" | "awaiting_payment";

export interface PauseRow {
  source: string;
  customerRef: string;
  /** null: lifted. */
  until: string | null;
  reason: string;
  kind: PauseKind;
  at: string;
}

export interface PhoneFlag {
  /** E.164 */
  phone: string;
  /** The channel instance that reported it. */
  channel: string;
  /** The provider's code ("131026"). */
  code: string;
  reason: string;
  at: string;
}

/** One message's cost facts, by provider message id (the latest status that carried them wins). */
export interface MessageCost {
  providerMessageId: string;
  actionKey: string | null;
  channel: string;
  billable: boolean;
  /** The provider's pricing category: "utility", "marketing", "service", … */
  category: string;
  /** "PMP" (per message) or "CBP" (per conversation), as the provider says. */
  pricingModel: string | null;
  conversationId: string | null;
  conversationOrigin: string | null;
  conversationExpiresAt: string | null;
  at: string;
}

export interface SyncPage {
  source: string;
  entity: EntityName;
  customers?: readonly Customer[];
  invoices?: readonly Invoice[];
  payments?: readonly Payment[];
  /** Records of this page that failed the core schema: stored in the page's transaction. */
  quarantined?: readonly QuarantinedRecord[];
  /** Cursor to store after this page commits. */
  cursor: string | null;
  at: string;
}

export interface SnapshotOptions {
  batchSize?: number;
  source?: string;
  /** The caller's "now": the 365-day payment-history window and active pauses are relative to it. */
  now: string;
  /** Only the customers marked as changed and taken by beginPlan (an incremental plan). */
  changedOnly?: boolean;
  /** The behaviour features are over each customer's last N paid invoices (default 12). */
  lastInvoices?: number;
}

/**
 * What a commit did. Newest wins (`isOlderCopy` in the model): a record older than the stored
 * copy, by the ERP's `updatedAt`, is not applied. It changes nothing (no status change, no phones
 * or allocations replaced, no re-plan mark) except that the sync saw it (the full-reconcile diff
 * does not take it for deleted); the cursor still advances with the page.
 */
export interface CommitResult {
  /** Records of this page stored: new ones, and copies not older than the stored ones. */
  upserted: number;
  /** Records of this page not applied: the store holds a newer copy of each. */
  stale: number;
  /**
   * Invoices of this page that were stored before in another state and were applied: computed
   * inside the page's transaction, so lifecycle messages fire from facts with no extra reads.
   */
  changes: InvoiceStatusChange[];
}

export interface InvoiceUpsert {
  /** False when the store holds a newer copy of the invoice, which it kept. */
  applied: boolean;
  change: InvoiceStatusChange | null;
}

/** One invoice moving from one state to another (open → paid, open → cancelled, … → deleted). */
export interface InvoiceStatusChange {
  externalId: string;
  customerRef: string;
  previous: InvoiceState;
  current: InvoiceState;
  /** For a renegotiation: the invoices or installments that replace this one (may be empty). */
  replacedBy: string[];
}

/** A record a connector yielded that the core schema refused: kept, named, never dropped. */
export interface QuarantinedRecord {
  source: string;
  entity: EntityName;
  /** The ERP key, when the record had a readable one. */
  externalId: string | null;
  /** Every zod issue: dotted path and message. */
  issues: { path: string; message: string }[];
  /** One line naming source, record and fields (core's fromZodError). */
  error: string;
  raw: unknown;
  at: string;
}

export interface SyncRun {
  source: string;
  entity: EntityName;
  startedAt: string;
  finishedAt: string;
  records: number;
  rejects: readonly RecordReject[];
  error: string | null;
}

/** See DunningStore.commitOutcome. */
export interface ActionOutcome {
  key: string;
  from: readonly ActionStatus[];
  to: ActionStatus;
  patch: ActionPatch;
  activities?: readonly CollectionActivity[];
  audit?: readonly AuditEntry[];
}

export interface ActionPatch {
  /** How an `unknown` row was settled (kept after it leaves `unknown`, for the report). */
  reconciled?: UnknownResolution | null;
  providerMessageId?: string;
  statusReason?: string;
  sentAt?: string;
  at: string;
  /** Extends the worker's lease (claimed/sending rows); null clears it. */
  claimedUntil?: string | null;
  /** Reschedules (a retryable send failure goes back to planned later). */
  dueAt?: string;
  /** Counts one more send attempt. */
  incrementAttempts?: boolean;
  /**
   * Moves the row only while this worker holds its claim: `claimed_by` is this worker id and
   * the lease has not run out at `at` (checked in the same statement as the status).
   */
  leaseHolder?: string;
}

export type ActivityStatus = "pending" | "claimed" | "written" | "dead";

export interface ActivityRow {
  key: string;
  activity: CollectionActivity;
  status: ActivityStatus;
  attempts: number;
  nextAttemptAt: string;
  lastError: string | null;
  externalId: string | null;
  updatedAt: string;
}

export interface AuditEntry {
  at: string;
  /** Who: "engine", "webhook:whatsapp/wa", "cli:alice", a worker id. */
  actor: string;
  /** What: "action.sent", "optout", "sync.reject", … */
  action: string;
  /** Which record: an action key, "source/customerRef", … */
  subject: string;
  /** Why, and anything else worth keeping; never a secret. */
  detail: Record<string, unknown>;
}

export interface StoreReport {
  /** Open amount by days past due: current, 1-30, 31-60, 61-90, 90+; per currency. */
  aging: {
    bucket: "current" | "1-30" | "31-60" | "61-90" | "90+";
    currency: string;
    invoices: number;
    openAmountMinor: number;
  }[];
  /** Outbox actions by kind and status (escalations and pauses are not messages). */
  actionsByStatus: { kind: ActionKind; status: ActionStatus; count: number }[];
  /**
   * Invoices now paid for which at least one dunning message (kind "message") reached the
   * customer; payment confirmations, sent after the payment, do not count.
   */
  recoveredAfterContact: { currency: string; invoices: number; amountMinor: number }[];
  activitiesByStatus: { status: ActivityStatus; count: number }[];
  /** Messages by the provider's pricing category (what a cost report is built from). */
  messagesByPricing: { channel: string; category: string; billable: boolean; count: number }[];
  /** Numbers a channel reported undeliverable, newest first: the operator's to-do list. */
  flaggedPhones: PhoneFlag[];
  /**
   * Ambiguous sends and how they were settled: "waiting" (unknown, inside its quiet period),
   * "status" / "lookup" (the provider had it), "resent" (no trace of it: sent once more),
   * "held" (left for an operator).
   */
  unknowns: { resolution: UnknownResolution | "waiting"; count: number }[];
  sync: {
    source: string;
    entity: EntityName;
    lastFinishedAt: string | null;
    lastError: string | null;
    records: number;
    rejects: number;
  }[];
  /** Quarantined records by source and entity (schema failures kept for an operator). */
  quarantine: { source: string; entity: EntityName; records: number; lastAt: string }[];
}

export interface NewWebhookBatch {
  kind: "channel" | "erp";
  /** The channel or source instance id. */
  plugin: string;
  /** Our clock when the request arrived (the vendor's own times stay inside the events). */
  receivedAt: string;
  /** The body exactly as received (UTF-8), kept for audit until retention removes it. */
  rawBody: string;
  events: readonly unknown[];
}

export interface QueuedWebhook {
  id: number;
  kind: "channel" | "erp";
  plugin: string;
  receivedAt: string;
  events: unknown[];
  /** How many of `events` (from the start) were already applied. */
  applied: number;
}
