import type { Clock } from "../clock.js";
import type { Channel, ChannelEvent, Connector, EntityName, ErpEvent } from "../contracts.js";
import type { Conversation, ConversationMessage, ConversationStore } from "../conversation-port.js";
import type { Logger } from "../logger.js";
import type { Customer, DocumentKind, Invoice, InvoiceDocument } from "../model.js";
import type { PlanResult } from "../planner/index.js";
import type { Policy } from "../policy/index.js";
import type { DunningStore } from "../store-port.js";

export interface EngineLimits {
  /**
   * Actions (and activities) claimed per store round trip. Default 20, and for a dispatch 100 ms
   * of its slowest channel's rate when that is more (100 at 1,000 msg/s). A dispatch never
   * claims more than that channel sends in half a lease.
   */
  claimBatch?: number;
  /**
   * Claimed actions delivered at once (each waits for its channel's rate gate before its send).
   * A send is several store round trips and an HTTP request: one at a time, a runner reached
   * 50–250 msg/s whatever the tier. Default 32.
   */
  sendConcurrency?: number;
  /** How long a claim (and a `sending` row) belongs to this worker. Default 5 minutes. */
  leaseMs?: number;
  /** Send attempts per action for retryable errors, the first included. Default 5. */
  sendAttempts?: number;
  /** Write-back attempts per activity, the first included. Default 8. */
  writeAttempts?: number;
  /** Attempts per sync entity (a retryable error resumes from the last committed page). Default 3. */
  syncAttempts?: number;
  /** Base of the exponential backoff between attempts. Default 30 seconds. */
  backoffBaseMs?: number;
  /** Ceiling of that backoff. Default 1 hour. */
  backoffMaxMs?: number;
  /** Queued webhook events applied per store round before yielding to other work. Default 50. */
  webhookBatch?: number;
  /**
   * With `shareWork`: the TTL of a sync or plan unit's lease. The holder renews it between pages
   * (sync) and batches (plan) once a third of this went by; a runner that died holding it is taken
   * over this long after its last renewal. Longer than one page's fetch, retries included.
   * Default 5 minutes.
   */
  workLeaseMs?: number;
  /**
   * How long an ambiguous send (`unknown`) waits for the provider's status before the
   * reconciler acts on it. Meta sends a `sent` status for every message it accepted, within
   * seconds. Default 15 minutes.
   */
  unknownQuietMs?: number;
}

export interface EngineOptions {
  store: DunningStore;
  /** By source id (`sources[].id`). */
  connectors: ReadonlyMap<string, Connector>;
  /** By channel instance id (`channels[].id`). */
  channels: ReadonlyMap<string, Channel>;
  policy: Policy;
  clock: Clock;
  log: Logger;
  /** Unique per process: it owns the leases it takes. */
  workerId: string;
  /** Region for phone numbers written without a country code; default "BR". */
  defaultRegion?: string;
  limits?: EngineLimits;
  /** Source of randomness for backoff jitter; tests pass a constant. Default Math.random. */
  random?: () => number;
  /**
   * Share each channel's rate limit with every runner on this store (through
   * `store.reserveRate`) instead of keeping it in this process. Default false.
   */
  shareRateLimits?: boolean;
  /**
   * Split sync and plan between every runner on this store: each source's sync (`sync:<source>`)
   * and the plan (`plan`) run under the store's lease (plugin-state namespace `regua.work`), so at
   * any moment one worker does each; a unit another worker holds is skipped and reported in the
   * summary's `skipped`. Default false.
   */
  shareWork?: boolean;
  /**
   * An `unknown` send with no status after the quiet period: "resend" (default) sends it once
   * more, with an audit entry saying why; "hold" leaves it for an operator. A second unknown
   * for the same action is always held.
   */
  onUnknown?: "resend" | "hold";
  /**
   * Conversations (the self-service bot, the operator queue). When given, every inbound message
   * is routed into its number's open conversation: an answer to a dunning message opens one in
   * the operator queue (origin active_reply), any other message a receptive one for the bot;
   * delivery statuses move the ticks of conversation messages. Absent: inbound messages only
   * act on dunning (opt-out, holds, write-back), as before.
   */
  conversations?: ConversationStore;
  /**
   * Called after each channel event was applied (and routed, with `conversations`), in the
   * webhook worker's turn: the self-service bot answers from here. A throw marks the event
   * failed (logged and audited), like any other failure applying it.
   */
  onChannelEvent?: (routed: RoutedChannelEvent) => Promise<void>;
  /**
   * How long after a dunning message a reply that does not quote it still counts as its answer
   * (and goes to the operator queue rather than to the bot). Default 72 hours.
   */
  answerWindowMs?: number;
}

