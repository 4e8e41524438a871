import { isReguaError } from "../errors.js";
import type { ActivityRow } from "../store-port.js";
import { audit, describeError, type EngineContext, nowIso, plusMs, retryDelayMs } from "./context.js";
import type { WriteBackSummary } from "./types.js";

type WriteOutcome = "written" | "failed" | "dead";

/**
 * Drains the activity outbox into the ERPs. Connectors write idempotently by activity key, so a
 * retry after a lost answer never duplicates; failures back off and go dead after writeAttempts.
 */
export async function runWriteBack(
  ctx: EngineContext,
  options: { limit?: number } = {},
): Promise<WriteBackSummary> {
  const summary: WriteBackSummary = { claimed: 0, written: 0, failed: 0, dead: 0 };
  let remaining = options.limit ?? Number.POSITIVE_INFINITY;
  while (remaining > 0) {
    const limit = Math.min(ctx.claimBatch, remaining);
    const rows = await ctx.store.claimActivities({
      now: nowIso(ctx),
      limit,
      workerId: ctx.workerId,
      leaseMs: ctx.leaseMs,
    });
    if (rows.length === 0) break;
    summary.claimed += rows.length;
    remaining -= rows.length;
    for (const row of rows) summary[await writeOne(ctx, row)] += 1;
  }
  ctx.log.info({ ...summary }, "write-back");
  return summary;
}

async function writeOne(ctx: EngineContext, row: ActivityRow): Promise<WriteOutcome> {
  const { source } = row.activity;
  const connector = ctx.connectors.get(source);
  const writeActivity = connector?.writeActivity?.bind(connector);
  if (!connector) return giveUp(ctx, row, `no connector is configured for source "${source}"`);
  if (!connector.capabilities.writeActivity || !writeActivity) {
    return giveUp(
      ctx,
      row,
      `the connector of source "${source}" cannot write activities (capability writeActivity is off)`,
    );
  }
  try {
    const result = await writeActivity(row.activity);
    await ctx.store.completeActivity(row.key, { externalId: result.externalId, at: nowIso(ctx) });
    return "written";
  } catch (error) {
    return fail(ctx, row, error);
  }
}

async function fail(ctx: EngineContext, row: ActivityRow, error: unknown): Promise<WriteOutcome> {
  const attempt = row.attempts + 1;
  const dead = !isReguaError(error) || !error.retryable || attempt >= ctx.writeAttempts;
  const reason = describeError(error);
  const nextAttemptAt = plusMs(ctx, dead ? 0 : retryDelayMs(ctx, attempt, error));
  await ctx.store.failActivity(row.key, { error: reason, at: nowIso(ctx), nextAttemptAt, dead });
  ctx.log.warn(
    { activity: row.key, source: row.activity.source, attempt, dead, error: reason },
    "write-back failed",
  );
  if (dead) await audit(ctx, "activity.dead", row.key, { reason, attempts: attempt });
  return dead ? "dead" : "failed";
}

/** Nothing will ever make this write succeed: dead once, with a reason an operator can act on. */
async function giveUp(ctx: EngineContext, row: ActivityRow, reason: string): Promise<WriteOutcome> {
  const at = nowIso(ctx);
  await ctx.store.failActivity(row.key, { error: reason, at, nextAttemptAt: at, dead: true });
  ctx.log.warn({ activity: row.key, reason }, "write-back impossible");
  await audit(ctx, "activity.dead", row.key, { reason, attempts: row.attempts + 1 });
  return "dead";
}
