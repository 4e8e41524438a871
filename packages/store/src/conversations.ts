import {
  type Conversation,
  type ConversationPage,
  type ConversationPatch,
  type ConversationQuery,
  type ConversationStatus,
  type NewConversation,
  ValidationError,
} from "@regua/core";
import { sql } from "kysely";
import { toInstant } from "./codec.js";
import { readConversation, toJson } from "./conversation-codec.js";
import { type ConversationWatchers, recordChange } from "./conversation-feed.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

const OPEN = sql<boolean>`status <> 'closed'`;

/** Conversations: open one per number, update under a version check, and the queue queries. */

export async function openConversation(
  ctx: StoreContext,
  watchers: ConversationWatchers,
  input: NewConversation,
): Promise<{ conversation: Conversation; created: boolean }> {
  const at = toInstant(input.at);
  const result = await writeTransaction(ctx, async (trx) => {
    const inserted = await trx
      .insertInto("conversations")
      .values({
        channel: input.channel,
        phone: input.phone,
        source: input.source ?? null,
        customer_ref: input.customerRef ?? null,
        customer_name: input.customerName ?? null,
        tax_id: input.taxId ?? null,
        status: input.status,
        operator_id: input.operatorId ?? null,
        origin: input.origin,
        answered: toJson(input.answered),
        opened_at: at,
        last_message_at: at,
        bot_state: toJson(input.botState),
      })
      .onConflict((oc) =>
        // The conflict target names the partial unique index: same columns, same predicate.
        oc.columns(["channel", "phone"]).where(OPEN).doNothing(),
      )
      .returningAll()
      .executeTakeFirst();
    if (inserted) {
      const change = await recordChange(trx, {
        conversationId: inserted.id,
        kind: "conversation",
        messageId: null,
        at,
      });
      return { conversation: readConversation(inserted), created: true, change };
    }
    const open = await selectOpen(trx, input.channel, input.phone);
    if (!open) throw new Error(`@regua/store: no open conversation for ${input.channel} after a conflict`);
    return { conversation: open, created: false, change: null };
  });
  if (result.change) watchers.notify([result.change]);
  return { conversation: result.conversation, created: result.created };
}

async function selectOpen(db: Db, channel: string, phone: string): Promise<Conversation | null> {
  const row = await db
    .selectFrom("conversations")
    .selectAll()
    .where("channel", "=", channel)
    .where("phone", "=", phone)
    .where("status", "<>", "closed")
    .executeTakeFirst();
  return row ? readConversation(row) : null;
}

export const findOpenConversation = (ctx: StoreContext, channel: string, phone: string) =>
  selectOpen(ctx.db, channel, phone);

export async function getConversation(ctx: StoreContext, id: number): Promise<Conversation | null> {
  const row = await ctx.db.selectFrom("conversations").selectAll().where("id", "=", id).executeTakeFirst();
  return row ? readConversation(row) : null;
}

function patchColumns(patch: ConversationPatch, at: string) {
  const set: Record<string, string | null> = {};
  if (patch.source !== undefined) set.source = patch.source;
  if (patch.customerRef !== undefined) set.customer_ref = patch.customerRef;
  if (patch.customerName !== undefined) set.customer_name = patch.customerName;
  if (patch.taxId !== undefined) set.tax_id = patch.taxId;
  if (patch.operatorId !== undefined) set.operator_id = patch.operatorId;
  if (patch.answered !== undefined) set.answered = toJson(patch.answered);
  if (patch.closingReason !== undefined) set.closing_reason = patch.closingReason;
  if (patch.botState !== undefined) set.bot_state = toJson(patch.botState);
  if (patch.status !== undefined) {
    set.status = patch.status;
    set.closed_at = patch.status === "closed" ? at : null;
  }
  return set;
}