type InboundChannelEvent = Extract<ChannelEvent, { kind: "inbound" }>;
type StatusChannelEvent = Extract<ChannelEvent, { kind: "status" }>;

/**
 * How an inbound message was routed:
 * - receptive: it opened a conversation for the bot (the customer wrote first);
 * - active_reply: it answers a dunning message and opened a conversation in the operator queue;
 * - continued: it joined the number's open conversation;
 * - none: no conversation (conversations are off, or the message was an opt-out).
 */
export type InboundRoute = "receptive" | "active_reply" | "continued" | "none";

export type RoutedChannelEvent =
  | {
      kind: "inbound";
      channelId: string;
      event: InboundChannelEvent;
      route: InboundRoute;
      /** The conversation after the message was appended; null for route "none". */
      conversation: Conversation | null;
      message: ConversationMessage | null;
    }
  | {
      kind: "status";
      channelId: string;
      event: StatusChannelEvent;
      /** The conversation message whose tick moved, when the status was for one. */
      message: ConversationMessage | null;
    };

export interface SyncOptions {
  /** Only this source; default every configured source. */
  source?: string;
  /** Ignore the stored cursors and list everything (a reconcile). */
  full?: boolean;
  signal?: AbortSignal;
  onProgress?: (progress: { source: string; entity: EntityName; records: number }) => void;
  /**
   * With `shareWork`: a source whose sync some worker started at or after this instant (and
   * finished) is not synced again. Runners sharing a schedule pass the cron tick, so each tick
   * syncs each source once across them. Without it only the sources another worker is syncing
   * right now are skipped.
   */
  since?: string;
}

export interface EntitySyncResult {
  source: string;
  entity: EntityName;
  pages: number;
  records: number;
  rejects: number;
  /** Records that failed the core schema: kept in the store's quarantine, not synced. */
  quarantined: number;
  /** Invoices of this entity's pages that turned paid: their sequences were stopped. */
  paidNow: number;
  /** Invoices cancelled, voided, renegotiated, written off or deleted: their sequences were stopped. */
  stopped: number;
  /** Records a full reconcile marked deleted (not listed by the ERP any more). */
  deleted: number;
  /** Why the entity stopped early (a describe() line), or null when it ran to the end. */
  error: string | null;
}

export interface SyncSummary {
  entities: EntitySyncResult[];
  records: number;
  rejects: number;
  quarantined: number;
  paidNow: number;
  stopped: number;
  deleted: number;
  errors: number;
  /**
   * Units not run here (`shareWork`): `sync:<source>` while another worker held its lease, or
   * when another worker already synced it since `since`.
   */
  skipped: string[];
}

export interface PlanOptions {
  /** Compute and return the plan without writing anything. */
  dryRun?: boolean;
  /**
   * Keep the planned actions and skips in the summary (default true). Pass false on large
   * books when only the counts are wanted: memory then stays flat whatever the size.
   */
  collect?: boolean;
  /**
   * Plan every customer (`regua plan --full`). By default a plan re-plans only the customers the
   * store marked as changed since the last plan of the same epoch (policy, day, send slot), and
   * everyone when the epoch moved on; both give the same actions.
   */
  full?: boolean;
  /**
   * With `shareWork`: while another worker plans, wait up to this long for it to finish, then
   * plan what changed meanwhile; default 0 (skip at once, reported in `skipped`).
   */
  waitMs?: number;
  signal?: AbortSignal;
}

export interface PlanSummary {
  /** The actions and skips planned (empty when `collect` is false). */
  result: PlanResult;
  customers: number;
  actions: number;
  skips: number;
  /** Actions whose key was new to the outbox (0 in a dry run). */
  inserted: number;
  dryRun: boolean;
  /** Only the customers marked as changed were re-planned (see PlanOptions.full). */
  incremental: boolean;
  /** `["plan"]` when another worker held the plan's lease (`shareWork`): nothing was planned here. */
  skipped: string[];
}

export interface DispatchOptions {
  /** At most this many actions in this call. */
  limit?: number;
  signal?: AbortSignal;
}

