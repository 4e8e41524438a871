import type { z } from "zod";
import type { Clock } from "./clock.js";
import type { Logger } from "./logger.js";
import type {
  CollectionActivity,
  Customer,
  DocumentKind,
  Invoice,
  InvoiceDocument,
  Payment,
} from "./model.js";
import type { Money } from "./money.js";
import type { ReplyIntent } from "./reply.js";

/* ------------------------------------------------------------------ shared */

/** A value and its version: 0 when the key holds nothing; every write or delete adds one. */
export interface VersionedValue {
  value: string | null;
  version: number;
}

/**
 * Durable per-instance state kept in the store: OAuth refresh tokens, sessions, watermarks.
 * Shared by every runner on the same database, so a value two runners may rewrite (a rotating
 * refresh token) is written with `compareAndSet` under a lease, never with a blind `set`.
 */
export interface KeyValueState {
  get(key: string): Promise<string | null>;
  set(key: string, value: string): Promise<void>;
  delete(key: string): Promise<void>;
  read(key: string): Promise<VersionedValue>;
  /** Writes only when the version is still `expectedVersion`; false when another writer came first. */
  compareAndSet(key: string, expectedVersion: number, value: string): Promise<boolean>;
  /** Takes the lease on `key` for `ttlMs` unless another owner holds one that has not expired. */
  acquireLease(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Gives the lease back; a no-op when `owner` no longer holds it. */
  releaseLease(key: string, owner: string): Promise<void>;
  /** Who holds an unexpired lease on `key` now, or null (a restarted runner frees its dead predecessor's). */
  leaseHolder?(key: string): Promise<string | null>;
}

export interface HttpClientOptions {
  baseURL: string;
  /** Whole request, first byte to last. */
  timeoutMs?: number;
  /** TCP connect only: an unreachable host fails fast while a slow report may take timeoutMs. */
  connectTimeoutMs?: number;
  /** Self-signed certificates are common on premise: false only when the user says so. */
  rejectUnauthorized?: boolean;
  headers?: Record<string, string>;
  /** A proxy URL; absent: HTTPS_PROXY / HTTP_PROXY / NO_PROXY from the environment; false: none. */
  proxy?: string | false;
}

/**
 * How a connector or channel gets an HTTP client: an axios instance made with the
 * injected defaults. Tests pass the same factory and a baseURL on 127.0.0.1.
 * Typed structurally so @regua/core does not depend on axios.
 */
export type HttpTransport = <TClient = unknown>(options: HttpClientOptions) => TClient;

export interface PluginContext {
  /** The instance id from config (`sources[].id` / `channels[].id`). */
  instanceId: string;
  http: HttpTransport;
  clock: Clock;
  log: Logger;
  state: KeyValueState;
  signal: AbortSignal;
}

export interface RawRequest {
  method: string;
  /** Path without the query string. */
  path: string;
  headers: Record<string, string | string[] | undefined>;
  query: Record<string, string | undefined>;
  /** The body exactly as received, for signature checks. */
  rawBody: Buffer;
}

export interface RawResponse {
  status: number;
  headers?: Record<string, string>;
  body: string;
}

export interface Health {
  ok: boolean;
  detail: string;
  latencyMs?: number;
}

/* -------------------------------------------------------------- connectors */

export type EntityName = "customers" | "invoices" | "payments";

export interface ListQuery {
  /**
   * Opaque resume point a previous page returned (paging position and/or the ERP's change
   * marker). null or absent: list everything (a full reconcile).
   */
  cursor?: string | null;
}

/** A record the connector could not map: named by source and ERP key, never silently dropped. */
export interface RecordReject {
  entity: EntityName;
  externalId: string;
  /** e.g. "dueDate: must be a date (got "31/02/2026")" */
  error: string;
  raw?: unknown;
}

export interface Page<T> {
  items: T[];
  /** Where to resume after this page; the last page's cursor is the next incremental start. */
  cursor: string | null;
  rejects?: RecordReject[];
}

export type ErpEvent =
  | { kind: "changed"; entity: EntityName; externalId: string }
  | { kind: "deleted"; entity: EntityName; externalId: string };

export interface ConnectorCapabilities {
  payments: boolean;
  getInvoice: boolean;
  writeActivity: boolean;
  webhooks: boolean;
  /** getDocument: the second copy of a bill (boleto PDF, PIX code, payment link, statement). */
  documents?: boolean;
  /** findCustomersByTaxId + listOpenInvoices, read fresh from the ERP (the inbound bot). */
  lookups?: boolean;
}

export interface Connector {
  readonly capabilities: ConnectorCapabilities;
  listCustomers(query: ListQuery): AsyncIterable<Page<Customer>>;
  listInvoices(query: ListQuery): AsyncIterable<Page<Invoice>>;
  listPayments?(query: ListQuery): AsyncIterable<Page<Payment>>;
  /** A fresh read before a send; null when the ERP no longer has it. */
  getInvoice?(externalId: string): Promise<Invoice | null>;
  /**
   * Idempotent: the activity's key is stored in the ERP record and looked up before writing,
   * so a retry after a lost answer never creates a second activity.
   */
  writeActivity?(activity: CollectionActivity): Promise<{ externalId: string; created: boolean }>;
  webhook?: {
    verify(req: RawRequest): boolean;
    parse(req: RawRequest): ErpEvent[];
  };
  /**
   * A document for one invoice, fetched from the ERP when a message needs it: a file (bytes,
   * mime type, file name), a text (the PIX copy-and-paste code) or a link. null when the ERP has
   * none of that kind for this invoice.
   */
  getDocument?(invoice: Invoice, kind: DocumentKind): Promise<InvoiceDocument | null>;
  /**
   * Customers whose CPF/CNPJ (or other tax id) is this one, read from the ERP now. The engine
   * passes the id normalised (digits and letters only, as `normalizeTaxId` makes it).
   */
  findCustomersByTaxId?(taxId: string): Promise<Customer[]>;
  /** The customer's open invoices, read from the ERP now (not from the last sync). */
  listOpenInvoices?(customerRef: string): Promise<Invoice[]>;
  /**
   * Credentials with a known end (an OAuth refresh token's `x_refresh_token_expires_in`), read
   * from what the connector keeps, without calling the ERP: the runner's credential_expiring alert.
   */
  credentialExpiry?(): Promise<CredentialExpiry[]>;
  healthCheck(): Promise<Health>;
  close(): Promise<void>;
}

export {
  CAPABILITY_NAMES,
  type CapabilityDeclaration,
  type CapabilityFlag,
  type CapabilityMembers,
  type ConnectorDefinition,
  type ConnectorImplementation,
  type ConnectorSpec,
  defineConnector,
  implementsCapability,
  resolveCapabilities,
} from "./capabilities.js";

/** A credential that stops working at a known instant. */
export interface CredentialExpiry {
  /** What it is, for a person: "QuickBooks refresh token (realm 9341…)". */
  name: string;
  expiresAt: string;
}

/* ---------------------------------------------------------------- channels */

export type TemplateParameter =
  | { type: "text"; name?: string; text: string }
  | { type: "currency"; name?: string; amount: Money; fallback: string }
  | { type: "date_time"; name?: string; date: string; fallback: string };

export interface TemplateMessage {
  name: string;
  /** BCP-47-ish code as the provider wants it: "pt_BR". */
  language: string;
  /** Header parameters (a text variable, or a document). */
  header?: { type: "text"; parameters: TemplateParameter[] } | { type: "document"; document: DocumentRef };
  body: TemplateParameter[];
  /** Dynamic URL button suffixes, by button index. */
  buttons?: { index: number; subType: "url" | "quick_reply" | "copy_code"; parameter: string }[];
}

export interface DocumentRef {
  /** A public link, or a provider media id obtained by an upload. */
  link?: string;
  mediaId?: string;
  /**
   * Bytes the channel uploads before sending (WhatsApp: POST /{phone-number-id}/media, then a
   * document message with the media id): the boleto PDF a connector's getDocument returned.
   */
  upload?: { bytes: Uint8Array; mime: string };
  filename: string;
  /** Shown under the document where the channel supports it. */
  caption?: string;
}

/**
 * An interactive message: up to three reply buttons, or a list of rows under a button
 * (WhatsApp: https://developers.facebook.com/docs/whatsapp/cloud-api/messages/interactive-list-messages
 * and .../interactive-reply-buttons-messages). Free-form: only inside the customer service window.
 * A tap comes back as an inbound event whose `payload` is the button's or row's `id`.
 */
export type InteractiveContent =
  | {
      type: "buttons";
      body: string;
      /** 1 to 3 buttons; titles at most 20 characters, unique. */
      buttons: { id: string; title: string }[];
    }
  | {
      type: "list";
      body: string;
      /** The button that opens the list: at most 20 characters. */
      button: string;
      /** 1 to 10 sections, at most 10 rows in all; row titles at most 24, descriptions 72. */
      sections: { title?: string; rows: { id: string; title: string; description?: string }[] }[];
    };

export interface OutboundMessage {
  /** The action's idempotency key; channels echo it back in status events when they can. */
  actionKey: string;
  /** E.164 recipient. */
  to: string;
  template?: TemplateMessage;
  /** Free text: only where the channel allows it (WhatsApp: inside the 24h service window). */
  text?: string;
  /** A document or media to send (channels declaring `documents`); with a template, its header. */
  document?: DocumentRef;
  /** Reply buttons or a list (channels declaring `interactive`); free-form like `text`. */
  interactive?: InteractiveContent;
  /** A plain-text rendering of what the customer sees, for activities and logs. */
  preview: string;
}

export type DeliveryStatus = "sent" | "delivered" | "read" | "failed";

/**
 * Why a message did not reach the customer, when the channel can tell; the engine acts on it
 * (the channel maps its provider's codes: WhatsApp 131047, 131049, 131026).
 * - window_closed: free text is not allowed now (the 24-hour window closed): resend as a template.
 * - engagement_limit: the provider held it back for this customer: retry no sooner than `retryAfterMs`.
 * - undeliverable: the number cannot receive messages: flag it, stop using it.
 */
export type DeliveryIssue = "window_closed" | "engagement_limit" | "undeliverable";

export interface DeliveryError {
  code: string;
  message: string;
  issue?: DeliveryIssue | undefined;
}

/** What the provider says a message costs (WhatsApp's `pricing` object of a status). */
export interface StatusPricing {
  billable: boolean;
  category: string;
  /** "PMP" | "CBP" on WhatsApp. */
  model: string | null;
}

/** The provider's conversation a message was counted in (WhatsApp's `conversation`). */
export interface StatusConversation {
  id: string;
  /** "utility", "marketing", "service", … */
  originType: string | null;
  /** ISO instant, on the first status of the conversation only. */
  expiresAt: string | null;
}

/**
 * Where a provider's message template stands (WhatsApp's `message_template_status_update`).
 * Only `approved` and `flagged` (approved, at risk) may be sent; the others are blocked until
 * the provider approves or reinstates the template.
 */
export type TemplateStatus =
  | "approved"
  | "flagged"
  | "paused"
  | "disabled"
  | "rejected"
  | "pending"
  | "deleted";

export function templateSendable(status: TemplateStatus): boolean {
  return status === "approved" || status === "flagged";
}

/**
 * A change of the sending account's standing (WhatsApp's `phone_number_quality_update`):
 * `downgrade`/`flagged` are drops (the channel is degraded), `upgrade`/`unflagged` clear them,
 * `other` only updates the limit (onboarding, throughput upgrade).
 */
export type ChannelQualityChange = "downgrade" | "flagged" | "upgrade" | "unflagged" | "other";

/** Account events a channel reports besides messages: they change how the channel may be used. */
export type ChannelAccountEvent =
  | {
      kind: "template_status";
      /** Unique per event, for idempotent handling (providers send no id: derived from the payload). */
      eventId: string;
      at: string;
      template: { name: string; language: string; providerId: string | null };
      status: TemplateStatus;
      /** The provider's own word: "PAUSED", "REINSTATED", "PENDING_DELETION", … */
      providerEvent: string;
      reason: string | null;
      /** What the provider explains: "Your WhatsApp message template has been paused for 3 hours…". */
      detail: string | null;
    }
  | {
      kind: "channel_quality";
      eventId: string;
      at: string;
      change: ChannelQualityChange;
      providerEvent: string;
      /** The number the event is about, as the provider writes it. */
      phoneNumber: string | null;
      /** The provider's tier label ("TIER_250") and what it allows: unique customers a rolling 24 h. */
      limit: string | null;
      previousLimit: string | null;
      /** null: unlimited, or not known from the label. */
      dailyRecipients: number | null;
    };

export type ChannelEvent =
  | ChannelAccountEvent
  | {
      kind: "status";
      /** Unique per delivery of this event by the provider, for idempotent handling. */
      eventId: string;
      providerMessageId: string;
      status: DeliveryStatus;
      at: string;
      actionKey: string | null;
      recipient: string | null;
      error: DeliveryError | null;
      pricing?: StatusPricing | null;
      conversation?: StatusConversation | null;
    }
  | {
      kind: "inbound";
      eventId: string;
      providerMessageId: string;
      /** E.164 */
      from: string;
      at: string;
      text: string;
      /** The tapped button's payload or interactive reply id (see REPLY_PAYLOADS), when one was tapped. */
      payload?: string | null;
      intent: ReplyIntent;
      /** The provider message id this replies to, when the provider says. */
      replyTo: string | null;
    };

export interface ChannelCapabilities {
  templates: boolean;
  freeText: boolean;
  documents: boolean;
  statuses: boolean;
  inbound: boolean;
  /** Reply buttons and lists (`OutboundMessage.interactive`). */
  interactive?: boolean;
}

export interface Problem {
  path: string;
  message: string;
}

export interface Channel {
  readonly capabilities: ChannelCapabilities;
  readonly rateLimit: { perSecond: number };
  /** Checks a template reference and its variables before any send (used by `regua check`). */
  checkTemplate?(template: TemplateMessage): Promise<Problem[]>;
  send(message: OutboundMessage): Promise<{ providerMessageId: string }>;
  /**
   * Where the provider can say whether it holds a message sent with this action key: the
   * reconciler of ambiguous (`unknown`) sends asks before resending. `null`: the provider has
   * no such message. Channels whose API has no lookup (WhatsApp Cloud API) leave it out and
   * rely on status webhooks.
   */
  lookupSend?(actionKey: string): Promise<{ providerMessageId: string } | null>;
  /**
   * Delivery statuses read back from the provider, for channels that publish no status webhook
   * (Opa! Suite): the dispatcher asks every few minutes about messages sent in the last day that
   * are still `sent`, and applies the events as if a webhook had posted them.
   */
  pollStatuses?(
    sent: readonly { providerMessageId: string; actionKey: string | null }[],
  ): Promise<ChannelEvent[]>;
  webhook?: {
    /** GET handshakes such as WhatsApp's hub.challenge; null when the request is not one. */
    handshake?(req: RawRequest): RawResponse | null;
    verify(req: RawRequest): boolean;
    parse(req: RawRequest): ChannelEvent[];
  };
  healthCheck(): Promise<Health>;
  close(): Promise<void>;
}

export interface ChannelDefinition<TOptions extends z.ZodType = z.ZodType> {
  id: string;
  displayName: string;
  capabilities: ChannelCapabilities;
  optionsSchema: TOptions;
  create(options: z.output<TOptions>, ctx: PluginContext): Channel | Promise<Channel>;
}

export function defineChannel<TOptions extends z.ZodType>(
  definition: ChannelDefinition<TOptions>,
): ChannelDefinition<TOptions> {
  return definition;
}
