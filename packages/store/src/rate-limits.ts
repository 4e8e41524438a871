import { type Kysely, sql } from "kysely";
import type { Dialect, StoreContext } from "./schema.js";

/** 0061: one row per shared rate (a channel's tier): when its next send slot is free. */
export async function rateLimitsTable(db: Kysely<unknown>, dialect: Dialect): Promise<void> {
  await db.schema
    .createTable("rate_limits")
    .addColumn("key", "text", (c) => c.primaryKey())
    // Epoch ms, fractional (80 msg/s is a slot every 12.5 ms).
    .addColumn("next_slot_ms", dialect === "postgres" ? "double precision" : "real", (c) => c.notNull())
    .execute();
}

/**
 * GCRA in one statement, atomic on both dialects: the first slot is the later of the stored next
 * slot and `now − tolerance` (the burst), the next one `count` intervals on. Two runners calling
 * at once get consecutive, disjoint blocks. https://en.wikipedia.org/wiki/Generic_cell_rate_algorithm
 */
export async function reserveRate(
  ctx: StoreContext,
  options: { key: string; perSecond: number; burst: number; count: number; nowMs: number },
): Promise<{ firstMs: number }> {
  if (!(options.perSecond > 0) || !(options.count >= 1))
    throw new RangeError("reserveRate: perSecond > 0, count ≥ 1");
  const intervalMs = 1000 / options.perSecond;
  const earliest = options.nowMs - Math.max(0, options.burst - 1) * intervalMs;
  const span = options.count * intervalMs;
  const larger = ctx.dialect === "postgres" ? sql.raw("greatest") : sql.raw("max");
  const row = await ctx.db
    .insertInto("rate_limits")
    .values({ key: options.key, next_slot_ms: earliest + span })
    .onConflict((oc) =>
      oc.column("key").doUpdateSet({
        next_slot_ms: sql<number>`${larger}(rate_limits.next_slot_ms, ${earliest}) + ${span}`,
      }),
    )
    .returning("next_slot_ms")
    .executeTakeFirstOrThrow();
  return { firstMs: Number(row.next_slot_ms) - span };
}
