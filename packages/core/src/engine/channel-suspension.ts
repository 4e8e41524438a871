import type { ActionRow, ActionStatus } from "../actions.js";
import type { Channel } from "../contracts.js";
import { audit, describeError, type EngineContext, nowIso } from "./context.js";
import type { ChannelGates } from "./gates.js";
import type { Outcome } from "./outcomes.js";

/**
 * A channel whose credentials were refused (WhatsApp 190 / an expired token, HTTP 401) is one
 * failure, not one per action: the whole channel stops with one alert line and one audit entry,
 * its claimed actions go back to planned (nothing left, nothing counted as an attempt), and it
 * resumes by itself when its health check works again (tried every CHANNEL_PROBE_MS) or a send
 * through it succeeds.
 */

export async function suspendChannel(
  ctx: EngineContext,
  gates: ChannelGates,
  channelId: string,
  row: ActionRow,
  error: unknown,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  const reason = describeError(error);
  if (gates.suspend(channelId, reason)) {
    ctx.log.error(
      { channel: channelId, error: reason, alert: "channel_paused" },
      `channel ${channelId} paused: its credentials were refused; sends resume when it works again`,
    );
    await audit(ctx, "channel.paused", channelId, { reason, action: row.key });
    // Kept in the store, so the channel_paused alert and the other replicas see it.
    await ctx.store.channelAccounts?.setSuspension(channelId, { reason, at: nowIso(ctx) });
  }
  return putBack(ctx, gates, channelId, row, from);
}

/**
 * Before a send through a suspended channel: probe its health when a probe is due. Returns
 * null when the channel works again (the send may go on), else the outcome for this row.
 */
export async function waitForSuspendedChannel(
  ctx: EngineContext,
  gates: ChannelGates,
  channelId: string,
  channel: Channel,
  row: ActionRow,
): Promise<Outcome | null> {
  if (gates.suspension(channelId) === null) return null;
  if (gates.takeProbe(channelId)) {
    const health = await channel.healthCheck().catch((error: unknown) => ({
      ok: false,
      detail: describeError(error),
    }));
    if (health.ok) {
      await resumeChannel(ctx, gates, channelId, `health check: ${health.detail}`);
      return null;
    }
    ctx.log.debug({ channel: channelId, detail: health.detail }, "paused channel still refused");
  }
  return putBack(ctx, gates, channelId, row, ["claimed"]);
}

/** A send went through (or the health check did): the channel works again. */
export async function resumeChannel(
  ctx: EngineContext,
  gates: ChannelGates,
  channelId: string,
  evidence: string,
): Promise<void> {
  if (!gates.resume(channelId)) return;
  await ctx.store.channelAccounts?.setSuspension(channelId, null);
  ctx.log.info({ channel: channelId, evidence }, `channel ${channelId} resumed`);
  await audit(ctx, "channel.resumed", channelId, { evidence });
}

/** Back to planned at the next probe, with no attempt counted: the action did nothing wrong. */
async function putBack(
  ctx: EngineContext,
  gates: ChannelGates,
  channelId: string,
  row: ActionRow,
  from: readonly ActionStatus[],
): Promise<Outcome> {
  const suspension = gates.suspension(channelId);
  const dueAt = new Date(suspension?.nextProbeMs ?? ctx.clock.now().getTime()).toISOString();
  const moved = await ctx.store.transitionAction(row.key, from, "planned", {
    at: nowIso(ctx),
    dueAt,
    claimedUntil: null,
    statusReason: `channel ${channelId} is paused: ${suspension?.reason ?? "credentials refused"}`,
  });
  return moved ? "retried" : "released";
}
