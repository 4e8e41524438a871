import { toInstant } from "./codec.js";
import type { StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

const STATE = "plan";

/**
 * Takes the change marks for a plan (see migration 0060). Pauses that ended since the last plan
 * are marks too: a pause changes nothing in the data when it runs out, only the time does.
 * Incremental when asked for and the last finished plan had this epoch.
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
    if (last) {
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
    }
    await trx.updateTable("plan_changes").set({ taken: 1 }).where("taken", "=", 0).execute();
    return { incremental: !options.full && last?.epoch === options.epoch };
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