export async function updateConversation(
  ctx: StoreContext,
  watchers: ConversationWatchers,
  id: number,
  patch: ConversationPatch,
  expectedVersion?: number,
): Promise<Conversation | null> {
  const at = toInstant(patch.at);
  const result = await writeTransaction(ctx, async (trx) => {
    let update = trx
      .updateTable("conversations")
      .set(patchColumns(patch, at))
      .set((eb) => ({ version: eb("version", "+", 1) }))
      .where("id", "=", id);
    if (expectedVersion !== undefined) update = update.where("version", "=", expectedVersion);
    const row = await update.returningAll().executeTakeFirst();
    if (!row) return null;
    const change = await recordChange(trx, { conversationId: id, kind: "conversation", messageId: null, at });
    return { conversation: readConversation(row), change };
  });
  if (!result) return null;
  watchers.notify([result.change]);
  return result.conversation;
}

/** Keyset cursor over (last_message_at desc, id desc). */
function encodeCursor(conversation: Conversation): string {
  return Buffer.from(`${conversation.lastMessageAt}|${conversation.id}`).toString("base64url");
}

function decodeCursor(cursor: string): { at: string; id: number } {
  const [at, id] = Buffer.from(cursor, "base64url").toString("utf8").split("|");
  const parsedId = Number(id);
  if (!at || !Number.isSafeInteger(parsedId))
    throw new ValidationError(`conversation cursor "${cursor}" is not one of ours`);
  return { at, id: parsedId };
}

export async function listConversations(
  ctx: StoreContext,
  query: ConversationQuery = {},
): Promise<ConversationPage> {
  const limit = Math.min(Math.max(query.limit ?? 50, 1), 500);
  let select = ctx.db.selectFrom("conversations").selectAll();
  if (query.status?.length) select = select.where("status", "in", [...query.status]);
  if (query.operatorId === null) select = select.where("operator_id", "is", null);
  else if (query.operatorId !== undefined) select = select.where("operator_id", "=", query.operatorId);
  if (query.from) select = select.where("last_message_at", ">=", toInstant(query.from));
  if (query.to) select = select.where("last_message_at", "<", toInstant(query.to));
  if (query.source !== undefined) select = select.where("source", "=", query.source);
  if (query.customerRef !== undefined) select = select.where("customer_ref", "=", query.customerRef);
  const search = query.search?.trim();
  if (search) {
    const like = ctx.dialect === "postgres" ? "ilike" : "like";
    const text = `%${search.replace(/[%_\\]/g, "")}%`;
    const digits = search.replace(/\D/g, "");
    select = select.where((eb) =>
      eb.or([
        eb("customer_name", like, text),
        ...(digits.length >= 3
          ? [eb("phone", "like", `%${digits}%`), eb("tax_id", "like", `%${digits}%`)]
          : []),
        eb("customer_ref", "=", search),
      ]),
    );
  }
  if (query.cursor) {
    const { at, id } = decodeCursor(query.cursor);
    select = select.where((eb) =>
      eb.or([eb("last_message_at", "<", at), eb.and([eb("last_message_at", "=", at), eb("id", "<", id)])]),
    );
  }
  const rows = await select
    .orderBy("last_message_at", "desc")
    .orderBy("id", "desc")
    .limit(limit + 1)
    .execute();
  const items = rows.slice(0, limit).map(readConversation);
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

export async function listIdleConversations(
  ctx: StoreContext,
  options: { statuses: readonly ConversationStatus[]; before: string; limit?: number },
): Promise<Conversation[]> {
  const statuses = options.statuses.filter((status) => status !== "closed");
  if (statuses.length === 0) return [];
  const rows = await ctx.db
    .selectFrom("conversations")
    .selectAll()
    .where("status", "in", statuses)
    .where("last_message_at", "<", toInstant(options.before))
    .orderBy("last_message_at")
    .limit(Math.min(Math.max(options.limit ?? 100, 1), 1000))
    .execute();
  return rows.map(readConversation);
}