export interface DispatchSummary {
  claimed: number;
  sent: number;
  /** Escalations and pauses recorded (no channel send). */
  recorded: number;
  skipped: number;
  failed: number;
  /** Put back to planned for a later attempt. */
  retried: number;
  /**
   * Outcome not known (a timeout or network error after the request may have left, or an
   * unclassified error): left for status webhooks and the reconciler, never retried blindly.
   */
  unknown: number;
  /** Leases recovered before claiming. */
  recovered: { released: number; unknown: number };
  /** Claimed, then handed back to planned untouched (a shutdown, a lease lost to another worker). */
  released: number;
  /** Unknown sends past their quiet period: found by a lookup, resent once, or held. */
  reconciled: { lookup: number; resent: number; held: number };
  /** Delivery statuses read back from channels without a status webhook (Channel.pollStatuses). */
  polled: number;
}

export interface WriteBackSummary {
  claimed: number;
  written: number;
  /** Failed this time, to be retried later. */
  failed: number;
  /** Given up on (permanent error, no capability, or out of attempts). */
  dead: number;
}

export interface EventSummary {
  received: number;
  duplicates: number;
  /** Events that changed something (an action status, an opt-out, a reply). */
  applied: number;
  /** Events naming a message or phone the store does not know. */
  unmatched: number;
  /** Known events that changed nothing: a status older than the one stored. */
  ignored: number;
  /** Events that threw while being applied (logged and audited as event.failed, for a replay). */
  failed: number;
}

export interface EnqueueSummary {
  /** Events stored for the worker. */
  queued: number;
  /** Events refused before anything was stored (bad sender, absurd timestamp), with the reason. */
  rejected: { eventId: string; reason: string }[];
  /** Repeats of an event id within the same delivery, dropped. */
  duplicates: number;
}

export interface WebhookQueueSummary {
  /** Queued deliveries worked on. */
  batches: number;
  events: number;
  summary: EventSummary;
}

export interface Engine {
  sync(options?: SyncOptions): Promise<SyncSummary>;
  plan(options?: PlanOptions): Promise<PlanSummary>;
  dispatch(options?: DispatchOptions): Promise<DispatchSummary>;
  writeBack(options?: { limit?: number }): Promise<WriteBackSummary>;
  /** Applies channel events now, in the caller's turn (tests, the demo). Servers enqueue instead. */
  handleChannelEvents(channelId: string, events: readonly ChannelEvent[]): Promise<EventSummary>;
  /**
   * Screens a parsed, verified webhook delivery (E.164 senders, timestamps within 30 days back
   * and 15 minutes ahead) and stores what passes with the raw body in one transaction, for
   * `applyWebhookQueue`. Fast: nothing is applied here.
   */
  enqueueChannelEvents(
    channelId: string,
    events: readonly ChannelEvent[],
    rawBody: string,
  ): Promise<EnqueueSummary>;
  enqueueErpEvents(sourceId: string, events: readonly ErpEvent[], rawBody: string): Promise<EnqueueSummary>;
  /** The webhook worker: applies up to `maxEvents` queued events in bounded batches. */
  applyWebhookQueue(options?: { maxEvents?: number; signal?: AbortSignal }): Promise<WebhookQueueSummary>;
  /** A targeted sync of the records an ERP webhook named. */
  handleErpEvents(sourceId: string, events: readonly ErpEvent[]): Promise<void>;
  /**
   * An operator lifts a customer's "already paid" hold before the ERP shows the payment.
   * Returns false when the customer had no such hold.
   */
  releasePaymentHold(source: string, customerRef: string, actor: string): Promise<boolean>;
  /**
   * Releases expired claims (expired `sending` rows become `unknown`), and at once the claims
   * of `deadWorkers` (a restarted runner's own predecessor), without waiting for their lease.
   */
  recover(options?: { deadWorkers?: readonly string[] }): Promise<{ released: number; unknown: number }>;
  /** Fresh reads from a source's ERP (the inbound bot, a second copy of a bill); parsed like a sync. */
  erp: ErpLookups;
}

export interface ErpLookups {
  getDocument(source: string, invoice: Invoice, kind: DocumentKind): Promise<InvoiceDocument | null>;
  /** CPF/CNPJ formatted or not: normalised before the connector sees it. */
  findCustomersByTaxId(source: string, taxId: string): Promise<Customer[]>;
  listOpenInvoices(source: string, customerRef: string): Promise<Invoice[]>;
}
