import type { NewWebhookBatch, QueuedWebhook } from "@regua/core";
import { toInstant } from "./codec.js";
import type { StoreContext } from "./schema.js";

/**
 * The webhook queue: the server stores a verified delivery here in one INSERT and answers at
 * once; the engine's worker claims the oldest batch under a lease and applies it in slices.
 */

/**
 * Events are stored in slices of EVENTS_PER_ROW, all in one INSERT (atomic): a worker's claim
 * then reads back a small JSON array instead of a whole 30,000-event delivery, so no single
 * step of the apply blocks the (synchronous) SQLite driver for long. The raw body is kept once,
 * on the first slice.
 */
const EVENTS_PER_ROW = 500;

export async function enqueueWebhook(ctx: StoreContext, batch: NewWebhookBatch): Promise<number> {
  const receivedAt = toInstant(batch.receivedAt);
  const rows = [];
  for (let start = 0; start === 0 || start < batch.events.length; start += EVENTS_PER_ROW) {
    const events = batch.events.slice(start, start + EVENTS_PER_ROW);
    rows.push({
      kind: batch.kind,
      plugin: batch.plugin,
      received_at: receivedAt,
      raw_body: start === 0 ? batch.rawBody : "",
      events: JSON.stringify(events),
      event_count: events.length,
    });
  }
  const inserted = await ctx.db.insertInto("webhook_queue").values(rows).returning("id").execute();
  return Number(inserted[0]?.id);
}

export async function claimWebhookBatch(
  ctx: StoreContext,
  options: { workerId: string; now: string; leaseUntil: string },
): Promise<QueuedWebhook | null> {
  const now = toInstant(options.now);
  let next = ctx.db
    .selectFrom("webhook_queue")
    .select("id")
    .where("done_at", "is", null)
    .where((eb) =>
      eb.or([
        eb("claimed_until", "is", null),
        eb("claimed_until", "<", now),
        eb("claimed_by", "=", options.workerId),
      ]),
    )
    .orderBy("done_at")
    .orderBy("id")
    .limit(1);
  // Several runners on one PostgreSQL: each skips the batch another is claiming.
  if (ctx.dialect === "postgres") next = next.forUpdate().skipLocked();
  const row = await ctx.db
    .with(
      (cte) => cte("next").materialized(),
      () => next,
    )
    .updateTable("webhook_queue")
    .set({ claimed_by: options.workerId, claimed_until: toInstant(options.leaseUntil) })
    .where("id", "in", (eb) => eb.selectFrom("next").select("next.id"))
    .returning(["id", "kind", "plugin", "received_at", "events", "applied"])
    .executeTakeFirst();
  if (!row) return null;
  return {
    id: Number(row.id),
    kind: row.kind,
    plugin: row.plugin,
    receivedAt: row.received_at,
    events: JSON.parse(row.events) as unknown[],
    applied: Number(row.applied),
  };
}

export async function advanceWebhookBatch(
  ctx: StoreContext,
  id: number,
  progress: { workerId: string; applied: number; done: boolean; at: string; leaseUntil: string },
): Promise<void> {
  const leaseUntil = toInstant(progress.leaseUntil);
  await ctx.db
    .updateTable("webhook_queue")
    .set({
      applied: progress.applied,
      done_at: progress.done ? toInstant(progress.at) : null,
      claimed_until: progress.done ? null : leaseUntil,
      claimed_by: progress.done ? null : progress.workerId,
    })
    .where("id", "=", id)
    .where("claimed_by", "=", progress.workerId)
    .execute();
}

export async function webhookBacklog(ctx: StoreContext): Promise<number> {
  const row = await ctx.db
    .selectFrom("webhook_queue")
    .select((eb) =>
      eb.fn.coalesce(eb.fn.sum<number>(eb("event_count", "-", eb.ref("applied"))), eb.lit(0)).as("left"),
    )
    .where("done_at", "is", null)
    .executeTakeFirstOrThrow();
  return Number(row.left);
}

/** Retention: applied batches and dedupe records received before `before`; pending ones stay. */
export async function purgeWebhookHistory(
  ctx: StoreContext,
  before: string,
): Promise<{ batches: number; events: number }> {
  const cutoff = toInstant(before);
  const batches = await ctx.db
    .deleteFrom("webhook_queue")
    .where("received_at", "<", cutoff)
    .where("done_at", "is not", null)
    .executeTakeFirst();
  const events = await ctx.db
    .deleteFrom("inbound_events")
    .where("received_at", "<", cutoff)
    .executeTakeFirst();
  return { batches: Number(batches.numDeletedRows), events: Number(events.numDeletedRows) };
}
