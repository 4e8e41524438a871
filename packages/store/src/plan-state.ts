import { toInstant } from "./codec.js";
import type { StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

const STATE = "plan";
/** The epoch recorded while a full plan runs: matches no real epoch (core's planEpoch). */
const NO_EPOCH = "";

/**
 * Takes the change marks for a plan (see migration 0060). Pauses that ended since the last plan
 * are marks too: a pause changes nothing in the data when it runs out, only the time does.
 * Incremental when asked for and the last finished plan had this epoch.
 *
 * A full plan re-plans everyone, so it answers every mark made so far: it deletes them instead of
 * taking them. Taking them is an UPDATE writing a new version of every row; after a first sync has
 * marked every customer (200k), that was ~2 s of a 1M-invoice plan on PostgreSQL, before any
 * customer was read. Marks made while it runs are new rows and stay for the next plan. Until it
 * finishes, no recorded epoch is left: a full plan that stops half-way (crash, lost lease) is
 * followed by another full plan, never by an incremental one missing the marks deleted here.
 */
export async function beginPlan(
  ctx: StoreContext,
  options: { epoch: string; now: string; full: boolean },
): Promise<{ incremental: boolean }> {
  const now = toInstant(options.now);
  return writeTransaction(ctx, async (trx) => {
    const last = await trx
      .selectFrom("plan_state")
      .select(["epoch", "planned_at"])
      .where("name", "=", STATE)
      .executeTakeFirst();
    const incremental = !options.full && last?.epoch === options.epoch;
    if (!incremental) {
      await trx.deleteFrom("plan_changes").execute();
      if (last)
        await trx.updateTable("plan_state").set({ epoch: NO_EPOCH }).where("name", "=", STATE).execute();
      return { incremental };
    }
    await trx
      .insertInto("plan_changes")
      .columns(["source", "customer_ref", "taken"])
      .expression((eb) =>
        eb
          .selectFrom("pauses")
          .select(["source", "customer_ref", eb.lit(0).as("taken")])
          .where("paused_until", ">", last.planned_at)
          .where("paused_until", "<=", now),
      )
      .onConflict((oc) => oc.columns(["source", "customer_ref"]).doUpdateSet({ taken: 0 }))
      .execute();
    await trx.updateTable("plan_changes").set({ taken: 1 }).where("taken", "=", 0).execute();
    return { incremental };
  });
}

/** Drops the marks this plan took (changes made meanwhile stay) and records its epoch. */
export async function finishPlan(ctx: StoreContext, options: { epoch: string; at: string }): Promise<void> {
  const at = toInstant(options.at);
  await writeTransaction(ctx, async (trx) => {
    await trx.deleteFrom("plan_changes").where("taken", "=", 1).execute();
    await trx
      .insertInto("plan_state")
      .values({ name: STATE, epoch: options.epoch, planned_at: at })
      .onConflict((oc) => oc.column("name").doUpdateSet({ epoch: options.epoch, planned_at: at }))
      .execute();
  });
}
