import { describeError, type EngineContext } from "./context.js";
import { handleChannelEvents } from "./events.js";

/** Messages asked about per channel and poll: the newest sends first. */
const POLL_BATCH = 100;
/** How far back a `sent` message is still asked about (a phone off for a day stays `sent`). */
const POLL_WINDOW_MS = 24 * 3_600_000;
/** At most one poll per channel this often, however often dispatch runs. */
const POLL_EVERY_MS = 5 * 60_000;

/**
 * Status polling for channels without a status webhook (`Channel.pollStatuses`, e.g. Opa!
 * Suite): messages sent through them in the last day and still `sent` are asked about, newest
 * first, and the answers go through the same path as webhook events (statuses only move
 * forward, duplicates are dropped by event id). Returns how many events were applied.
 */
export class StatusPoller {
  private readonly lastPollMs = new Map<string, number>();

  constructor(private readonly ctx: EngineContext) {}

  async run(signal?: AbortSignal): Promise<number> {
    const { ctx } = this;
    const nowMs = ctx.clock.now().getTime();
    let applied = 0;
    for (const [channelId, channel] of ctx.channels) {
      if (!channel.pollStatuses || signal?.aborted) continue;
      const last = this.lastPollMs.get(channelId);
      if (last !== undefined && nowMs - last < POLL_EVERY_MS) continue;
      this.lastPollMs.set(channelId, nowMs);
      const rows = await ctx.store.listActions({
        status: ["sent"],
        channel: channelId,
        sentSince: new Date(nowMs - POLL_WINDOW_MS).toISOString(),
        limit: POLL_BATCH,
      });
      const sent = rows.flatMap((row) =>
        row.providerMessageId ? [{ providerMessageId: row.providerMessageId, actionKey: row.key }] : [],
      );
      if (sent.length === 0) continue;
      try {
        const events = await channel.pollStatuses(sent);
        if (events.length > 0) applied += (await handleChannelEvents(ctx, channelId, events)).applied;
      } catch (error) {
        // The next poll asks again; a status read is never worth failing a dispatch run.
        ctx.log.warn({ channel: channelId, error: describeError(error) }, "status poll failed");
      }
    }
    return applied;
  }
}
