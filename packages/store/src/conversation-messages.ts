import type {
  ConversationChange,
  ConversationMessage,
  MessageStatusUpdate,
  NewConversationMessage,
} from "@regua/core";
import { toInstant } from "./codec.js";
import { readMessage, toJson } from "./conversation-codec.js";
import { type ConversationWatchers, recordChange } from "./conversation-feed.js";
import type { StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

/** Messages of a conversation: append (deduplicated by provider id), delivery ticks, retention. */

export async function appendMessage(
  ctx: StoreContext,
  watchers: ConversationWatchers,
  message: NewConversationMessage,
): Promise<{ message: ConversationMessage; created: boolean }> {
  const at = toInstant(message.at);
  const result = await writeTransaction(ctx, async (trx) => {
    const conversation = await trx
      .selectFrom("conversations")
      .select(["channel", "last_message_at"])
      .where("id", "=", message.conversationId)
      .executeTakeFirst();
    if (!conversation) throw new Error(`@regua/store: conversation ${message.conversationId} does not exist`);
    const providerMessageId = message.providerMessageId ?? null;
    if (providerMessageId !== null) {
      const seen = await trx
        .selectFrom("conversation_messages")
        .selectAll()
        .where("channel", "=", conversation.channel)
        .where("provider_message_id", "=", providerMessageId)
        .executeTakeFirst();
      if (seen) return { message: readMessage(seen), created: false, changes: [] };
    }
    const row = await trx
      .insertInto("conversation_messages")
      .values({
        conversation_id: message.conversationId,
        channel: conversation.channel,
        direction: message.direction,
        kind: message.kind,
        author: message.author,
        body: message.body,
        payload: toJson(message.payload),
        document: toJson(message.document),
        provider_message_id: providerMessageId,
        status: message.status,
        status_at: at,
        at,
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    // Messages can be recorded out of order (a send's answer after the next inbound): the
    // queue's order and the service window only ever move forward.
    const lastMessageAt = [at, conversation.last_message_at].sort()[1] ?? at;
    await trx
      .updateTable("conversations")
      .set({ last_message_at: lastMessageAt })
      .$if(message.direction === "inbound", (q) =>
        q.set((eb) => ({
          last_inbound_at: eb.fn.coalesce(
            eb.case().when("last_inbound_at", ">", at).then(eb.ref("last_inbound_at")).else(at).end(),
            eb.val(at),
          ),
        })),
      )
      .where("id", "=", message.conversationId)
      .execute();
    const change = await recordChange(trx, {
      conversationId: message.conversationId,
      kind: "message",
      messageId: row.id,
      at,
    });
    return { message: readMessage(row), created: true, changes: [change] };
  });
  watchers.notify(result.changes);
  return { message: result.message, created: result.created };
}

export async function settleOutboundMessage(
  ctx: StoreContext,
  watchers: ConversationWatchers,
  messageId: number,
  outcome: { providerMessageId: string; at: string } | { error: string; at: string },
): Promise<ConversationMessage | null> {
  const at = toInstant(outcome.at);
  const result = await writeTransaction(ctx, async (trx) => {
    const row = await trx
      .selectFrom("conversation_messages")
      .selectAll()
      .where("id", "=", messageId)
      .executeTakeFirst();
    if (!row) return null;
    if (row.status !== "pending" || row.direction !== "outbound")
      return { message: readMessage(row), change: null };
    const updated = await trx
      .updateTable("conversation_messages")
      .set(
        "providerMessageId" in outcome
          ? { provider_message_id: outcome.providerMessageId, status: "sent", status_at: at }
          : { status: "failed", status_at: at, error: outcome.error },
      )
      .where("id", "=", messageId)
      .returningAll()
      .executeTakeFirstOrThrow();
    const change = await recordChange(trx, {
      conversationId: row.conversation_id,
      kind: "message",
      messageId: row.id,
      at,
    });
    return { message: readMessage(updated), change };
  });
  if (result?.change) watchers.notify([result.change]);
  return result?.message ?? null;
}

const RANK: Record<string, number> = { pending: 0, sent: 1, delivered: 2, read: 3 };

/** Ticks only move forward; "failed" replaces anything short of delivered. */
function nextStatus(current: string, incoming: string): string {
  if (incoming === "failed") return current === "delivered" || current === "read" ? current : "failed";
  if (current === "failed") return current;
  return (RANK[incoming] ?? 0) > (RANK[current] ?? 0) ? incoming : current;
}

export async function updateMessageStatus(
  ctx: StoreContext,
  watchers: ConversationWatchers,
  update: MessageStatusUpdate,
): Promise<ConversationMessage | null> {
  const at = toInstant(update.at);
  const result = await writeTransaction(ctx, async (trx) => {
    const row = await trx
      .selectFrom("conversation_messages")
      .selectAll()
      .where("channel", "=", update.channel)
      .where("provider_message_id", "=", update.providerMessageId)
      .executeTakeFirst();
    if (!row) return null;
    const status = nextStatus(row.status, update.status);
    const pricing = update.pricing ?? null;
    if (status === row.status && pricing === null) return { message: readMessage(row), change: null };
    const updated = await trx
      .updateTable("conversation_messages")
      .set({
        status,
        status_at: status === row.status ? row.status_at : at,
        error: status === "failed" ? (update.error ?? row.error) : row.error,
        ...(pricing
          ? {
              billable: pricing.billable ? 1 : 0,
              pricing_category: pricing.category,
              pricing_model: pricing.model,
            }
          : {}),
      })
      .where("id", "=", row.id)
      .returningAll()
      .executeTakeFirstOrThrow();
    const change: ConversationChange = await recordChange(trx, {
      conversationId: updated.conversation_id,
      kind: "message",
      messageId: updated.id,
      at,
    });
    return { message: readMessage(updated), change };
  });
  if (!result) return null;
  if (result.change) watchers.notify([result.change]);
  return result.message;
}

export async function listMessages(
  ctx: StoreContext,
  conversationId: number,
  options: { afterId?: number; limit?: number } = {},
): Promise<ConversationMessage[]> {
  const rows = await ctx.db
    .selectFrom("conversation_messages")
    .selectAll()
    .where("conversation_id", "=", conversationId)
    .where("id", ">", options.afterId ?? 0)
    .orderBy("id")
    .limit(Math.min(Math.max(options.limit ?? 500, 1), 5000))
    .execute();
  return rows.map(readMessage);
}

export async function purgeConversationContent(
  ctx: StoreContext,
  before: string,
  now: string,
): Promise<{ messages: number; changes: number }> {
  const cutoff = toInstant(before);
  return writeTransaction(ctx, async (trx) => {
    const purged = await trx
      .updateTable("conversation_messages")
      .set({ body: null, payload: null, document: null, purged_at: toInstant(now) })
      .where("at", "<", cutoff)
      .where("purged_at", "is", null)
      .executeTakeFirst();
    const changes = await trx.deleteFrom("conversation_changes").where("at", "<", cutoff).executeTakeFirst();
    return { messages: Number(purged.numUpdatedRows), changes: Number(changes.numDeletedRows) };
  });
}
