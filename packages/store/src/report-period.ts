import type { PeriodFigures, ReportPeriod } from "@regua/core";
import { sql } from "kysely";
import { toInstant, toNumber } from "./codec.js";
import { jsonArrayContains } from "./json-sql.js";
import { CONTACTED } from "./report.js";
import type { StoreContext } from "./schema.js";

/** Customer-facing kinds: dunning steps and lifecycle messages (payment confirmations). */
const MESSAGE_KINDS = ["message", "lifecycle"];

/** Messages, their pricing and the money recovered after them in [from, to). docs/reports.md */
export async function periodFigures(ctx: StoreContext, input: ReportPeriod): Promise<PeriodFigures> {
  const period = { from: toInstant(input.from), to: toInstant(input.to) };
  const [messages, pricing, recovered] = await Promise.all([
    periodMessages(ctx, period),
    periodPricing(ctx, period),
    periodRecovered(ctx, period),
  ]);
  return { period, messages, pricing, recovered };
}

async function periodMessages(ctx: StoreContext, p: ReportPeriod): Promise<PeriodFigures["messages"]> {
  // An opt-out after the message and before the period's end, by the customer's record or by
  // one of the customer's numbers (a "PARAR" reply opts the number out).
  const optedOut = sql<number>`case when exists (
      select 1 from opt_outs o
      where o.at >= a.sent_at and o.at < ${p.to}
        and ((o.source = a.source and o.customer_ref = a.customer_ref)
          or o.phone in (select cp.phone from customer_phones cp
                         where cp.source = a.source and cp.customer_ref = a.customer_ref))
    ) then 1 else 0 end`;
  const replied = sql<number>`case when a.replied_at is not null and a.replied_at < ${p.to} then 1 else 0 end`;
  const rows = await ctx.db
    .selectFrom((db) =>
      db
        .selectFrom("actions as a")
        .select([
          "a.source",
          "a.step_id",
          "a.kind",
          sql<string>`coalesce(a.channel, '')`.as("channel"),
          replied.as("replied"),
          optedOut.as("opted_out"),
        ])
        .where("a.kind", "in", MESSAGE_KINDS)
        .where("a.status", "in", CONTACTED)
        .where("a.sent_at", ">=", p.from)
        .where("a.sent_at", "<", p.to)
        .as("m"),
    )
    .select((eb) => [
      "m.source",
      "m.step_id",
      "m.kind",
      "m.channel",
      eb.fn.countAll().as("sent"),
      eb.fn.sum("m.replied").as("replied"),
      eb.fn.sum("m.opted_out").as("opted_out"),
    ])
    .groupBy(["m.source", "m.step_id", "m.kind", "m.channel"])
    .orderBy("m.source")
    .orderBy("m.step_id")
    .orderBy("m.channel")
    .execute();
  return rows.map((r) => ({
    source: r.source,
    stepId: r.step_id,
    channel: r.channel,
    kind: r.kind,
    sent: toNumber(r.sent),
    replied: toNumber(r.replied),
    optedOut: toNumber(r.opted_out),
  }));
}

async function periodPricing(ctx: StoreContext, p: ReportPeriod): Promise<PeriodFigures["pricing"]> {
  const rows = await ctx.db
    .selectFrom("message_costs as c")
    .innerJoin("actions as a", "a.key", "c.action_key")
    .select((eb) => [
      "a.source",
      "a.step_id",
      "c.channel",
      "c.category",
      "c.billable",
      eb.fn.countAll().as("messages"),
    ])
    .where("a.sent_at", ">=", p.from)
    .where("a.sent_at", "<", p.to)
    .groupBy(["a.source", "a.step_id", "c.channel", "c.category", "c.billable"])
    .orderBy("a.source")
    .orderBy("a.step_id")
    .orderBy("c.channel")
    .orderBy("c.category")
    .orderBy("c.billable")
    .execute();
  return rows.map((r) => ({
    source: r.source,
    stepId: r.step_id,
    channel: r.channel,
    category: r.category,
    billable: toNumber(r.billable) === 1,
    messages: toNumber(r.messages),
  }));
}

/**
 * Allocations paid in the period (payment dates are calendar days: [from's day, to's day)) on
 * invoices a dunning message reached on or before the payment day; the step is the last such
 * message's (last touch).
 */
async function periodRecovered(ctx: StoreContext, p: ReportPeriod): Promise<PeriodFigures["recovered"]> {
  const rows = await ctx.db
    .selectFrom((db) =>
      db
        .selectFrom("payment_allocations as pa")
        .innerJoin("invoices as i", (join) =>
          join.onRef("i.source", "=", "pa.source").onRef("i.external_id", "=", "pa.invoice_ref"),
        )
        .select((eb) => [
          "pa.source",
          "pa.invoice_ref",
          "pa.amount_minor",
          "i.currency",
          eb
            .selectFrom("actions as a")
            .select("a.step_id")
            .whereRef("a.source", "=", "pa.source")
            .where("a.kind", "=", "message")
            .where("a.status", "in", CONTACTED)
            .where(sql<boolean>`substr(a.sent_at, 1, 10) <= pa.paid_on`)
            .where(jsonArrayContains(ctx.dialect, sql.ref("a.invoice_refs"), sql.ref("pa.invoice_ref")))
            .orderBy("a.sent_at", "desc")
            .orderBy("a.key", "desc")
            .limit(1)
            .as("step_id"),
        ])
        .where("pa.paid_on", ">=", p.from.slice(0, 10))
        .where("pa.paid_on", "<", p.to.slice(0, 10))
        .as("r"),
    )
    .select((eb) => [
      "r.source",
      "r.step_id",
      "r.currency",
      sql<number>`count(distinct r.invoice_ref)`.as("invoices"),
      eb.fn.sum("r.amount_minor").as("amount_minor"),
    ])
    .where("r.step_id", "is not", null)
    .groupBy(["r.source", "r.step_id", "r.currency"])
    .orderBy("r.source")
    .orderBy("r.step_id")
    .orderBy("r.currency")
    .execute();
  return rows.map((r) => ({
    source: r.source,
    stepId: r.step_id ?? "",
    currency: r.currency,
    invoices: toNumber(r.invoices),
    amountMinor: toNumber(r.amount_minor),
  }));
}
