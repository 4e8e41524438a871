import type BetterSqlite3 from "better-sqlite3";
import type { Generated, Kysely } from "kysely";

/**
 * The tables as Kysely sees them. Column names are snake_case; instants are ISO-8601 UTC
 * strings as produced by `Date.prototype.toISOString()` (so text order is time order), calendar
 * dates are YYYY-MM-DD, money is integer minor units (BIGINT on PostgreSQL, read back as number).
 * Canonical records are kept whole as JSON text in `record` and parsed through @regua/core's
 * schemas when read; the other columns exist to be queried.
 */
export interface Database {
  customers: CustomersTable;
  customer_phones: CustomerPhonesTable;
  invoices: InvoicesTable;
  payments: PaymentsTable;
  payment_allocations: PaymentAllocationsTable;
  sync_cursors: SyncCursorsTable;
  sync_runs: SyncRunsTable;
  actions: ActionsTable;
  action_traces: ActionTracesTable;
  activities: ActivitiesTable;
  inbound_events: InboundEventsTable;
  opt_outs: OptOutsTable;
  pauses: PausesTable;
  phone_flags: PhoneFlagsTable;
  message_costs: MessageCostsTable;
  audit_log: AuditLogTable;
  kv_state: KvStateTable;
  plan_changes: PlanChangesTable;
  plan_state: PlanStateTable;
  rate_limits: RateLimitsTable;
  webhook_queue: WebhookQueueTable;
  quarantine: QuarantineTable;
  conversations: ConversationsTable;
  conversation_messages: ConversationMessagesTable;
  conversation_changes: ConversationChangesTable;
  alerts: AlertsTable;
  channel_templates: ChannelTemplatesTable;
  channel_states: ChannelStatesTable;
  risk_models: RiskModelsTable;
  operators: OperatorsTable;
  operator_sessions: OperatorSessionsTable;
  conversation_assignments: ConversationAssignmentsTable;
}

/** 0280: trained payment-risk models (risk-models.ts). */
export interface RiskModelsTable {
  id: Generated<number>;
  created_at: string;
  horizon_days: number;
  /** The RiskModel as JSON: columns, standardisation, intercept and coefficients. */
  model: string;
}

export type Db = Kysely<Database>;

export type Dialect = "sqlite" | "postgres";

/** What every store module needs: the query builder and which SQL dialect is underneath. */
export interface StoreContext {
  db: Db;
  dialect: Dialect;
  /**
   * SQLite only: the better-sqlite3 handle under `db`, for the few bulk hot paths where Kysely's
   * per-call query compilation costs more than SQLite itself (see insertActions). Use it only
   * while holding Kysely's connection (inside writeTransaction), so it never interleaves with an
   * open Kysely transaction.
   */
  sqlite?: BetterSqlite3.Database;
}

export interface CustomersTable {
  source: string;
  external_id: string;
  name: string;
  consent: string;
  record: string;
  /** The ERP payload (`raw`), kept apart so snapshots never parse it. */
  raw: string | null;
  updated_at: string | null;
  synced_at: string;
  /** Soft deletion: when the ERP deleted it (null: live). */
  deleted_at: string | null;
}

/** One row per (phone, customer): the index behind findCustomersByPhone and opt-out checks. */
export interface CustomerPhonesTable {
  phone: string;
  source: string;
  customer_ref: string;
}

export interface InvoicesTable {
  source: string;
  external_id: string;
  customer_ref: string;
  status: string;
  due_date: string;
  total_minor: number;
  open_amount_minor: number;
  currency: string;
  /** The record's invoice number, kept as a column for the planner (migration 0302). */
  number: string | null;
  /** The record's installments as JSON text, null when it has none (migration 0302). */
  installments: string | null;
  record: string;
  /** The ERP payload (`raw`), kept apart so snapshots never parse it. */
  raw: string | null;
  updated_at: string | null;
  synced_at: string;
  /** Soft deletion: when the ERP deleted it (null: live). */
  deleted_at: string | null;
}

