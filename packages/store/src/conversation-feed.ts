import type { ConversationChange } from "@regua/core";
import { toNumber } from "./codec.js";
import type { Db, StoreContext } from "./schema.js";

/**
 * The conversation change feed: a row per committed change (seq increases across processes),
 * plus in-process listeners called after the commit for low-latency pushes.
 */
export class ConversationWatchers {
  readonly #listeners = new Set<(change: ConversationChange) => void>();

  add(listener: (change: ConversationChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  notify(changes: readonly ConversationChange[]): void {
    for (const change of changes) {
      for (const listener of this.#listeners) {
        try {
          listener(change);
        } catch {
          // A listener's failure (a closed SSE socket) must not fail the write that committed.
        }
      }
    }
  }
}

export async function recordChange(
  trx: Db,
  change: Omit<ConversationChange, "seq">,
): Promise<ConversationChange> {
  const row = await trx
    .insertInto("conversation_changes")
    .values({
      conversation_id: change.conversationId,
      kind: change.kind,
      message_id: change.messageId,
      at: change.at,
    })
    .returning("seq")
    .executeTakeFirstOrThrow();
  return { ...change, seq: toNumber(row.seq) };
}

export async function conversationChanges(
  ctx: StoreContext,
  options: { after: number; limit?: number },
): Promise<ConversationChange[]> {
  const rows = await ctx.db
    .selectFrom("conversation_changes")
    .selectAll()
    .where("seq", ">", options.after)
    .orderBy("seq")
    .limit(Math.min(Math.max(options.limit ?? 500, 1), 5000))
    .execute();
  return rows.map((row) => ({
    seq: toNumber(row.seq),
    conversationId: toNumber(row.conversation_id),
    kind: row.kind === "message" ? "message" : "conversation",
    messageId: row.message_id === null ? null : toNumber(row.message_id),
    at: row.at,
  }));
}

export async function conversationFeedPosition(ctx: StoreContext): Promise<number> {
  const row = await ctx.db
    .selectFrom("conversation_changes")
    .select((eb) => eb.fn.max("seq").as("seq"))
    .executeTakeFirst();
  return row?.seq == null ? 0 : toNumber(row.seq);
}
