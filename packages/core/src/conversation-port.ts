import type { DeliveryStatus } from "./contracts.js";

/**
 * Conversations with debtors over a messaging channel (WhatsApp): what the self-service bot,
 * the operator queue and the console share. @regua/store implements it on SQLite and PostgreSQL
 * beside DunningStore; all instants are ISO-8601 UTC strings.
 */

/**
 * - self_service: the bot is talking (receptive contact).
 * - with_operator: in the operator queue (assigned or not): the bot stays quiet.
 * - initiated_not_answered: we wrote first (an operator's template) and the customer has not answered.
 * - closed: finished; a new inbound message opens a new conversation.
 */
export type ConversationStatus = "self_service" | "with_operator" | "initiated_not_answered" | "closed";
export const CONVERSATION_STATUSES: readonly ConversationStatus[] = [
  "self_service",
  "with_operator",
  "initiated_not_answered",
  "closed",
];

/**
 * - receptive: the customer wrote first.
 * - active_reply: the customer answered one of our dunning messages (`answered` says which).
 * - operator: an operator started it from the console (one-to-one or a batch action).
 */
export type ConversationOrigin = "receptive" | "active_reply" | "operator";

/** The dunning message a conversation answers (active contact). */
export interface AnsweredMessage {
  /** The outbox action key, when the message was one of ours. */
  actionKey: string | null;
  providerMessageId: string;
  /** What the customer saw (the action's preview), for the operator. */
  preview: string | null;
}

export interface Conversation {
  id: number;
  /** The channel instance id ("wa"). */
  channel: string;
  /** The customer's number, E.164 (WhatsApp's wa_id with a "+"). */
  phone: string;
  /** The ERP record, once known (identified by the bot, or the number matched one customer). */
  source: string | null;
  customerRef: string | null;
  customerName: string | null;
  /** Normalised CPF/CNPJ, once the customer typed a valid one. */
  taxId: string | null;
  status: ConversationStatus;
  /** The operator holding it (the console's operator id); null: unassigned. */
  operatorId: string | null;
  origin: ConversationOrigin;
  answered: AnsweredMessage | null;
  openedAt: string;
  closedAt: string | null;
  closingReason: string | null;
  /** The customer's last message: WhatsApp's 24-hour customer service window runs from it. */
  lastInboundAt: string | null;
  /** The last message either way (the queue's order). */
  lastMessageAt: string;
  /** The self-service bot's state (its own JSON; null when the bot is not involved). */
  botState: unknown;
  /** Bumped by every update: updateConversation compares it (optimistic concurrency). */
  version: number;
}

export interface NewConversation {
  channel: string;
  phone: string;
  source?: string | null;
  customerRef?: string | null;
  customerName?: string | null;
  taxId?: string | null;
  status: Exclude<ConversationStatus, "closed">;
  operatorId?: string | null;
  origin: ConversationOrigin;
  answered?: AnsweredMessage | null;
  botState?: unknown;
  at: string;
}

/** Fields updateConversation may change; closing sets status "closed" with closedAt. */
export interface ConversationPatch {
  source?: string | null;
  customerRef?: string | null;
  customerName?: string | null;
  taxId?: string | null;
  status?: ConversationStatus;
  operatorId?: string | null;
  answered?: AnsweredMessage | null;
  closingReason?: string | null;
  botState?: unknown;
  at: string;
}

export type MessageDirection = "inbound" | "outbound";
export type MessageKind = "text" | "interactive" | "template" | "document";
/** Inbound messages are "received"; outbound ones move pending → sent → delivered → read, or failed. */
export type MessageStatus = "received" | "pending" | DeliveryStatus;

export interface MessageDocument {
  filename: string;
  mime: string;
  caption?: string;
  /** The provider's media id once uploaded. */
  mediaId?: string;
}

export interface ConversationMessage {
  id: number;
  conversationId: number;
  direction: MessageDirection;
  kind: MessageKind;
  /** Who: "customer", "bot", "operator:<id>", "engine". */
  author: string;
  /** What was said (text, the rendered preview of a template or list); null once retention purged it. */
  body: string | null;
  /**
   * Structured content: an interactive message's sections/buttons, the tapped reply id, a
   * template's name and parameters. null once purged.
   */
  payload: unknown;
  document: MessageDocument | null;
  providerMessageId: string | null;
  status: MessageStatus;
  statusAt: string;
  /** The provider's error for a failed message. */
  error: string | null;
  /** From the status webhook's pricing, when it carried one. */
  pricing: { billable: boolean; category: string; model: string | null } | null;
  at: string;
  /** When retention removed body, payload and document. */
  purgedAt: string | null;
}

