import type { ActivityRow, ActivityStatus, CollectionActivity } from "@regua/core";
import { ActivityStatusSchema, addMs, readActivityRow, toInstant, toNumber } from "./codec.js";
import type { Db, StoreContext } from "./schema.js";

/** The write-back outbox: pending → claimed → written | dead, retried at next_attempt_at. */

export async function enqueueActivity(
  ctx: StoreContext,
  activity: CollectionActivity,
  at: string,
): Promise<boolean> {
  return insertActivity(ctx.db, activity, toInstant(at));
}

/** Once per key; inside the caller's transaction when `db` is one (commitOutcome). */
export async function insertActivity(db: Db, activity: CollectionActivity, now: string): Promise<boolean> {
  const inserted = await db
    .insertInto("activities")
    .values({
      key: activity.key,
      source: activity.source,
      record: JSON.stringify(activity),
      status: "pending",
      attempts: 0,
      next_attempt_at: now,
      created_at: now,
      updated_at: now,
    })
    .onConflict((oc) => oc.column("key").doNothing())
    .returning("key")
    .execute();
  return inserted.length > 0;
}

/**
 * Claims pending activities that are due, and claimed ones whose worker's lease expired (the
 * ERP write is idempotent by key, so a second attempt after a crash is safe).
 */
export async function claimActivities(
  ctx: StoreContext,
  options: { now: string; limit: number; workerId: string; leaseMs: number },
): Promise<ActivityRow[]> {
  const now = toInstant(options.now);
  // One statement, atomic on both dialects (see claimDueActions).
  let due = ctx.db
    .selectFrom("activities")
    .select("key")
    .where((eb) =>
      eb.or([
        eb.and([eb("status", "=", "pending"), eb("next_attempt_at", "<=", now)]),
        eb.and([eb("status", "=", "claimed"), eb("claimed_until", "<", now)]),
      ]),
    )
    .orderBy("next_attempt_at")
    .orderBy("key")
    .limit(options.limit);
  if (ctx.dialect === "postgres") due = due.forUpdate().skipLocked();
  // A MATERIALIZED CTE runs the locking select exactly once. As a plain `IN (subquery)`,
  // PostgreSQL may re-run it per outer row and, skipping the rows it just locked, claim more than
  // `limit` (seen in this suite).
  const rows = await ctx.db
    .with(
      (cte) => cte("due").materialized(),
      () => due,
    )
    .updateTable("activities")
    .set({
      status: "claimed",
      claimed_by: options.workerId,
      claimed_until: addMs(now, options.leaseMs),
      updated_at: now,
    })
    .where("key", "in", (eb) => eb.selectFrom("due").select("due.key"))
    .returningAll()
    .execute();
  return rows
    .map(readActivityRow)
    .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.key.localeCompare(b.key));
}

export async function completeActivity(
  ctx: StoreContext,
  key: string,
  result: { externalId: string; at: string },
): Promise<void> {
  const now = toInstant(result.at);
  await ctx.db
    .updateTable("activities")
    .set((eb) => ({
      status: "written",
      external_id: result.externalId,
      attempts: eb("attempts", "+", 1),
      claimed_by: null,
      claimed_until: null,
      last_error: null,
      updated_at: now,
    }))
    .where("key", "=", key)
    .where("status", "!=", "written")
    .execute();
}

export async function failActivity(
  ctx: StoreContext,
  key: string,
  failure: { error: string; at: string; nextAttemptAt: string; dead: boolean },
): Promise<void> {
  await ctx.db
    .updateTable("activities")
    .set((eb) => ({
      status: failure.dead ? "dead" : "pending",
      attempts: eb("attempts", "+", 1),
      last_error: failure.error,
      next_attempt_at: toInstant(failure.nextAttemptAt),
      claimed_by: null,
      claimed_until: null,
      updated_at: toInstant(failure.at),
    }))
    .where("key", "=", key)
    .where("status", "!=", "written")
    .execute();
}

export async function listActivities(
  ctx: StoreContext,
  options: { status?: ActivityStatus[]; limit?: number },
): Promise<ActivityRow[]> {
  let query = ctx.db.selectFrom("activities").selectAll();
  if (options.status) {
    if (options.status.length === 0) return [];
    query = query.where("status", "in", options.status);
  }
  const rows = await query
    .orderBy("created_at")
    .orderBy("key")
    .limit(options.limit ?? 1000)
    .execute();
  return rows.map(readActivityRow);
}

export async function countActivitiesByStatus(
  ctx: StoreContext,
): Promise<{ status: ActivityStatus; count: number }[]> {
  const rows = await ctx.db
    .selectFrom("activities")
    .select((eb) => ["status", eb.fn.countAll().as("count")])
    .groupBy("status")
    .orderBy("status")
    .execute();
  return rows.map((row) => ({ status: ActivityStatusSchema.parse(row.status), count: toNumber(row.count) }));
}
