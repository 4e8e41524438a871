import type { DunningStore, MessageCost, PauseKind, PauseRow, PhoneFlag, StoreReport } from "@regua/core";
import { sql } from "kysely";
import { z } from "zod";
import { toInstant, toInstantOrNull } from "./codec.js";
import { inList } from "./in-list.js";
import type { Db, StoreContext } from "./schema.js";
import { writeTransaction } from "./tx.js";

/** Customer pauses by kind, numbers flagged undeliverable, and what each message cost. */

const PauseKindSchema = z.enum([
  "policy",
  "operator",
  "promise_to_pay",
  "awaiting_payment",
]) satisfies z.ZodType<PauseKind>;

/** What `DunningStore.setPause` takes: until `null` lifts the pause; kind defaults to "policy". */
export type PauseInput = Parameters<DunningStore["setPause"]>[0];

export async function setPause(ctx: StoreContext, pause: PauseInput): Promise<void> {
  const row = {
    source: pause.source,
    customer_ref: pause.customerRef,
    paused_until: toInstantOrNull(pause.until),
    reason: pause.reason,
    at: toInstant(pause.at),
    kind: pause.kind ?? "policy",
  };
  await ctx.db
    .insertInto("pauses")
    .values(row)
    .onConflict((oc) =>
      oc.columns(["source", "customer_ref"]).doUpdateSet({
        paused_until: row.paused_until,
        reason: row.reason,
        at: row.at,
        kind: row.kind,
      }),
    )
    .execute();
}

export async function getPause(
  ctx: StoreContext,
  source: string,
  customerRef: string,
): Promise<PauseRow | null> {
  const row = await ctx.db
    .selectFrom("pauses")
    .select(["paused_until", "reason", "at", "kind"])
    .where("source", "=", source)
    .where("customer_ref", "=", customerRef)
    .executeTakeFirst();
  if (!row) return null;
  const kind = PauseKindSchema.catch("policy").parse(row.kind);
  return { source, customerRef, until: row.paused_until, reason: row.reason, at: row.at, kind };
}

export async function flagPhone(ctx: StoreContext, flag: PhoneFlag): Promise<void> {
  const row = { ...flag, at: toInstant(flag.at) };
  await writeTransaction(ctx, async (trx) => {
    await trx
      .insertInto("phone_flags")
      .values(row)
      .onConflict((oc) =>
        oc
          .column("phone")
          .doUpdateSet({ channel: row.channel, code: row.code, reason: row.reason, at: row.at }),
      )
      .execute();
    await markCustomersOfPhone(trx, flag.phone);
  });
}

export async function clearPhoneFlag(ctx: StoreContext, phone: string): Promise<boolean> {
  return writeTransaction(ctx, async (trx) => {
    const deleted = await trx
      .deleteFrom("phone_flags")
      .where("phone", "=", phone)
      .returning("phone")
      .execute();
    if (deleted.length > 0) await markCustomersOfPhone(trx, phone);
    return deleted.length > 0;
  });
}

/**
 * The customers with this number are planned again by the next incremental plan (0060's
 * plan_changes; a flag is not one of the tables its triggers watch, 0030 running before it).
 */
async function markCustomersOfPhone(trx: Db, phone: string): Promise<void> {
  await sql`insert into plan_changes (source, customer_ref, taken)
    select source, customer_ref, 0 from customer_phones where phone = ${phone}
    on conflict (source, customer_ref) do update set taken = 0 where plan_changes.taken <> 0`.execute(trx);
}

export async function phoneFlags(ctx: StoreContext, phones: readonly string[]): Promise<PhoneFlag[]> {
  const unique = [...new Set(phones)];
  if (unique.length === 0) return [];
  return ctx.db
    .selectFrom("phone_flags")
    .select(["phone", "channel", "code", "reason", "at"])
    .where(inList(ctx.dialect, "phone", unique))
    .execute();
}

/** Newest first, at most `limit`. */
export async function listPhoneFlags(ctx: StoreContext, limit = 100): Promise<PhoneFlag[]> {
  return ctx.db
    .selectFrom("phone_flags")
    .select(["phone", "channel", "code", "reason", "at"])
    .orderBy("at", "desc")
    .limit(limit)
    .execute();
}

/** One row per message: the latest status carrying pricing wins (sent, then delivered). */
export async function recordMessageCost(ctx: StoreContext, cost: MessageCost): Promise<void> {
  const row = {
    provider_message_id: cost.providerMessageId,
    action_key: cost.actionKey,
    channel: cost.channel,
    billable: cost.billable ? 1 : 0,
    category: cost.category,
    pricing_model: cost.pricingModel,
    conversation_id: cost.conversationId,
    conversation_origin: cost.conversationOrigin,
    conversation_expires_at: toInstantOrNull(cost.conversationExpiresAt),
    at: toInstant(cost.at),
  };
  const { provider_message_id: _id, ...update } = row;
  await ctx.db
    .insertInto("message_costs")
    .values(row)
    .onConflict((oc) =>
      oc.column("provider_message_id").doUpdateSet({
        ...update,
        // The first status of a conversation carries its expiry; later ones do not.
        conversation_expires_at: (eb) =>
          eb.fn.coalesce("excluded.conversation_expires_at", "message_costs.conversation_expires_at"),
      }),
    )
    .execute();
}

export async function messagesByPricing(ctx: StoreContext): Promise<StoreReport["messagesByPricing"]> {
  const rows = await ctx.db
    .selectFrom("message_costs")
    .select((eb) => ["channel", "category", "billable", eb.fn.countAll().as("count")])
    .groupBy(["channel", "category", "billable"])
    .orderBy("channel")
    .orderBy("category")
    .orderBy("billable")
    .execute();
  return rows.map((row) => ({
    channel: row.channel,
    category: row.category,
    billable: Number(row.billable) === 1,
    count: Number(row.count),
  }));
}
