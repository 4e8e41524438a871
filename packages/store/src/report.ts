import type { StoreReport } from "@regua/core";
import { sql } from "kysely";
import { countActivitiesByStatus } from "./activities.js";
import { ActionKindSchema, ActionStatusSchema, EntitySchema, toInstant, toNumber } from "./codec.js";
import { listPhoneFlags, messagesByPricing } from "./contacts.js";
import { jsonArrayContains } from "./json-sql.js";
import { DUNNABLE } from "./lifecycle.js";
import { unknownsReport } from "./outcomes.js";
import { quarantineCounts } from "./quarantine.js";
import type { StoreContext } from "./schema.js";

const DAY_MS = 86_400_000;
type Bucket = StoreReport["aging"][number]["bucket"];
const BUCKET_ORDER: Bucket[] = ["current", "1-30", "31-60", "61-90", "90+"];
/** Statuses that mean the customer got the message. */
export const CONTACTED = ["sent", "delivered", "read"];

function daysBefore(today: string, days: number): string {
  return new Date(Date.parse(`${today}T00:00:00Z`) - days * DAY_MS).toISOString().slice(0, 10);
}

export async function report(ctx: StoreContext, nowInput: string): Promise<StoreReport> {
  const today = toInstant(nowInput).slice(0, 10);
  const [
    aging,
    actionsByStatus,
    recoveredAfterContact,
    activitiesByStatus,
    pricing,
    flagged,
    sync,
    quarantine,
    unknowns,
  ] = await Promise.all([
    agingBuckets(ctx, today),
    countActionsByStatus(ctx),
    recovered(ctx),
    countActivitiesByStatus(ctx),
    messagesByPricing(ctx),
    listPhoneFlags(ctx),
    syncHealth(ctx),
    quarantineCounts(ctx),
    unknownsReport(ctx),
  ]);
  return {
    aging,
    actionsByStatus,
    recoveredAfterContact,
    activitiesByStatus,
    messagesByPricing: pricing,
    flaggedPhones: flagged,
    sync,
    quarantine,
    unknowns,
  };
}

/**
 * Days past due are counted in whole UTC days from `now`'s date; buckets are computed with date
 * comparisons (YYYY-MM-DD sorts as text), so the same SQL runs on both dialects.
 */
async function agingBuckets(ctx: StoreContext, today: string): Promise<StoreReport["aging"]> {
  const bucket = sql<Bucket>`case
    when due_date >= ${today} then 'current'
    when due_date >= ${daysBefore(today, 30)} then '1-30'
    when due_date >= ${daysBefore(today, 60)} then '31-60'
    when due_date >= ${daysBefore(today, 90)} then '61-90'
    else '90+' end`;
  // Grouped in an outer query: PostgreSQL would not match a CASE with bound parameters in
  // GROUP BY to the one in the select list.
  const rows = await ctx.db
    .selectFrom((db) =>
      db
        .selectFrom("invoices")
        .select([bucket.as("bucket"), "currency", "open_amount_minor"])
        .where("status", "in", DUNNABLE)
        .as("open_invoices"),
    )
    .select((eb) => [
      "bucket",
      "currency",
      eb.fn.countAll().as("invoices"),
      eb.fn.sum("open_amount_minor").as("open_amount_minor"),
    ])
    .groupBy(["bucket", "currency"])
    .execute();
  return rows
    .map((row) => ({
      bucket: row.bucket,
      currency: row.currency,
      invoices: toNumber(row.invoices),
      openAmountMinor: toNumber(row.open_amount_minor),
    }))
    .sort(
      (a, b) =>
        a.currency.localeCompare(b.currency) ||
        BUCKET_ORDER.indexOf(a.bucket) - BUCKET_ORDER.indexOf(b.bucket),
    );
}

async function countActionsByStatus(ctx: StoreContext): Promise<StoreReport["actionsByStatus"]> {
  const rows = await ctx.db
    .selectFrom("actions")
    .select((eb) => ["kind", "status", eb.fn.countAll().as("count")])
    .groupBy(["kind", "status"])
    .orderBy("kind")
    .orderBy("status")
    .execute();
  return rows.map((row) => ({
    kind: ActionKindSchema.parse(row.kind),
    status: ActionStatusSchema.parse(row.status),
    count: toNumber(row.count),
  }));
}

/**
 * Paid invoices named by at least one dunning message of their customer that reached the
 * customer (not escalations, not the payment confirmation sent after the fact);
 * amount = invoice total.
 */
async function recovered(ctx: StoreContext): Promise<StoreReport["recoveredAfterContact"]> {
  const rows = await ctx.db
    .selectFrom("invoices as i")
    .select((eb) => [
      "i.currency",
      eb.fn.countAll().as("invoices"),
      eb.fn.sum("i.total_minor").as("amount_minor"),
    ])
    .where("i.status", "=", "paid")
    .where((eb) =>
      eb.exists(
        eb
          .selectFrom("actions as a")
          .select(sql.lit(1).as("one"))
          .whereRef("a.source", "=", "i.source")
          .whereRef("a.customer_ref", "=", "i.customer_ref")
          .where("a.kind", "=", "message")
          .where("a.status", "in", CONTACTED)
          .where(jsonArrayContains(ctx.dialect, sql.ref("a.invoice_refs"), sql.ref("i.external_id"))),
      ),
    )
    .groupBy("i.currency")
    .orderBy("i.currency")
    .execute();
  return rows.map((row) => ({
    currency: row.currency,
    invoices: toNumber(row.invoices),
    amountMinor: toNumber(row.amount_minor),
  }));
}

/** The latest run of each (source, entity). */
async function syncHealth(ctx: StoreContext): Promise<StoreReport["sync"]> {
  const rows = await ctx.db
    .selectFrom("sync_runs as r")
    .select(["r.source", "r.entity", "r.finished_at", "r.error", "r.records", "r.rejects"])
    .where("r.id", "in", (eb) =>
      eb
        .selectFrom("sync_runs")
        .select((inner) => inner.fn.max("id").as("id"))
        .groupBy(["source", "entity"]),
    )
    .orderBy("r.source")
    .orderBy("r.entity")
    .execute();
  return rows.map((row) => ({
    source: row.source,
    entity: EntitySchema.parse(row.entity),
    lastFinishedAt: row.finished_at,
    lastError: row.error,
    records: toNumber(row.records),
    rejects: toNumber(row.rejects),
  }));
}