export interface NewConversationMessage {
  conversationId: number;
  direction: MessageDirection;
  kind: MessageKind;
  author: string;
  body: string | null;
  payload?: unknown;
  document?: MessageDocument | null;
  providerMessageId?: string | null;
  status: MessageStatus;
  at: string;
}

export interface MessageStatusUpdate {
  channel: string;
  providerMessageId: string;
  status: DeliveryStatus;
  at: string;
  error?: string | null;
  pricing?: { billable: boolean; category: string; model: string | null } | null;
}

export interface ConversationQuery {
  status?: readonly ConversationStatus[];
  /** An operator id; null: only unassigned ones. Absent: any. */
  operatorId?: string | null;
  /** Last message at or after / before (the queue's date filter). */
  from?: string;
  to?: string;
  /** Matches the customer's name (contains, case-insensitive), phone or tax id (digits contained). */
  search?: string;
  source?: string;
  customerRef?: string;
  /** Default 50, at most 500. */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

export interface ConversationPage {
  /** Newest last message first. */
  items: Conversation[];
  /** Pass as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** One row of the change feed: a conversation or one of its messages changed. */
export interface ConversationChange {
  /** Increases with every change, across processes (the feed's position). */
  seq: number;
  conversationId: number;
  kind: "conversation" | "message";
  /** The message, for kind "message". */
  messageId: number | null;
  at: string;
}

export interface ConversationStore {
  /**
   * Opens a conversation, or returns the one already open for this channel and phone (at most
   * one is open per number: a unique index, so two workers racing get the same row).
   */
  openConversation(input: NewConversation): Promise<{ conversation: Conversation; created: boolean }>;
  getConversation(id: number): Promise<Conversation | null>;
  /** The open (not closed) conversation of this number on this channel. */
  findOpenConversation(channel: string, phone: string): Promise<Conversation | null>;
  /**
   * Applies the patch when the row's version is still `expectedVersion` (or always, when it
   * is omitted); returns the updated conversation, or null when someone else changed it first.
   */
  updateConversation(
    id: number,
    patch: ConversationPatch,
    expectedVersion?: number,
  ): Promise<Conversation | null>;
  /**
   * Appends a message and moves the conversation's lastMessageAt (and lastInboundAt for an
   * inbound one) in one transaction. A provider message id seen before on this channel is not
   * stored twice: `created` is false and the first row is returned.
   */
  appendMessage(message: NewConversationMessage): Promise<{ message: ConversationMessage; created: boolean }>;
  /**
   * An outbound message appended as "pending" before its send: records what the provider said,
   * its message id (status "sent", so later status webhooks find it) or the error (status
   * "failed"). A message that is no longer pending is returned unchanged; null: no such message.
   */
  settleOutboundMessage(
    messageId: number,
    outcome: { providerMessageId: string; at: string } | { error: string; at: string },
  ): Promise<ConversationMessage | null>;
  /**
   * Moves an outbound message's status forward (sent < delivered < read; failed from any) and
   * records pricing; returns the message, or null when no conversation message has this id.
   */
  updateMessageStatus(update: MessageStatusUpdate): Promise<ConversationMessage | null>;
  /** The queue: filtered, newest last message first, keyset-paged. */
  listConversations(query?: ConversationQuery): Promise<ConversationPage>;
  /** Messages in order (oldest first), after a message id when given. */
  listMessages(
    conversationId: number,
    options?: { afterId?: number; limit?: number },
  ): Promise<ConversationMessage[]>;
  /** Open conversations in these statuses whose last message is older than `before` (timeouts). */
  listIdleConversations(options: {
    statuses: readonly ConversationStatus[];
    before: string;
    limit?: number;
  }): Promise<Conversation[]>;
  /** The change feed after a position (0: from the start), oldest first. */
  conversationChanges(options: { after: number; limit?: number }): Promise<ConversationChange[]>;
  /** The feed's current position (where a new subscriber starts). */
  conversationFeedPosition(): Promise<number>;
  /**
   * Calls `listener` after each committed change made through THIS store object (same
   * process), for low-latency pushes (server-sent events). Changes made by other processes reach
   * a subscriber only through `conversationChanges`: poll it too (see docs/bot.md). Returns the
   * unsubscribe function.
   */
  watchConversations(listener: (change: ConversationChange) => void): () => void;
  /**
   * Retention: removes bodies, payloads and documents of messages older than `before` (the
   * rows stay, for counts, ticks and costs), and change-feed rows older than `before`.
   */
  purgeConversationContent(before: string): Promise<{ messages: number; changes: number }>;
}
