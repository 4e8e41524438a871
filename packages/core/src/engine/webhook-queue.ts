import { nextMacrotask } from "../clock.js";
import type { ChannelEvent, ErpEvent } from "../contracts.js";
import { E164 } from "../model.js";
import type { QueuedWebhook } from "../store-port.js";
import { audit, describeError, type EngineContext, nowIso, plusMs } from "./context.js";
import { handleChannelEvents } from "./events.js";
import { handleErpEvents } from "./refresh.js";
import type { EnqueueSummary, EventSummary, WebhookQueueSummary } from "./types.js";

/**
 * Webhooks are acknowledged fast and applied later: the server verifies and parses a delivery,
 * `enqueue*` screens the events and stores the batch in one transaction, and
 * `applyWebhookQueue` (the engine's worker) applies stored events in bounded batches, yielding
 * between them so one large delivery never holds up other requests.
 */

/**
 * Meta retries a failed delivery for up to 7 days
 * (https://developers.facebook.com/docs/graph-api/webhooks/getting-started#event-notifications):
 * an event older than 30 days is not a late delivery but junk, and one more than 15 minutes
 * ahead of our clock is a clock fault or a forgery. Retention must keep dedupe records longer
 * than EVENT_MAX_AGE_MS, so a redelivery is always recognised.
 */
export const EVENT_MAX_AGE_MS = 30 * 24 * 60 * 60_000;
export const EVENT_MAX_SKEW_MS = 15 * 60_000;

/** Why a parsed channel event is refused before anything is stored, or null when it is sane. */
export function screenChannelEvent(event: ChannelEvent, nowMs: number): string | null {
  const atMs = Date.parse(event.at);
  if (Number.isNaN(atMs)) return `at "${event.at.slice(0, 40)}" is not an instant`;
  if (atMs < nowMs - EVENT_MAX_AGE_MS) return `at ${event.at} is more than 30 days old`;
  if (atMs > nowMs + EVENT_MAX_SKEW_MS) return `at ${event.at} is in the future`;
  if (event.kind === "inbound" && !E164.safeParse(event.from).success) {
    return `from "${event.from.slice(0, 40)}" is not an E.164 phone number`;
  }
  return null;
}

export async function enqueueChannelEvents(
  ctx: EngineContext,
  channelId: string,
  events: readonly ChannelEvent[],
  rawBody: string,
): Promise<EnqueueSummary> {
  const receivedAt = nowIso(ctx);
  const nowMs = ctx.clock.now().getTime();
  const accepted: ChannelEvent[] = [];
  const rejected: EnqueueSummary["rejected"] = [];
  const seen = new Set<string>();
  for (const event of events) {
    // The same event twice in one delivery is dropped here, before any state exists for it.
    if (seen.has(event.eventId)) continue;
    seen.add(event.eventId);
    const reason = screenChannelEvent(event, nowMs);
    if (reason === null) accepted.push(event);
    else rejected.push({ eventId: event.eventId.slice(0, 80), reason });
  }
  if (rejected.length > 0) {
    ctx.log.warn(
      { channel: channelId, rejected: rejected.length, first: rejected.slice(0, 3) },
      "webhook events rejected: not stored",
    );
  }
  const queued = await enqueue(ctx, "channel", channelId, accepted, rawBody, receivedAt);
  return { queued, rejected, duplicates: events.length - seen.size };
}

export async function enqueueErpEvents(
  ctx: EngineContext,
  sourceId: string,
  events: readonly ErpEvent[],
  rawBody: string,
): Promise<EnqueueSummary> {
  const queued = await enqueue(ctx, "erp", sourceId, events, rawBody, nowIso(ctx));
  return { queued, rejected: [], duplicates: 0 };
}

async function enqueue(
  ctx: EngineContext,
  kind: "channel" | "erp",
  plugin: string,
  events: readonly unknown[],
  rawBody: string,
  receivedAt: string,
): Promise<number> {
  if (events.length === 0) return 0;
  await ctx.store.enqueueWebhook({ kind, plugin, receivedAt, rawBody, events });
  return events.length;
}

/**
 * Applies up to `maxEvents` queued events, `ctx.webhookBatch` at a time, oldest delivery first.
 * Progress is stored after every batch, so a crash resumes where it stopped (and the dedupe in
 * handleChannelEvents makes a repeated batch harmless).
 */
export async function applyWebhookQueue(
  ctx: EngineContext,
  options: { maxEvents?: number; signal?: AbortSignal } = {},
): Promise<WebhookQueueSummary> {
  const maxEvents = options.maxEvents ?? Number.POSITIVE_INFINITY;
  const total: WebhookQueueSummary = { batches: 0, events: 0, summary: emptySummary() };
  while (total.events < maxEvents && !options.signal?.aborted) {
    const batch = await ctx.store.claimWebhookBatch({
      workerId: ctx.workerId,
      now: nowIso(ctx),
      leaseUntil: plusMs(ctx, ctx.leaseMs),
    });
    if (!batch) break;
    total.batches += 1;
    // A claimed batch is finished (the store keeps batches small); maxEvents is checked between batches.
    while (batch.applied < batch.events.length && !options.signal?.aborted) {
      const slice = batch.events.slice(batch.applied, batch.applied + ctx.webhookBatch);
      addSummary(total.summary, await applySlice(ctx, batch, slice));
      batch.applied += slice.length;
      total.events += slice.length;
      await ctx.store.advanceWebhookBatch(batch.id, {
        workerId: ctx.workerId,
        applied: batch.applied,
        done: batch.applied >= batch.events.length,
        at: nowIso(ctx),
        leaseUntil: plusMs(ctx, ctx.leaseMs),
      });
      // Lets the server answer requests between batches (the SQLite driver is synchronous).
      await nextMacrotask();
    }
  }
  return total;
}

async function applySlice(ctx: EngineContext, batch: QueuedWebhook, slice: unknown[]): Promise<EventSummary> {
  // The queue holds what enqueue* wrote after the plugin's parse and the screen: trusted here.
  if (batch.kind === "channel") {
    return handleChannelEvents(ctx, batch.plugin, slice as ChannelEvent[], batch.receivedAt);
  }
  const summary = { ...emptySummary(), received: slice.length };
  try {
    await handleErpEvents(ctx, batch.plugin, slice as ErpEvent[]);
    summary.applied = slice.length;
  } catch (error) {
    // The next scheduled sync reads the same records: log it and move on, never retry forever.
    const reason = describeError(error);
    ctx.log.warn({ source: batch.plugin, batch: batch.id, error: reason }, "ERP webhook events failed");
    await audit(
      ctx,
      "event.failed",
      `${batch.plugin}/batch-${batch.id}`,
      { reason },
      `webhook:${batch.plugin}`,
    );
    summary.failed = slice.length;
  }
  return summary;
}

function emptySummary(): EventSummary {
  return { received: 0, duplicates: 0, applied: 0, unmatched: 0, ignored: 0, failed: 0 };
}

function addSummary(into: EventSummary, from: EventSummary): void {
  for (const key of Object.keys(into) as (keyof EventSummary)[]) into[key] += from[key];
}