export interface PaymentsTable {
  source: string;
  external_id: string;
  customer_ref: string | null;
  paid_on: string;
  amount_minor: number;
  currency: string;
  record: string;
  /** The ERP payload (`raw`), kept apart so snapshots never parse it. */
  raw: string | null;
  updated_at: string | null;
  synced_at: string;
  /** Soft deletion: when the ERP deleted it (null: live). */
  deleted_at: string | null;
}

/** A payment's allocations, flattened: gives each paid invoice its payment date. */
export interface PaymentAllocationsTable {
  source: string;
  payment_ref: string;
  invoice_ref: string;
  paid_on: string;
  amount_minor: number;
}

export interface SyncCursorsTable {
  source: string;
  entity: string;
  cursor: string | null;
  updated_at: string;
}

export interface SyncRunsTable {
  id: Generated<number>;
  source: string;
  entity: string;
  started_at: string;
  finished_at: string;
  records: number;
  rejects: number;
  rejects_json: string;
  error: string | null;
}

export interface ActionsTable {
  key: string;
  source: string;
  customer_ref: string;
  invoice_refs: string;
  step_id: string;
  kind: string;
  channel: string | null;
  template: string | null;
  due_at: string;
  expires_at: string | null;
  payload: string;
  /** Key into action_traces. */
  trace_hash: string;
  status: string;
  attempts: number;
  claimed_by: string | null;
  claimed_until: string | null;
  provider_message_id: string | null;
  status_reason: string | null;
  created_at: string;
  updated_at: string;
  sent_at: string | null;
  replied_at: string | null;
  /** How an `unknown` row was settled (migration 0040): status | lookup | resent | held. */
  reconciled: string | null;
}

/** Each distinct trace once (content-addressed): the planner repeats them across many actions. */
export interface ActionTracesTable {
  hash: string;
  trace: string;
}

export interface ActivitiesTable {
  key: string;
  source: string;
  record: string;
  status: string;
  attempts: number;
  next_attempt_at: string;
  claimed_by: string | null;
  claimed_until: string | null;
  last_error: string | null;
  external_id: string | null;
  created_at: string;
  updated_at: string;
}

export interface InboundEventsTable {
  provider: string;
  event_id: string;
  payload: string;
  received_at: string;
}

export interface WebhookQueueTable {
  id: Generated<number>;
  kind: "channel" | "erp";
  plugin: string;
  received_at: string;
  raw_body: string;
  /** JSON array of the parsed events. */
  events: string;
  event_count: number;
  applied: Generated<number>;
  claimed_by: string | null;
  claimed_until: string | null;
  done_at: string | null;
}

export interface OptOutsTable {
  id: Generated<number>;
  phone: string | null;
  source: string | null;
  customer_ref: string | null;
  reason: string;
  at: string;
}

export interface PausesTable {
  source: string;
  customer_ref: string;
  paused_until: string | null;
  reason: string;
  at: string;
  /** PauseKind; "policy" for rows from before 0030. */
  kind: Generated<string>;
}

export interface PhoneFlagsTable {
  phone: string;
  channel: string;
  code: string;
  reason: string;
  at: string;
}

export interface MessageCostsTable {
  provider_message_id: string;
  action_key: string | null;
  channel: string;
  /** 0 | 1 on both dialects. */
  billable: number;
  category: string;
  pricing_model: string | null;
  conversation_id: string | null;
  conversation_origin: string | null;
  conversation_expires_at: string | null;
  at: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  at: string;
  actor: string;
  action: string;
  subject: string;
  detail: string;
}

export interface KvStateTable {
  namespace: string;
  key: string;
  /** "v1:" + base64 iv, auth tag and ciphertext (AES-256-GCM); never the clear value. */
  value: string;
  /** 0: no value yet; every write and delete adds one (compareAndSet fences on it). Since 0010. */
  version: Generated<number>;
  updated_at: string;
  /** Who holds the key's lease and until when (ISO instant); null when free. Since 0010. */
  lease_owner: string | null;
  lease_until: string | null;
}

/** Customers whose plan may have changed since the last plan (set by triggers, migration 0060). */
export interface PlanChangesTable {
  source: string;
  customer_ref: string;
  /** 1 while a running plan has taken the mark; a new change resets it to 0. */
  taken: number;
}

