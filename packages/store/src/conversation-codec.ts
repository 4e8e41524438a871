import type { Conversation, ConversationMessage } from "@regua/core";
import type { Selectable } from "kysely";
import { z } from "zod";
import { parseJson, toNumber } from "./codec.js";
import type { ConversationMessagesTable, ConversationsTable } from "./schema.js";

/** Row ↔ domain for conversations and their messages; JSON columns parsed with zod. */

const Status = z.enum(["self_service", "with_operator", "initiated_not_answered", "closed"]);
const Origin = z.enum(["receptive", "active_reply", "operator"]);
const Answered = z.object({
  actionKey: z.string().nullable(),
  providerMessageId: z.string(),
  preview: z.string().nullable(),
});
const Direction = z.enum(["inbound", "outbound"]);
const Kind = z.enum(["text", "interactive", "template", "document"]);
const MessageStatus = z.enum(["received", "pending", "sent", "delivered", "read", "failed"]);
const Document = z.object({
  filename: z.string(),
  mime: z.string(),
  caption: z.string().optional(),
  mediaId: z.string().optional(),
});

function json<T>(schema: z.ZodType<T>, text: string | null, where: string): T | null {
  return text === null ? null : parseJson(schema, text, where);
}

export const toJson = (value: unknown): string | null =>
  value === undefined || value === null ? null : JSON.stringify(value);

export function readConversation(row: Selectable<ConversationsTable>): Conversation {
  const where = `store conversations[${row.id}]`;
  return {
    id: toNumber(row.id),
    channel: row.channel,
    phone: row.phone,
    source: row.source,
    customerRef: row.customer_ref,
    customerName: row.customer_name,
    taxId: row.tax_id,
    status: Status.parse(row.status),
    operatorId: row.operator_id,
    origin: Origin.parse(row.origin),
    answered: json(Answered, row.answered, `${where}.answered`),
    openedAt: row.opened_at,
    closedAt: row.closed_at,
    closingReason: row.closing_reason,
    lastInboundAt: row.last_inbound_at,
    lastMessageAt: row.last_message_at,
    botState: json(z.unknown(), row.bot_state, `${where}.bot_state`),
    version: toNumber(row.version),
  };
}

export function readMessage(row: Selectable<ConversationMessagesTable>): ConversationMessage {
  const where = `store conversation_messages[${row.id}]`;
  return {
    id: toNumber(row.id),
    conversationId: toNumber(row.conversation_id),
    direction: Direction.parse(row.direction),
    kind: Kind.parse(row.kind),
    author: row.author,
    body: row.body,
    payload: json(z.unknown(), row.payload, `${where}.payload`),
    document: json(Document, row.document, `${where}.document`),
    providerMessageId: row.provider_message_id,
    status: MessageStatus.parse(row.status),
    statusAt: row.status_at,
    error: row.error,
    pricing:
      row.pricing_category === null
        ? null
        : {
            billable: toNumber(row.billable) === 1,
            category: row.pricing_category,
            model: row.pricing_model,
          },
    at: row.at,
    purgedAt: row.purged_at,
  };
}