/** The last finished plan: its epoch (see core's planEpoch) and when it ran. */
export interface PlanStateTable {
  name: string;
  epoch: string;
  planned_at: string;
}

/** A rate shared by every process on the store: when its next send slot is free (epoch ms). */
export interface RateLimitsTable {
  key: string;
  next_slot_ms: number;
}

/** Records that failed the core schema at sync, kept with the zod issues for an operator. */
export interface QuarantineTable {
  id: Generated<number>;
  source: string;
  entity: string;
  external_id: string | null;
  /** JSON array of { path, message }. */
  issues: string;
  error: string;
  raw: string | null;
  at: string;
}

/** Conversations with debtors (0200): the operator queue and the bot's state. */
export interface ConversationsTable {
  id: Generated<number>;
  channel: string;
  /** E.164 */
  phone: string;
  source: string | null;
  customer_ref: string | null;
  customer_name: string | null;
  tax_id: string | null;
  status: string;
  operator_id: string | null;
  origin: string;
  /** JSON AnsweredMessage, or null. */
  answered: string | null;
  opened_at: string;
  closed_at: string | null;
  closing_reason: string | null;
  last_inbound_at: string | null;
  last_message_at: string;
  /** JSON, the bot's own state. */
  bot_state: string | null;
  version: Generated<number>;
}

export interface ConversationMessagesTable {
  id: Generated<number>;
  conversation_id: number;
  channel: string;
  direction: string;
  kind: string;
  author: string;
  body: string | null;
  /** JSON, or null. */
  payload: string | null;
  /** JSON MessageDocument, or null. */
  document: string | null;
  provider_message_id: string | null;
  status: string;
  status_at: string;
  error: string | null;
  /** 0 | 1, null until a status carried pricing. */
  billable: number | null;
  pricing_category: string | null;
  pricing_model: string | null;
  at: string;
  purged_at: string | null;
}

/** The change feed: one row per committed change, `seq` increasing. */
export interface ConversationChangesTable {
  seq: Generated<number>;
  conversation_id: number;
  kind: string;
  message_id: number | null;
  at: string;
}

/** 0220: one row per alert key; `fields` and the delivery lists are JSON arrays. */
export interface AlertsTable {
  key: string;
  rule: string;
  subject: string;
  severity: string;
  status: string;
  title: string;
  text: string;
  fields: string;
  started_at: string;
  resolved_at: string | null;
  last_seen_at: string;
  start_delivered: string;
  resolve_delivered: string;
}

/** 0290: a provider template's status as the provider last reported it. */
export interface ChannelTemplatesTable {
  channel: string;
  name: string;
  language: string;
  status: string;
  provider_event: string;
  reason: string | null;
  detail: string | null;
  provider_id: string | null;
  at: string;
}

/** 0290: a channel account's suspension, quality and messaging limit. `degraded` is 0 | 1. */
export interface ChannelStatesTable {
  channel: string;
  suspended_reason: string | null;
  suspended_at: string | null;
  quality_change: string | null;
  quality_event: string | null;
  limit_label: string | null;
  previous_limit: string | null;
  /** bigint on PostgreSQL: read back as a string there. */
  daily_recipients: number | string | null;
  degraded: Generated<number>;
  quality_at: string | null;
}

/** 0270: operator console sign-in (issue 14). Booleans are 0 | 1 on both dialects. */
export interface OperatorsTable {
  id: string;
  name: string;
  email: string;
  role: string;
  whatsapp: number;
  available: number;
  disabled: number;
  password_hash: string;
  created_at: string;
  updated_at: string;
}

/** Only the SHA-256 of a session token is stored. */
export interface OperatorSessionsTable {
  token_hash: string;
  operator_id: string;
  csrf_secret: string;
  created_at: string;
  last_seen_at: string;
}

export interface ConversationAssignmentsTable {
  id: Generated<number>;
  conversation_id: number;
  from_operator_id: string | null;
  to_operator_id: string | null;
  by: string;
  reason: string | null;
  at: string;
}
